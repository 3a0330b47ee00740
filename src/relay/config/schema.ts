/**
 * The relay configuration's schema: the top-level settings and one entry per section. A section (`wamp`,
 * `tunnel`, later `messaging` and `cluster`) lives in its own file with its defaults and is added here with
 * one line; `RelayConfig` is inferred from the result, so the type cannot disagree with the validation.
 */
import * as v from 'valibot';
import { hostProblem, isValidHost } from '../host.ts';
import { LOG_LEVELS } from './log-level.ts';
import { type Env, integer, nonEmptyString, settings } from './settings.ts';
import { tunnelSection } from './tunnel.ts';
import { wampSection } from './wamp.ts';

/** The address to bind; the environment and `--host` are checked by the same rule. */
export const hostSetting = v.pipe(nonEmptyString, v.check(isValidHost, hostProblem('{path}')));

/** The port to listen on, 0 for any free one. */
export const portSetting = integer(0, 65535);

export const logLevelSetting = v.picklist(LOG_LEVELS, `{path} must be one of ${LOG_LEVELS.join(', ')}`);

/** The whole configuration; `env` is where secrets named by `ticketEnv` and `secretEnv` are looked up. */
export function relayConfigSchema(env: Env) {
  return settings({
    host: v.optional(hostSetting, '127.0.0.1'),
    port: v.optional(portSetting, 8080),
    logLevel: v.optional(logLevelSetting, 'info'),
    /** Time SIGTERM waits for sessions to say GOODBYE and connections to drain. */
    shutdownTimeoutMs: v.optional(integer(0, 600_000), 10_000),
    wamp: wampSection(env),
    tunnel: tunnelSection,
  });
}

export type RelayConfig = v.InferOutput<ReturnType<typeof relayConfigSchema>>;
/** The tunnel endpoint (`/tunnel/*`): services register under an id, clients reach them through TLS they pin. */
export type TunnelConfig = RelayConfig['tunnel'];
