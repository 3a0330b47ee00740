/**
 * Relay configuration: a YAML or JSON file, environment overrides, then command-line flags. Everything
 * is validated up front against one schema (config/schema.ts, with a file per section) with messages that
 * name the offending path; unknown keys are errors (a typo in a security setting must not be silently
 * ignored). Secrets can come from the environment (`ticketEnv`, `secretEnv`) so they need not sit in the file.
 */
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import {
  hostSetting,
  logLevelSetting,
  portSetting,
  type RelayConfig,
  relayConfigSchema,
} from './config/schema.ts';
import { describeIssue, type Env } from './config/settings.ts';

export type { LogLevel } from './config/log-level.ts';
export type { RelayConfig, TunnelConfig } from './config/schema.ts';

/** A configuration problem (`ERR_CONFIG`); the message names the path and what is expected (exit code 2 in the CLI). */
export { ConfigError };

/** `value` checked against `schema`; `name` is what the message calls it when the problem is at its root. */
function parseSetting<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  name: string,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  if (!result.success) throw new ConfigError(describeIssue(result.issues, name));
  return result.output;
}

/** Validates a parsed configuration document (from YAML or JSON) against the schema. */
export function validateConfig(document: unknown, env: Env = {}): RelayConfig {
  return parseSetting(relayConfigSchema(env), document ?? {}, 'the document');
}

/** What runs without a configuration: every default, from the schema that defines them. */
export const DEFAULT_CONFIG: RelayConfig = validateConfig({});

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
  if (env.SEALWIRE_RELAY_HOST)
    config.host = parseSetting(hostSetting, env.SEALWIRE_RELAY_HOST, 'SEALWIRE_RELAY_HOST');
  if (env.SEALWIRE_RELAY_PORT)
    config.port = parseSetting(portSetting, env.SEALWIRE_RELAY_PORT, 'SEALWIRE_RELAY_PORT');
  if (env.SEALWIRE_RELAY_LOG_LEVEL)
    config.logLevel = parseSetting(logLevelSetting, env.SEALWIRE_RELAY_LOG_LEVEL, 'SEALWIRE_RELAY_LOG_LEVEL');
  const flags = sources.flags ?? {};
  if (flags.host !== undefined) config.host = parseSetting(hostSetting, flags.host, '--host');
  if (flags.port !== undefined) config.port = parseSetting(portSetting, flags.port, '--port');
  if (flags.logLevel !== undefined)
    config.logLevel = parseSetting(logLevelSetting, flags.logLevel, '--log-level');
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
