/**
 * Relay configuration: a YAML or JSON file, environment overrides, then command-line flags. Everything
 * is validated up front with messages that name the offending path; unknown keys are errors (a typo
 * in a security setting must not be silently ignored). Secrets can come from the environment
 * (`ticketEnv`, `secretEnv`) so they need not sit in the file.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SealwireError } from '../errors.ts';
import {
  type CraUser,
  type CryptosignPrincipal,
  DEFAULT_LIMITS,
  type Permission,
  type RealmConfig,
  type RoleConfig,
  type RouterLimits,
  type TicketPrincipal,
} from '../wamp/router/index.ts';
import { hostProblem, isValidHost } from './host.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface RelayConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Time SIGTERM waits for sessions to say GOODBYE and connections to drain. */
  shutdownTimeoutMs: number;
  wamp: {
    path: string;
    limits: RouterLimits;
    realms: RealmConfig[];
    /** True when no realms were configured and the embedded development default is in use. */
    embeddedDefault: boolean;
  };
  tunnel: TunnelConfig;
}

/** The tunnel endpoint (`/tunnel/*`): services register under an id, clients reach them through TLS they pin. */
export interface TunnelConfig {
  enabled: boolean;
  /** Service ids and the Ed25519 public JWK that may register each (from `sealwire service identity`). */
  services: Record<string, { kty: 'OKP'; crv: 'Ed25519'; x: string }>;
  /** Let unlisted ids be claimed by the first key that registers them (default: only when `services` is empty). */
  allowFirstUse: boolean;
  limits: {
    maxSessionsPerService: number;
    maxPendingPerService: number;
    handshakeTimeoutMs: number;
    idleTimeoutMs: number;
  };
}

export const DEFAULT_CONFIG: RelayConfig = {
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  wamp: {
    path: '/ws',
    limits: { ...DEFAULT_LIMITS },
    realms: [{ name: 'realm1', anonymous: { role: 'anonymous' } }],
    embeddedDefault: true,
  },
  tunnel: {
    enabled: true,
    services: {},
    allowFirstUse: true,
    limits: {
      maxSessionsPerService: 64,
      maxPendingPerService: 16,
      handshakeTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
    },
  },
};

/** A configuration problem; the message names the path and what is expected (exit code 2 in the CLI). */
export class ConfigError extends SealwireError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', `config: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${path} must be a mapping`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new ConfigError(`${path}.${key} is not a known setting (allowed: ${allowed.join(', ')})`);
  }
  return value;
}

function mapping(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${path} must be a mapping of authid to settings`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${path} must be a non-empty string`);
  return value;
}

function host(value: unknown, path: string): string {
  const text = string(value, path);
  if (!isValidHost(text)) throw new ConfigError(hostProblem(path));
  return text;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max)
    throw new ConfigError(`${path} must be an integer from ${min} to ${max}`);
  return number;
}

function secret(entry: Record<string, unknown>, key: string, path: string, env: Env): string {
  const envKey = `${key}Env`;
  if (entry[key] !== undefined && entry[envKey] !== undefined)
    throw new ConfigError(`${path}: give ${key} or ${envKey}, not both`);
  if (entry[envKey] !== undefined) {
    const name = string(entry[envKey], `${path}.${envKey}`);
    const value = env[name];
    if (value === undefined || value === '')
      throw new ConfigError(`${path}.${envKey}: environment variable ${name} is not set`);
    return value;
  }
  return string(entry[key], `${path}.${key}`);
}

function permissions(value: unknown, path: string): Permission[] {
  if (!Array.isArray(value)) throw new ConfigError(`${path} must be a list`);
  return value.map((item, index) => {
    const at = `${path}[${index}]`;
    const rule = record(item, at, ['uri', 'match', 'publish', 'subscribe', 'call', 'register', 'allow']);
    const match = rule.match ?? 'exact';
    if (match !== 'exact' && match !== 'prefix' && match !== 'wildcard')
      throw new ConfigError(`${at}.match must be exact, prefix or wildcard`);
    // A prefix rule may have an empty URI (everything); other rules need one.
    const uri = match === 'prefix' && rule.uri === '' ? '' : string(rule.uri, `${at}.uri`);
    const out: Permission = { uri, match };
    // `allow: [publish, call]` is shorthand for the four booleans.
    if (rule.allow !== undefined) {
      if (!Array.isArray(rule.allow)) throw new ConfigError(`${at}.allow must be a list of actions`);
      for (const action of rule.allow as unknown[]) {
        if (action !== 'publish' && action !== 'subscribe' && action !== 'call' && action !== 'register')
          throw new ConfigError(
            `${at}.allow: unknown action ${JSON.stringify(action)} (publish, subscribe, call, register)`,
          );
        out[action] = true;
      }
    }
    for (const action of ['publish', 'subscribe', 'call', 'register'] as const) {
      if (rule[action] === undefined) continue;
      if (typeof rule[action] !== 'boolean') throw new ConfigError(`${at}.${action} must be true or false`);
      out[action] = rule[action];
    }
    return out;
  });
}

function realm(value: unknown, path: string, env: Env): RealmConfig {
  const entry = record(value, path, ['name', 'anonymous', 'ticket', 'wampcra', 'cryptosign', 'roles']);
  const out: RealmConfig = { name: string(entry.name, `${path}.name`) };
  if (!/^[^\s.#]+(\.[^\s.#]+)*$/.test(out.name))
    throw new ConfigError(`${path}.name must be a WAMP URI such as realm1`);
  if (entry.anonymous !== undefined && entry.anonymous !== false) {
    const anonymous = entry.anonymous === true ? {} : record(entry.anonymous, `${path}.anonymous`, ['role']);
    out.anonymous = {
      role: anonymous.role === undefined ? 'anonymous' : string(anonymous.role, `${path}.anonymous.role`),
    };
  }
  if (entry.ticket !== undefined) {
    const principals: Record<string, TicketPrincipal> = {};
    for (const [authid, item] of Object.entries(mapping(entry.ticket, `${path}.ticket`))) {
      const at = `${path}.ticket.${authid}`;
      const principal = record(item, at, ['ticket', 'ticketEnv', 'role']);
      principals[authid] = {
        ticket: secret(principal, 'ticket', at, env),
        role: string(principal.role, `${at}.role`),
      };
    }
    out.ticket = principals;
  }
  if (entry.wampcra !== undefined) {
    const users: Record<string, CraUser> = {};
    for (const [authid, item] of Object.entries(mapping(entry.wampcra, `${path}.wampcra`))) {
      const at = `${path}.wampcra.${authid}`;
      const user = record(item, at, ['secret', 'secretEnv', 'role', 'salt', 'iterations', 'keylen']);
      const cra: CraUser = { secret: secret(user, 'secret', at, env), role: string(user.role, `${at}.role`) };
      if (user.salt !== undefined) {
        cra.salt = string(user.salt, `${at}.salt`);
        cra.iterations =
          user.iterations === undefined ? 1000 : integer(user.iterations, `${at}.iterations`, 1, 1_000_000);
        cra.keylen = user.keylen === undefined ? 32 : integer(user.keylen, `${at}.keylen`, 16, 64);
      }
      users[authid] = cra;
    }
    out.wampcra = users;
  }
  if (entry.cryptosign !== undefined) {
    const principals: Record<string, CryptosignPrincipal> = {};
    for (const [authid, item] of Object.entries(mapping(entry.cryptosign, `${path}.cryptosign`))) {
      const at = `${path}.cryptosign.${authid}`;
      const principal = record(item, at, ['authorizedKeys', 'role']);
      if (!Array.isArray(principal.authorizedKeys) || principal.authorizedKeys.length === 0)
        throw new ConfigError(
          `${at}.authorizedKeys must be a non-empty list of Ed25519 public keys (64 hex characters)`,
        );
      const keys = principal.authorizedKeys.map((key, index) => {
        if (typeof key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(key))
          throw new ConfigError(
            `${at}.authorizedKeys[${index}] must be 64 hex characters (an Ed25519 public key)`,
          );
        return key.toLowerCase();
      });
      principals[authid] = { authorizedKeys: keys, role: string(principal.role, `${at}.role`) };
    }
    out.cryptosign = principals;
  }
  if (entry.roles !== undefined) {
    if (!Array.isArray(entry.roles)) throw new ConfigError(`${path}.roles must be a list`);
    out.roles = entry.roles.map((item, index): RoleConfig => {
      const at = `${path}.roles[${index}]`;
      const role = record(item, at, ['name', 'permissions']);
      return {
        name: string(role.name, `${at}.name`),
        permissions: permissions(role.permissions ?? [], `${at}.permissions`),
      };
    });
  }
  if (!out.anonymous && !out.ticket && !out.wampcra && !out.cryptosign)
    throw new ConfigError(
      `${path} allows no authentication method: add anonymous, ticket, wampcra or cryptosign`,
    );
  return out;
}

/** Validates a parsed configuration document (from YAML or JSON) against the schema. */
export function validateConfig(document: unknown, env: Env = {}): RelayConfig {
  const root = record(document ?? {}, 'the document', [
    'host',
    'port',
    'logLevel',
    'shutdownTimeoutMs',
    'wamp',
    'tunnel',
  ]);
  const config: RelayConfig = structuredClone(DEFAULT_CONFIG);
  if (root.host !== undefined) config.host = host(root.host, 'host');
  if (root.port !== undefined) config.port = integer(root.port, 'port', 0, 65535);
  if (root.logLevel !== undefined) {
    if (typeof root.logLevel !== 'string' || !LOG_LEVELS.includes(root.logLevel))
      throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
    config.logLevel = root.logLevel as LogLevel;
  }
  if (root.shutdownTimeoutMs !== undefined)
    config.shutdownTimeoutMs = integer(root.shutdownTimeoutMs, 'shutdownTimeoutMs', 0, 600_000);
  if (root.wamp !== undefined) {
    const wamp = record(root.wamp, 'wamp', ['path', 'limits', 'realms']);
    if (wamp.path !== undefined) {
      config.wamp.path = string(wamp.path, 'wamp.path');
      if (!config.wamp.path.startsWith('/')) throw new ConfigError('wamp.path must start with /');
    }
    if (wamp.limits !== undefined) {
      const limits = record(wamp.limits, 'wamp.limits', Object.keys(DEFAULT_LIMITS));
      for (const [key, value] of Object.entries(limits)) {
        (config.wamp.limits as unknown as Record<string, number>)[key] = integer(
          value,
          `wamp.limits.${key}`,
          1,
          2 ** 31,
        );
      }
    }
    if (wamp.realms !== undefined) {
      if (!Array.isArray(wamp.realms) || wamp.realms.length === 0)
        throw new ConfigError('wamp.realms must be a non-empty list');
      config.wamp.realms = wamp.realms.map((item, index) => realm(item, `wamp.realms[${index}]`, env));
      config.wamp.embeddedDefault = false;
      const names = new Set<string>();
      for (const entry of config.wamp.realms) {
        if (names.has(entry.name)) throw new ConfigError(`realm ${entry.name} is configured twice`);
        names.add(entry.name);
      }
    }
  }
  if (root.tunnel !== undefined) config.tunnel = tunnel(root.tunnel);
  return config;
}

const SERVICE_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function tunnel(value: unknown): TunnelConfig {
  const section = record(value, 'tunnel', ['enabled', 'services', 'allowFirstUse', 'limits']);
  const out: TunnelConfig = structuredClone(DEFAULT_CONFIG.tunnel);
  if (section.enabled !== undefined) {
    if (typeof section.enabled !== 'boolean') throw new ConfigError('tunnel.enabled must be true or false');
    out.enabled = section.enabled;
  }
  if (section.services !== undefined) {
    for (const [id, entry] of Object.entries(mapping(section.services, 'tunnel.services'))) {
      const path = `tunnel.services.${id}`;
      if (!SERVICE_ID.test(id))
        throw new ConfigError(`${path}: service ids are lower-case letters, digits and dashes`);
      const key = record(record(entry, path, ['publicKey']).publicKey, `${path}.publicKey`, [
        'kty',
        'crv',
        'x',
        'kid',
        'use',
        'alg',
      ]);
      if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.x !== 'string') {
        throw new ConfigError(
          `${path}.publicKey must be an Ed25519 public JWK (from \`sealwire service identity\`)`,
        );
      }
      out.services[id] = { kty: 'OKP', crv: 'Ed25519', x: key.x };
    }
  }
  out.allowFirstUse = Object.keys(out.services).length === 0;
  if (section.allowFirstUse !== undefined) {
    if (typeof section.allowFirstUse !== 'boolean')
      throw new ConfigError('tunnel.allowFirstUse must be true or false');
    out.allowFirstUse = section.allowFirstUse;
  }
  if (section.limits !== undefined) {
    const limits = record(section.limits, 'tunnel.limits', Object.keys(out.limits));
    for (const [key, item] of Object.entries(limits)) {
      (out.limits as Record<string, number>)[key] = integer(item, `tunnel.limits.${key}`, 1, 2 ** 31);
    }
  }
  return out;
}

/** Parses YAML or JSON text (JSON is YAML, so one parser serves both; `.json` files get JSON.parse errors). */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return source.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(
      `${source} is not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

export interface ConfigSources {
  file?: string;
  env?: Env;
  flags?: { host?: string; port?: number | string; logLevel?: string };
}

/** Defaults < config file < environment (`SEALWIRE_RELAY_*`) < flags. */
export async function loadConfig(sources: ConfigSources = {}): Promise<RelayConfig> {
  const env = sources.env ?? {};
  const file = sources.file ?? env.SEALWIRE_RELAY_CONFIG;
  let document: unknown = {};
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    document = parseConfigText(text, file);
  }
  const config = validateConfig(document, env);
  if (env.SEALWIRE_RELAY_HOST) config.host = host(env.SEALWIRE_RELAY_HOST, 'SEALWIRE_RELAY_HOST');
  if (env.SEALWIRE_RELAY_PORT)
    config.port = integer(env.SEALWIRE_RELAY_PORT, 'SEALWIRE_RELAY_PORT', 0, 65535);
  if (env.SEALWIRE_RELAY_LOG_LEVEL) {
    if (!LOG_LEVELS.includes(env.SEALWIRE_RELAY_LOG_LEVEL))
      throw new ConfigError(`SEALWIRE_RELAY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
    config.logLevel = env.SEALWIRE_RELAY_LOG_LEVEL as LogLevel;
  }
  const flags = sources.flags ?? {};
  if (flags.host !== undefined) config.host = host(flags.host, '--host');
  if (flags.port !== undefined) config.port = integer(flags.port, '--port', 0, 65535);
  if (flags.logLevel !== undefined) {
    if (!LOG_LEVELS.includes(flags.logLevel))
      throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    config.logLevel = flags.logLevel as LogLevel;
  }
  return config;
}

/** Whether `host` binds to loopback only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** True when some realm lets anyone in with full permissions (anonymous and no roles). */
export function hasOpenRealm(config: RelayConfig): boolean {
  return config.wamp.realms.some((entry) => entry.anonymous !== undefined && entry.roles === undefined);
}

/**
 * A valid configuration that is still unsafe where it would run: logged at start, and listed by
 * `sealwire relay --check`.
 */
export function configWarnings(config: RelayConfig): string[] {
  const warnings: string[] = [];
  if (isLoopback(config.host)) return warnings;
  if (hasOpenRealm(config))
    warnings.push(
      'a realm allows anonymous sessions with full permissions and the relay is reachable beyond localhost: configure roles or authentication (see docs/relay.md)',
    );
  if (config.tunnel.enabled && config.tunnel.allowFirstUse)
    warnings.push(
      'tunnel service ids can be claimed by whoever registers first and the relay is reachable beyond localhost: list them under tunnel.services (see docs/tunnel.md)',
    );
  return warnings;
}

/** What `sealwire relay --check --json` prints: what would run, without a secret. */
export function configSummary(config: RelayConfig): Record<string, unknown> {
  const methods = ['anonymous', 'ticket', 'wampcra', 'cryptosign'] as const;
  return {
    host: config.host,
    port: config.port,
    logLevel: config.logLevel,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    wamp: {
      path: config.wamp.path,
      embeddedDefault: config.wamp.embeddedDefault,
      limits: config.wamp.limits,
      realms: config.wamp.realms.map((entry) => ({
        name: entry.name,
        authmethods: methods.filter((method) => entry[method] !== undefined),
        // null: no roles configured, every session may do everything.
        roles: entry.roles?.map((role) => role.name) ?? null,
      })),
    },
    tunnel: {
      enabled: config.tunnel.enabled,
      services: Object.keys(config.tunnel.services),
      allowFirstUse: config.tunnel.allowFirstUse,
      limits: config.tunnel.limits,
    },
    warnings: configWarnings(config),
  };
}
