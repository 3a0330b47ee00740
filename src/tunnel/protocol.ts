/**
 * The tunnel's wire conventions, shared by the relay, services and clients.
 *
 * Relay endpoints (WebSocket, under the relay server's HTTP port):
 *   /tunnel/service?id=ID       a service's control connection: challenge, signed registration, then
 *                               `session` notices, one per client that asks for this service
 *   /tunnel/accept?id=ID&session=S   the service's data connection for one session (header carries the
 *                               one-time session token from the notice)
 *   /tunnel/client?id=ID        a client's connection; once paired, bytes flow to the service untouched
 * Inside a paired stream the service is a TLS 1.3 server (self-signed certificate, pinned by the client) and
 * speaks HTTP/2: POST /rpc/NAME, GET /capabilities, POST /session/verify.
 */

export const TUNNEL_PATHS = {
  service: '/tunnel/service',
  accept: '/tunnel/accept',
  client: '/tunnel/client',
} as const;

/** Header on the data connection: the one-time token of the session it answers. */
export const SESSION_TOKEN_HEADER = 'x-sealwire-session-token';

/** What the service signs to prove it owns its id: domain-separated, relay nonce included. */
export function registrationMessage(serviceId: string, nonce: string): string {
  return `sealwire-tunnel-register-v1\n${serviceId}\n${nonce}`;
}

/** Service ids: DNS-label-like, so they are safe in URLs, logs and certificate names. */
export const SERVICE_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Control messages (JSON text frames on /tunnel/service). */
export type ControlMessage =
  | { type: 'challenge'; nonce: string }
  | { type: 'register'; id: string; publicKey: Record<string, unknown>; signature: string }
  | { type: 'registered'; id: string }
  | { type: 'session'; session: string; token: string }
  | { type: 'error'; code: string; message: string };

/** WebSocket close codes the relay uses (4000-4999 is the application range). */
export const CLOSE = {
  normal: 1000,
  unknownService: 4404,
  notAuthorized: 4403,
  tooMany: 4429,
  timeout: 4408,
  replaced: 4409,
  badRequest: 4400,
  idle: 4410,
} as const;

/** HTTP/2 trailer every complete RPC response ends with; its absence means the response was cut. */
export const TRAILER_STATUS = 'x-sealwire-status';
export const TRAILER_BYTES = 'x-sealwire-bytes';
export const TRAILER_ERROR = 'x-sealwire-error';

/** TLS exporter label for channel-bound session verification (RFC 5705 / RFC 8446 §7.5). */
export const EXPORTER_LABEL = 'EXPORTER-sealwire-session-verify';
