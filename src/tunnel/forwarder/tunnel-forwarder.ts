/**
 * The relay side of the tunnel: services register under an id (proving they own it), clients ask for an id,
 * and the relay pairs one client WebSocket with one service data WebSocket per session and pipes bytes both
 * ways. It never terminates the inner TLS: it only ever holds TLS records.
 *
 * Backpressure: both legs are Node streams over `ws` (`createWebSocketStream`); `pipe` stops reading from a
 * leg while the other cannot take more, which pauses that socket, which pushes back on TCP. Nothing is
 * buffered without bound and nothing is dropped. `allowHalfOpen: false` makes a close on one leg close the
 * other at once (with the default, a relay drop left clients hanging forever).
 *
 * Starvation: a client slot is cheap to take (one WebSocket) and a service has few (`maxSessionsPerService`).
 * A session is *unestablished* until bytes have flowed both ways (the client's ClientHello and the service's
 * answer, which a TLS server sends only for a complete one); it must get there within `firstBytesTimeoutMs`,
 * and one address may hold at most `maxUnestablishedPerAddress` unestablished sessions per service. Silent or
 * one-byte clients are cut at the deadline, and a single source cannot take more than a few slots at a time.
 *
 * Refusals are counted by a fixed reason code (`REFUSAL_REASONS`), never by a message: registration errors
 * can carry text the peer chose, which would grow the table (and the metrics) without bound.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { runtime } from '#runtime';
import { encodeBase64url, tryDecodeBase64url } from '../../encoding/base64url.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { isJsonObject } from '../../encoding/json.ts';
import { importJwk } from '../../keys/import.ts';
import { thumbprint } from '../../keys/thumbprint.ts';
import type { PublicJwk } from '../../keys/types.ts';
import {
  CLOSE,
  type ControlMessage,
  registrationMessage,
  SERVICE_ID_PATTERN,
  SESSION_TOKEN_HEADER,
  TUNNEL_PATHS,
} from '../protocol.ts';
import { addressKey } from './address-key.ts';
import { tunnelLimits } from './limits.ts';

export interface TunnelForwarderOptions {
  /** Service ids and the Ed25519 public keys allowed to register them. */
  services?: Record<string, PublicJwk>;
  /**
   * Let an id not listed in `services` be claimed by the first key that registers it; later registrations
   * must prove the same key. Default: true when `services` is empty (development), false otherwise.
   */
  allowFirstUse?: boolean;
  /** Concurrent E2EE sessions per service (default 64). */
  maxSessionsPerService?: number;
  /** Clients waiting for the service to accept (default 16 per service). */
  maxPendingPerService?: number;
  /** How long registration and session acceptance may take (default 10 s). */
  handshakeTimeoutMs?: number;
  /**
   * A client session must carry its first bytes both ways (the TLS ClientHello and the service's answer)
   * within this time of connecting, or it is closed (default 10 s).
   */
  firstBytesTimeoutMs?: number;
  /**
   * Unestablished sessions (pending, or paired without bytes both ways yet) one address may hold per service
   * (default 8; IPv6 counts by /64). Behind a reverse proxy every client has the proxy's address: raise it.
   */
  maxUnestablishedPerAddress?: number;
  /** A paired session with no bytes either way for this long is closed (default 5 min). */
  idleTimeoutMs?: number;
  /** Largest WebSocket message accepted (default 4 MiB; TLS records are at most 16 KiB). */
  maxPayload?: number;
  /** Structured log sink (the relay server passes its pino logger here). */
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export interface TunnelStats {
  services: number;
  sessions: number;
  pending: number;
  bytesToService: number;
  bytesToClient: number;
  sessionsOpened: number;
  /** Refusals and cut sessions since start, by reason (every reason present, zero when none). */
  rejected: Record<RefusalReason, number>;
}

/**
 * Why the relay refused a connection or cut a session: the closed set that `stats().rejected` counts by, each
 * with the close code and the fixed sentence the peer is told (never text the peer sent).
 */
const REFUSALS = {
  invalid_id: [CLOSE.badRequest, 'invalid service id'],
  registration_timeout: [CLOSE.timeout, 'registration timed out'],
  registration_malformed: [CLOSE.notAuthorized, 'malformed registration'],
  registration_bad_signature: [CLOSE.notAuthorized, 'registration signature does not verify'],
  registration_key_not_allowed: [CLOSE.notAuthorized, 'this key is not allowed to register this service id'],
  registration_id_taken: [CLOSE.notAuthorized, 'this service id is already bound to another key'],
  registration_unknown_id: [CLOSE.notAuthorized, 'unknown service id'],
  unexpected_control_message: [CLOSE.badRequest, 'unexpected control message'],
  unknown_service: [CLOSE.unknownService, 'service not connected'],
  session_limit: [CLOSE.tooMany, 'service at its session limit'],
  pending_limit: [CLOSE.tooMany, 'too many pending handshakes'],
  address_limit: [CLOSE.tooMany, 'too many unestablished sessions from this address'],
  accept_timeout: [CLOSE.timeout, 'service did not accept the session in time'],
  first_bytes_timeout: [CLOSE.timeout, 'no TLS bytes in time'],
  bad_session_token: [CLOSE.notAuthorized, 'unknown session or bad session token'],
  service_offline: [CLOSE.unknownService, 'service went offline'],
  shutdown: [CLOSE.normal, 'relay shutting down'],
  idle_timeout: [CLOSE.idle, 'idle timeout'],
} as const satisfies Record<string, readonly [number, string]>;

export type RefusalReason = keyof typeof REFUSALS;
export const REFUSAL_REASONS = Object.keys(REFUSALS) as readonly RefusalReason[];

/**
 * A registration refused for `reason`; `detail` (which may quote the peer) goes to the log only. Internal:
 * `#onServiceControl` turns it into a close code and a log line, so it never leaves this file (the service
 * side sees the close reason, as `ERR_TUNNEL_UNAVAILABLE`).
 */
class RegistrationRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly detail?: string,
  ) {
    super(REFUSALS[reason][1]);
  }
}

interface Pending {
  client: WebSocket;
  token: Buffer;
  timer: NodeJS.Timeout;
  /** Called once bytes have flowed both ways: the session no longer counts against its address. */
  established: () => void;
}

interface ServiceEntry {
  id: string;
  control: WebSocket;
  sessions: Set<string>;
  pending: Map<string, Pending>;
  /** Unestablished sessions by client address key; carried over when the service re-registers. */
  unestablished: Map<string, number>;
}

export class TunnelForwarder {
  readonly #options: Required<Omit<TunnelForwarderOptions, 'services' | 'log'>>;
  readonly #configured: Map<string, PublicJwk>;
  readonly #learned = new Map<string, string>();
  readonly #services = new Map<string, ServiceEntry>();
  readonly #wss: WebSocketServer;
  readonly #log: NonNullable<TunnelForwarderOptions['log']>;
  readonly #stats = {
    bytesToService: 0,
    bytesToClient: 0,
    sessionsOpened: 0,
    rejected: Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<
      RefusalReason,
      number
    >,
  };
  readonly #paired = new Set<{ close(): void }>();

  constructor(options: TunnelForwarderOptions = {}) {
    this.#configured = new Map(Object.entries(options.services ?? {}));
    this.#options = {
      allowFirstUse: options.allowFirstUse ?? this.#configured.size === 0,
      ...tunnelLimits(options),
    };
    this.#log = options.log ?? (() => {});
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#options.maxPayload,
      perMessageDeflate: false,
    });
  }

  /** Whether `pathname` belongs to the tunnel (so the host server routes the upgrade here). */
  static handles(pathname: string): boolean {
    return (
      pathname === TUNNEL_PATHS.service ||
      pathname === TUNNEL_PATHS.accept ||
      pathname === TUNNEL_PATHS.client
    );
  }

  /** Takes an HTTP upgrade for one of the tunnel paths; returns false (untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (!TunnelForwarder.handles(url.pathname)) return false;
    const id = url.searchParams.get('id') ?? '';
    const address = addressKey(req.socket.remoteAddress);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // A peer's protocol error (an unmasked frame, a bad opcode) is an 'error' event; ws has already failed
      // the connection with 1002. Unheard, it would be an uncaught exception: one bad frame, relay down.
      ws.on('error', () => {});
      if (!SERVICE_ID_PATTERN.test(id)) {
        this.#reject(ws, 'invalid_id');
        return;
      }
      if (url.pathname === TUNNEL_PATHS.service) this.#onServiceControl(ws, id);
      else if (url.pathname === TUNNEL_PATHS.client) this.#onClient(ws, id, address);
      else this.#onAccept(ws, id, url.searchParams.get('session') ?? '', req.headers[SESSION_TOKEN_HEADER]);
    });
    return true;
  }

  stats(): TunnelStats {
    let sessions = 0;
    let pending = 0;
    for (const entry of this.#services.values()) {
      sessions += entry.sessions.size;
      pending += entry.pending.size;
    }
    return {
      services: this.#services.size,
      sessions,
      pending,
      ...this.#stats,
      rejected: { ...this.#stats.rejected },
    };
  }

  /** Closes every connection (graceful shutdown of the host server). */
  async close(): Promise<void> {
    for (const pair of this.#paired) pair.close();
    for (const entry of this.#services.values()) {
      for (const pending of entry.pending.values()) this.#reject(pending.client, 'shutdown');
      entry.control.close(CLOSE.normal, REFUSALS.shutdown[1]);
    }
    // ws waits for every tracked client before 'close': give stragglers a moment, then cut them.
    const stragglers = setTimeout(() => {
      for (const ws of this.#wss.clients) ws.terminate();
    }, 1000);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    clearTimeout(stragglers);
  }

  #reject(ws: WebSocket, reason: RefusalReason): void {
    this.#stats.rejected[reason]++;
    // A paused client (waiting for its service) could not read the peer's close frame: the closing handshake
    // would stall for ws's 30 s close timeout, and the client would learn nothing until then.
    if (ws.isPaused) ws.resume();
    const [code, message] = REFUSALS[reason];
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, message);
  }

  #send(ws: WebSocket, message: ControlMessage): void {
    ws.send(JSON.stringify(message));
  }

  #onServiceControl(ws: WebSocket, id: string): void {
    const nonce = encodeBase64url(randomBytes(32));
    const timer = setTimeout(
      () => this.#reject(ws, 'registration_timeout'),
      this.#options.handshakeTimeoutMs,
    );
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      this.#register(ws, id, nonce, isBinary ? undefined : data.toString()).catch((error: unknown) => {
        const refused =
          error instanceof RegistrationRefused
            ? error
            : new RegistrationRefused('registration_malformed', (error as Error)?.message);
        this.#log('warn', 'tunnel registration refused', {
          service: id,
          reason: refused.reason,
          ...(refused.detail === undefined ? {} : { detail: refused.detail.slice(0, 200) }),
        });
        this.#reject(ws, refused.reason);
      });
    });
    ws.on('close', () => clearTimeout(timer));
    this.#send(ws, { type: 'challenge', nonce });
  }

  async #register(ws: WebSocket, id: string, nonce: string, text: string | undefined): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text ?? '');
    } catch {
      throw new RegistrationRefused('registration_malformed', 'not a JSON text message');
    }
    if (
      !isJsonObject(message) ||
      message.type !== 'register' ||
      message.id !== id ||
      typeof message.signature !== 'string'
    ) {
      throw new RegistrationRefused('registration_malformed');
    }
    let publicKey: PublicJwk;
    try {
      publicKey = (await importJwk(message.publicKey)) as PublicJwk;
    } catch (error) {
      throw new RegistrationRefused('registration_malformed', (error as Error).message);
    }
    if (publicKey.kty !== 'OKP' || publicKey.crv !== 'Ed25519')
      throw new RegistrationRefused('registration_malformed', 'registration key must be Ed25519');
    const signature = tryDecodeBase64url(message.signature) ?? new Uint8Array(0);
    // The signature covers a fresh relay nonce: a recorded registration cannot be replayed.
    if (!(await runtime.verify('EdDSA', publicKey, utf8(registrationMessage(id, nonce)), signature))) {
      throw new RegistrationRefused('registration_bad_signature');
    }
    const presented = await thumbprint(publicKey);
    const configured = this.#configured.get(id);
    if (configured !== undefined) {
      if ((await thumbprint(configured)) !== presented)
        throw new RegistrationRefused('registration_key_not_allowed');
    } else if (this.#options.allowFirstUse) {
      const learned = this.#learned.get(id);
      if (learned !== undefined && learned !== presented)
        throw new RegistrationRefused('registration_id_taken');
      this.#learned.set(id, presented);
    } else {
      throw new RegistrationRefused('registration_unknown_id');
    }
    if (ws.readyState !== ws.OPEN) return;
    const previous = this.#services.get(id);
    if (previous !== undefined) previous.control.close(CLOSE.replaced, 'replaced by a newer registration');
    const entry: ServiceEntry = {
      id,
      control: ws,
      sessions: previous?.sessions ?? new Set(),
      pending: new Map(),
      unestablished: previous?.unestablished ?? new Map(),
    };
    this.#services.set(id, entry);
    const keepalive = setInterval(() => ws.ping(), 20_000);
    ws.on('close', () => {
      clearInterval(keepalive);
      if (this.#services.get(id) === entry) this.#services.delete(id);
      for (const pending of entry.pending.values()) {
        clearTimeout(pending.timer);
        this.#reject(pending.client, 'service_offline');
      }
      entry.pending.clear();
    });
    ws.on('message', () => {
      // The control channel carries nothing after registration; a service that talks is misbehaving.
      this.#reject(ws, 'unexpected_control_message');
    });
    this.#send(ws, { type: 'registered', id });
    this.#log('info', 'tunnel service registered', { service: id, key: presented });
  }

  #onClient(ws: WebSocket, id: string, address: string): void {
    // Hold the client's first bytes (its TLS ClientHello) in the socket until the service has answered.
    ws.pause();
    const entry = this.#services.get(id);
    if (entry === undefined) {
      this.#reject(ws, 'unknown_service');
      return;
    }
    if (entry.sessions.size + entry.pending.size >= this.#options.maxSessionsPerService) {
      this.#reject(ws, 'session_limit');
      return;
    }
    if (entry.pending.size >= this.#options.maxPendingPerService) {
      this.#reject(ws, 'pending_limit');
      return;
    }
    const held = entry.unestablished.get(address) ?? 0;
    if (held >= this.#options.maxUnestablishedPerAddress) {
      this.#reject(ws, 'address_limit');
      return;
    }
    entry.unestablished.set(address, held + 1);
    let counted = true;
    const established = () => {
      if (!counted) return;
      counted = false;
      clearTimeout(firstBytes);
      const left = (entry.unestablished.get(address) ?? 1) - 1;
      if (left > 0) entry.unestablished.set(address, left);
      else entry.unestablished.delete(address);
    };
    // Pending or paired, a session without bytes both ways by now is a client holding a slot for nothing.
    const firstBytes = setTimeout(() => {
      established();
      this.#reject(ws, 'first_bytes_timeout');
    }, this.#options.firstBytesTimeoutMs);
    const session = encodeBase64url(randomBytes(16));
    const token = randomBytes(32);
    const timer = setTimeout(() => {
      entry.pending.delete(session);
      this.#reject(ws, 'accept_timeout');
    }, this.#options.handshakeTimeoutMs);
    entry.pending.set(session, { client: ws, token, timer, established });
    ws.on('close', () => {
      established();
      const pending = entry.pending.get(session);
      if (pending?.client === ws) {
        clearTimeout(pending.timer);
        entry.pending.delete(session);
      }
    });
    this.#send(entry.control, { type: 'session', session, token: encodeBase64url(token) });
  }

  #onAccept(ws: WebSocket, id: string, session: string, header: string | string[] | undefined): void {
    const entry = this.#services.get(id);
    const pending = entry?.pending.get(session);
    const presented =
      typeof header === 'string' ? (tryDecodeBase64url(header) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    // Constant time: the session token is the only thing standing between a stranger and the client stream.
    if (
      entry === undefined ||
      pending === undefined ||
      presented.length !== pending.token.length ||
      !timingSafeEqual(presented, pending.token)
    ) {
      this.#reject(ws, 'bad_session_token');
      return;
    }
    clearTimeout(pending.timer);
    entry.pending.delete(session);
    if (pending.client.readyState !== pending.client.OPEN) {
      ws.close(CLOSE.normal, 'client left');
      return;
    }
    entry.sessions.add(session);
    this.#stats.sessionsOpened++;
    this.#pair(pending.client, ws, pending.established, () => entry.sessions.delete(session));
  }

  #pair(client: WebSocket, service: WebSocket, onEstablished: () => void, onClose: () => void): void {
    const toService = createWebSocketStream(client, { allowHalfOpen: false });
    const toClient = createWebSocketStream(service, { allowHalfOpen: false });
    let idle: NodeJS.Timeout | undefined;
    let closed = false;
    const handle = {
      close: () => {
        if (closed) return;
        closed = true;
        clearTimeout(idle);
        this.#paired.delete(handle);
        toService.destroy();
        toClient.destroy();
        if (client.readyState === client.OPEN) client.close(CLOSE.normal, 'session ended');
        if (service.readyState === service.OPEN) service.close(CLOSE.normal, 'session ended');
        onClose();
      },
    };
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        this.#stats.rejected.idle_timeout++;
        client.close(CLOSE.idle, REFUSALS.idle_timeout[1]);
        service.close(CLOSE.idle, REFUSALS.idle_timeout[1]);
        handle.close();
      }, this.#options.idleTimeoutMs);
    };
    let fromClient = false;
    let fromService = false;
    this.#paired.add(handle);
    touch();
    toService.on('data', (chunk: Buffer) => {
      this.#stats.bytesToService += chunk.length;
      fromClient = true;
      if (fromService) onEstablished();
      touch();
    });
    toClient.on('data', (chunk: Buffer) => {
      this.#stats.bytesToClient += chunk.length;
      fromService = true;
      if (fromClient) onEstablished();
      touch();
    });
    toService.pipe(toClient);
    toClient.pipe(toService);
    for (const stream of [toService, toClient]) {
      stream.on('error', handle.close);
      stream.on('close', handle.close);
    }
  }
}
