/**
 * What may be given as the address to bind (`host` in the config, SEALWIRE_RELAY_HOST, `--host`): an IPv4
 * or IPv6 address, or a host name. A URL or `host:port` is the usual mistake, and is caught here with a
 * sentence, rather than at bind time as an `ENOTFOUND`. Kept apart from config.ts so the CLI can check the
 * flag without loading the whole configuration schema.
 */
import { isIP } from 'node:net';

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isValidHost(text: string): boolean {
  return isIP(text) !== 0 || HOST_NAME.test(text);
}

/** The sentence for a value that is not a host; `name` is the setting (`host`, `--host`, ...). */
export function hostProblem(name: string): string {
  return `${name} must be an IP address or a host name such as 127.0.0.1, 0.0.0.0, ::1 or localhost (no scheme, no port)`;
}
