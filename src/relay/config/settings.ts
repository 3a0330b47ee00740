/**
 * The building blocks of the relay configuration's schema (valibot), and the one sentence a failed
 * validation becomes.
 *
 * Messages are written as the user reads them, with `{path}` standing for where the setting sits
 * (`wamp.realms[0].roles[1].name`, `SEALWIRE_RELAY_PORT`, `--port`): the schema does not know the path when
 * it is built, so `describeIssue` puts it in from the issue's path at the end. A message without `{path}`
 * (a realm configured twice) is printed as it is.
 */
import * as v from 'valibot';
import { isPlainObject } from '../../encoding/plain-object.ts';

/** Environment variables: where overrides and the secrets named by `ticketEnv` and `secretEnv` come from. */
export type Env = Record<string, string | undefined>;

/** A mapping from YAML or JSON: an object that is not a list (valibot's object schemas take lists too). */
function isMapping(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value);
}

/**
 * A mapping of known settings. An unknown key is an error that lists the allowed ones (a typo in a security
 * setting must not be silently ignored); a required setting left out gets the complaint its own schema
 * makes about a missing value ("must be a non-empty string"), as if it had been given empty.
 */
export function settings<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  const allowed = Object.keys(entries).join(', ');
  return v.pipe(
    v.custom<Record<string, unknown>>(isMapping, '{path} must be a mapping'),
    v.strictObject(entries, (issue) => {
      if (issue.expected === 'never') return `{path} is not a known setting (allowed: ${allowed})`;
      const key = issue.path?.[0]?.key;
      const missing = typeof key === 'string' ? entries[key] : undefined;
      return (missing && v.safeParse(missing, undefined).issues?.[0].message) ?? '{path} must be given';
    }),
  );
}

/**
 * Names that valibot's `record` skips without a word (they would reach into a JavaScript object's
 * prototype): refused here instead, so that a service id `prototype` is never silently left unlisted.
 */
const RESERVED_NAMES: readonly string[] = ['__proto__', 'prototype', 'constructor'];

/** A mapping of names (authids, service ids) to entries of one kind. */
export function mapping<TKey extends v.GenericSchema<string, string>, TValue extends v.GenericSchema>(
  key: TKey,
  value: TValue,
) {
  return v.pipe(
    v.custom<Record<string, unknown>>(isMapping, '{path} must be a mapping of authid to settings'),
    v.check(
      (entries) => !Object.keys(entries).some((name) => RESERVED_NAMES.includes(name)),
      (issue) => {
        const name = Object.keys(issue.input).find((entry) => RESERVED_NAMES.includes(entry));
        return `{path}.${name} cannot be used: ${name} is a reserved name`;
      },
    ),
    v.record(key, value),
  );
}

export const nonEmptyString = v.pipe(
  v.string('{path} must be a non-empty string'),
  v.nonEmpty('{path} must be a non-empty string'),
);

export const trueOrFalse = v.boolean('{path} must be true or false');

/** A whole number in [min, max]; digits in a string count too (environment variables are strings). */
export function integer(min: number, max: number) {
  const message = `{path} must be an integer from ${min} to ${max}`;
  return v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.digits(message), v.toNumber())], message),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}

/** A mapping of limits, each a positive integer with its default; the defaults are the caller's. */
export function limitSettings<const TName extends string>(defaults: Readonly<Record<TName, number>>) {
  const entries = Object.fromEntries(
    Object.entries<number>(defaults).map(([name, fallback]) => [
      name,
      v.optional(integer(1, 2 ** 31), fallback),
    ]),
  ) as Record<TName, v.OptionalSchema<ReturnType<typeof integer>, number>>;
  return v.optional(settings(entries), {});
}

/**
 * The first issue, as the one-line message the user reads. `root` names what was validated: "the document"
 * for a configuration file (its own misspelt keys read `the document.prot`), or the variable or flag an
 * override came from. A misspelt key is reported before anything else, since it usually explains the rest
 * (the setting it meant to give is then missing).
 */
export function describeIssue(
  issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
  root: string,
) {
  const issue = issues.find(isUnknownKey) ?? issues[0];
  const path = issue.path ?? [];
  let name = '';
  for (const item of path) {
    const key = String(item.key);
    name += item.type === 'array' ? `[${key}]` : name === '' ? key : `.${key}`;
  }
  if (name === '') name = root;
  else if (path.length === 1 && path[0]?.origin === 'key') name = `${root}.${name}`;
  return issue.message.startsWith('{path}')
    ? `${name}${issue.message.slice('{path}'.length)}`
    : issue.message;
}

function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.type === 'strict_object' && issue.expected === 'never';
}
