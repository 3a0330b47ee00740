/**
 * The relay side of the tunnel: services register under an id (proving they own it), clients ask for an id,
 * and the relay pairs one client WebSocket with one service data WebSocket per session and pipes bytes both
 * ways. It never terminates the inner TLS: it only ever holds TLS records.
 *
 * Backpressure: both legs are Node streams over `ws` (`createWebSocketStream`); `pipe` stops reading from a
 * leg while the other cannot take more, which pauses that socket, which pushes back on TCP. Nothing is
 * buffered without bound and nothing is dropped. `allowHalfOpen: false` makes a close on one leg close the
 * other at once (with the default, a relay drop left clients hanging forever).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { runtime } from '#runtime';
import { utf8 } from '../../codecs/bytes.ts';
import { isJsonObject } from '../../codecs/json.ts';
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

export interface TunnelRelayOptions {
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
  rejected: Record<string, number>;
}

interface Pending {
  client: WebSocket;
  token: Buffer;
  timer: NodeJS.Timeout;
}

interface ServiceEntry {
  id: string;
  control: WebSocket;
  sessions: Set<string>;
  pending: Map<string, Pending>;
}

const b64u = (bytes: Buffer) => bytes.toString('base64url');

export class TunnelRelay {
  readonly #options: Required<Omit<TunnelRelayOptions, 'services' | 'log'>>;
  readonly #configured: Map<string, PublicJwk>;
  readonly #learned = new Map<string, string>();
  readonly #services = new Map<string, ServiceEntry>();
  readonly #wss: WebSocketServer;
  readonly #log: NonNullable<TunnelRelayOptions['log']>;
  readonly #stats = {
    bytesToService: 0,
    bytesToClient: 0,
    sessionsOpened: 0,
    rejected: {} as Record<string, number>,
  };
  readonly #paired = new Set<{ close(): void }>();

  constructor(options: TunnelRelayOptions = {}) {
    this.#configured = new Map(Object.entries(options.services ?? {}));
    this.#options = {
      allowFirstUse: options.allowFirstUse ?? this.#configured.size === 0,
      maxSessionsPerService: options.maxSessionsPerService ?? 64,
      maxPendingPerService: options.maxPendingPerService ?? 16,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      maxPayload: options.maxPayload ?? 4 * 1024 * 1024,
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
    if (!TunnelRelay.handles(url.pathname)) return false;
    const id = url.searchParams.get('id') ?? '';
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (!SERVICE_ID_PATTERN.test(id)) {
        this.#reject(ws, CLOSE.badRequest, 'invalid service id');
        return;
      }
      if (url.pathname === TUNNEL_PATHS.service) this.#onServiceControl(ws, id);
      else if (url.pathname === TUNNEL_PATHS.client) this.#onClient(ws, id);
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
      for (const pending of entry.pending.values())
        this.#reject(pending.client, CLOSE.normal, 'relay shutting down');
      entry.control.close(CLOSE.normal, 'relay shutting down');
    }
    // ws waits for every tracked client before 'close': give stragglers a moment, then cut them.
    const stragglers = setTimeout(() => {
      for (const ws of this.#wss.clients) ws.terminate();
    }, 1000);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    clearTimeout(stragglers);
  }

  #reject(ws: WebSocket, code: number, reason: string): void {
    this.#stats.rejected[reason] = (this.#stats.rejected[reason] ?? 0) + 1;
    // A paused client (waiting for its service) could not read the peer's close frame: the closing handshake
    // would stall for ws's 30 s close timeout, and the client would learn nothing until then.
    if (ws.isPaused) ws.resume();
    ws.close(code, reason);
  }

  #send(ws: WebSocket, message: ControlMessage): void {
    ws.send(JSON.stringify(message));
  }

  #onServiceControl(ws: WebSocket, id: string): void {
    const nonce = b64u(randomBytes(32));
    const timer = setTimeout(
      () => this.#reject(ws, CLOSE.timeout, 'registration timed out'),
      this.#options.handshakeTimeoutMs,
    );
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      this.#register(ws, id, nonce, isBinary ? undefined : data.toString()).catch((error: Error) => {
        this.#log('warn', 'tunnel registration refused', { service: id, reason: error.message });
        this.#reject(ws, CLOSE.notAuthorized, error.message.slice(0, 120));
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
      throw new Error('registration must be a JSON text message');
    }
    if (
      !isJsonObject(message) ||
      message.type !== 'register' ||
      message.id !== id ||
      typeof message.signature !== 'string'
    ) {
      throw new Error('malformed registration');
    }
    const publicKey = (await importJwk(message.publicKey)) as PublicJwk;
    if (publicKey.kty !== 'OKP' || publicKey.crv !== 'Ed25519')
      throw new Error('registration key must be Ed25519');
    const signature = Buffer.from(message.signature, 'base64url');
    // The signature covers a fresh relay nonce: a recorded registration cannot be replayed.
    if (!(await runtime.verify('EdDSA', publicKey, utf8(registrationMessage(id, nonce)), signature))) {
      throw new Error('registration signature does not verify');
    }
    const presented = await thumbprint(publicKey);
    const configured = this.#configured.get(id);
    if (configured !== undefined) {
      if ((await thumbprint(configured)) !== presented)
        throw new Error('this key is not allowed to register this service id');
    } else if (this.#options.allowFirstUse) {
      const learned = this.#learned.get(id);
      if (learned !== undefined && learned !== presented)
        throw new Error('this service id is already bound to another key');
      this.#learned.set(id, presented);
    } else {
      throw new Error('unknown service id');
    }
    if (ws.readyState !== ws.OPEN) return;
    const previous = this.#services.get(id);
    if (previous !== undefined) previous.control.close(CLOSE.replaced, 'replaced by a newer registration');
    const entry: ServiceEntry = {
      id,
      control: ws,
      sessions: previous?.sessions ?? new Set(),
      pending: new Map(),
    };
    this.#services.set(id, entry);
    const keepalive = setInterval(() => ws.ping(), 20_000);
    ws.on('close', () => {
      clearInterval(keepalive);
      if (this.#services.get(id) === entry) this.#services.delete(id);
      for (const pending of entry.pending.values()) {
        clearTimeout(pending.timer);
        this.#reject(pending.client, CLOSE.unknownService, 'service went offline');
      }
      entry.pending.clear();
    });
    ws.on('message', () => {
      // The control channel carries nothing after registration; a service that talks is misbehaving.
      ws.close(CLOSE.badRequest, 'unexpected control message');
    });
    this.#send(ws, { type: 'registered', id });
    this.#log('info', 'tunnel service registered', { service: id, key: presented });
  }

  #onClient(ws: WebSocket, id: string): void {
    // Hold the client's first bytes (its TLS ClientHello) in the socket until the service has answered.
    ws.pause();
    const entry = this.#services.get(id);
    if (entry === undefined) {
      this.#reject(ws, CLOSE.unknownService, 'service not connected');
      return;
    }
    if (entry.sessions.size + entry.pending.size >= this.#options.maxSessionsPerService) {
      this.#reject(ws, CLOSE.tooMany, 'service at its session limit');
      return;
    }
    if (entry.pending.size >= this.#options.maxPendingPerService) {
      this.#reject(ws, CLOSE.tooMany, 'too many pending handshakes');
      return;
    }
    const session = b64u(randomBytes(16));
    const token = randomBytes(32);
    const timer = setTimeout(() => {
      entry.pending.delete(session);
      this.#reject(ws, CLOSE.timeout, 'service did not accept the session in time');
    }, this.#options.handshakeTimeoutMs);
    entry.pending.set(session, { client: ws, token, timer });
    ws.on('close', () => {
      const pending = entry.pending.get(session);
      if (pending?.client === ws) {
        clearTimeout(pending.timer);
        entry.pending.delete(session);
      }
    });
    this.#send(entry.control, { type: 'session', session, token: b64u(token) });
  }

  #onAccept(ws: WebSocket, id: string, session: string, header: string | string[] | undefined): void {
    const entry = this.#services.get(id);
    const pending = entry?.pending.get(session);
    const presented = typeof header === 'string' ? Buffer.from(header, 'base64url') : Buffer.alloc(0);
    // Constant time: the session token is the only thing standing between a stranger and the client stream.
    if (
      entry === undefined ||
      pending === undefined ||
      presented.length !== pending.token.length ||
      !timingSafeEqual(presented, pending.token)
    ) {
      this.#reject(ws, CLOSE.notAuthorized, 'unknown session or bad session token');
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
    this.#pair(pending.client, ws, () => entry.sessions.delete(session));
  }

  #pair(client: WebSocket, service: WebSocket, onClose: () => void): void {
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
        this.#stats.rejected['idle timeout'] = (this.#stats.rejected['idle timeout'] ?? 0) + 1;
        client.close(CLOSE.idle, 'idle timeout');
        service.close(CLOSE.idle, 'idle timeout');
        handle.close();
      }, this.#options.idleTimeoutMs);
    };
    this.#paired.add(handle);
    touch();
    toService.on('data', (chunk: Buffer) => {
      this.#stats.bytesToService += chunk.length;
      touch();
    });
    toClient.on('data', (chunk: Buffer) => {
      this.#stats.bytesToClient += chunk.length;
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
