/**
 * The `wamp:` section of the relay configuration: the WebSocket path, the router's limits, and the realms
 * with their authentication methods and roles. Its defaults are the router's own (`DEFAULT_LIMITS`,
 * `DEFAULT_REALMS`, and the WAMP-CRA key derivation's iterations and key length, which the router applies
 * when a salted user leaves them out); what the router cannot check before a session arrives (a realm no
 * one can join, a secret in an unset environment variable) is refused here.
 */
import * as v from 'valibot';
import {
  DEFAULT_LIMITS,
  DEFAULT_REALMS,
  type Permission,
  type RealmConfig,
} from '../../wamp/router/index.ts';
import {
  type Env,
  integer,
  limitSettings,
  mapping,
  nonEmptyString,
  settings,
  trueOrFalse,
} from './settings.ts';

/**
 * A WAMP URI as a realm name: dot-separated components without spaces or `#` (the router checks the same
 * rule with `isValidUri`, which `sealwire/wamp/router` does not export).
 */
const REALM_NAME = /^[^\s.#]+(\.[^\s.#]+)*$/;

/** The role of anonymous sessions when `anonymous: true` or `anonymous: {}` names none. */
const ANONYMOUS_ROLE = 'anonymous';

const MATCH_POLICIES = ['exact', 'prefix', 'wildcard'] as const satisfies readonly Permission['match'][];
const ACTIONS = ['publish', 'subscribe', 'call', 'register'] as const;
type Action = (typeof ACTIONS)[number];
const action = v.picklist(ACTIONS);

/** `allow: [publish, call]`: shorthand for the booleans of the actions it lists. */
const allowedActions = v.pipe(
  v.array(v.unknown(), '{path} must be a list of actions'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const actions = dataset.value.filter((item): item is Action => v.is(action, item));
    if (actions.length === dataset.value.length) return actions;
    const unknown = dataset.value.find((item) => !v.is(action, item));
    addIssue({ message: `{path}: unknown action ${JSON.stringify(unknown)} (${ACTIONS.join(', ')})` });
    return NEVER;
  }),
);

const permission = v.pipe(
  settings({
    uri: v.optional(v.string('{path} must be a non-empty string')),
    match: v.optional(v.picklist(MATCH_POLICIES, '{path} must be exact, prefix or wildcard'), 'exact'),
    publish: v.optional(trueOrFalse),
    subscribe: v.optional(trueOrFalse),
    call: v.optional(trueOrFalse),
    register: v.optional(trueOrFalse),
    allow: v.optional(allowedActions),
  }),
  // A prefix rule may have an empty URI (everything); other rules need one.
  v.rawTransform(({ dataset, addIssue, NEVER }): Permission => {
    const { uri, match, allow = [], ...actions } = dataset.value;
    if (uri === undefined || (uri === '' && match !== 'prefix')) {
      addIssue({
        message: '{path} must be a non-empty string',
        path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'uri', value: uri }],
      });
      return NEVER;
    }
    // The booleans given one by one win over `allow`.
    return { uri, match, ...Object.fromEntries(allow.map((name) => [name, true])), ...actions };
  }),
);

const role = settings({
  name: nonEmptyString,
  permissions: v.optional(v.array(permission, '{path} must be a list'), []),
});

/**
 * A secret given as `KEY` (the value) or `KEYEnv` (the name of an environment variable that holds it, so it
 * need not sit in the file), never both. The output has `KEY` only.
 */
function withSecret<
  const TKey extends string,
  TSchema extends v.GenericSchema<unknown, { [name in TKey | `${TKey}Env`]?: string }>,
>(key: TKey, schema: TSchema, env: Env) {
  type Resolved = Omit<v.InferOutput<TSchema>, `${TKey}Env`> & Record<TKey, string>;
  const envKey = `${key}Env` as const;
  return v.pipe(
    schema,
    v.rawTransform(({ dataset, addIssue, NEVER }): Resolved => {
      const { [envKey]: variable, ...entry } = dataset.value;
      const given = dataset.value[key];
      const at = (name: string, value: unknown): [v.IssuePathItem] => [
        { type: 'object', origin: 'value', input: dataset.value, key: name, value },
      ];
      if (given !== undefined && variable !== undefined) {
        addIssue({ message: `{path}: give ${key} or ${envKey}, not both` });
        return NEVER;
      }
      const secret = variable === undefined ? given : env[variable];
      if (variable !== undefined && (secret === undefined || secret === '')) {
        addIssue({
          message: `{path}: environment variable ${variable} is not set`,
          path: at(envKey, variable),
        });
        return NEVER;
      }
      if (secret === undefined) {
        addIssue({ message: '{path} must be a non-empty string', path: at(key, given) });
        return NEVER;
      }
      // TypeScript cannot spell a computed generic key in an object literal's type.
      return { ...entry, [key]: secret } as Resolved;
    }),
  );
}

const ticketPrincipal = (env: Env) =>
  withSecret(
    'ticket',
    settings({
      ticket: v.optional(nonEmptyString),
      ticketEnv: v.optional(nonEmptyString),
      role: nonEmptyString,
    }),
    env,
  );

/** With a salt, the key is PBKDF2-SHA256(secret, salt, iterations, keylen), as Autobahn derives it. */
const craUser = (env: Env) =>
  withSecret(
    'secret',
    settings({
      secret: v.optional(nonEmptyString),
      secretEnv: v.optional(nonEmptyString),
      role: nonEmptyString,
      salt: v.optional(nonEmptyString),
      iterations: v.optional(integer(1, 1_000_000)),
      keylen: v.optional(integer(16, 64)),
    }),
    env,
  );

const ED25519_KEYS = '{path} must be a non-empty list of Ed25519 public keys (64 hex characters)';
const ED25519_KEY = '{path} must be 64 hex characters (an Ed25519 public key)';

const cryptosignPrincipal = settings({
  authorizedKeys: v.pipe(
    v.array(
      v.pipe(v.string(ED25519_KEY), v.regex(/^[0-9a-fA-F]{64}$/, ED25519_KEY), v.toLowerCase()),
      ED25519_KEYS,
    ),
    v.nonEmpty(ED25519_KEYS),
  ),
  role: nonEmptyString,
});

/** `anonymous: true`, `anonymous: { role: guest }`, or `false` (the same as leaving it out). */
const anonymous = v.pipe(
  v.unknown(),
  v.transform((entry) => (entry === true ? {} : entry === false ? undefined : entry)),
  v.optional(settings({ role: v.optional(nonEmptyString, ANONYMOUS_ROLE) })),
);

const realm = (env: Env) =>
  v.pipe(
    settings({
      name: v.pipe(nonEmptyString, v.regex(REALM_NAME, '{path} must be a WAMP URI such as realm1')),
      anonymous: v.optional(anonymous),
      ticket: v.optional(mapping(v.string(), ticketPrincipal(env))),
      wampcra: v.optional(mapping(v.string(), craUser(env))),
      cryptosign: v.optional(mapping(v.string(), cryptosignPrincipal)),
      roles: v.optional(v.array(role, '{path} must be a list')),
    }),
    v.check(
      (entry) =>
        entry.anonymous !== undefined ||
        entry.ticket !== undefined ||
        entry.wampcra !== undefined ||
        entry.cryptosign !== undefined,
      '{path} allows no authentication method: add anonymous, ticket, wampcra or cryptosign',
    ),
    // `anonymous: false` leaves no trace: a realm has the key only when anonymous sessions are allowed.
    v.transform(
      ({ anonymous, ...entry }): RealmConfig => (anonymous === undefined ? entry : { ...entry, anonymous }),
    ),
  );

function duplicateName(realms: readonly RealmConfig[]): string | undefined {
  const names = new Set<string>();
  for (const { name } of realms) {
    if (names.has(name)) return name;
    names.add(name);
  }
  return undefined;
}

const realms = (env: Env) =>
  v.pipe(
    v.array(realm(env), '{path} must be a non-empty list'),
    v.nonEmpty('{path} must be a non-empty list'),
    v.check(
      (list) => duplicateName(list) === undefined,
      (issue) => `realm ${duplicateName(issue.input)} is configured twice`,
    ),
  );

/** The `wamp:` section; `env` is where `ticketEnv` and `secretEnv` are looked up. */
export function wampSection(env: Env) {
  return v.optional(
    v.pipe(
      settings({
        path: v.optional(v.pipe(nonEmptyString, v.startsWith('/', '{path} must start with /')), '/ws'),
        limits: limitSettings(DEFAULT_LIMITS),
        realms: v.optional(realms(env)),
      }),
      v.transform(({ path, limits, realms }) => ({
        path,
        limits,
        realms: realms ?? DEFAULT_REALMS.map((entry) => structuredClone(entry)),
        /** True when no realms were configured and the embedded development default is in use. */
        embeddedDefault: realms === undefined,
      })),
    ),
    {},
  );
}
