/**
 * The service's side of the relay: a control WebSocket that registers the service id (signing the relay's
 * nonce with the service's Ed25519 identity key), then one data WebSocket per client session, each handed to
 * the RPC server as a raw byte stream.
 *
 * A service outlives its relay: when the control connection is lost (a relay restart, a crash, a replacement
 * relay on the same address) it reconnects for as long as it runs, with capped exponential backoff and
 * jitter (a relay restart is not met by a thundering herd), and registers again. The retry timer is ref'd
 * on purpose: it is what keeps a service process alive between attempts. Only three things end that loop:
 * `stop()`, a first start that fails (the caller hears why), and another process registering the same id
 * (`replaced`: fighting over the id would knock each other off forever). A relay that vanishes without a
 * close (a host that lost power) is noticed when its keepalive pings stop.
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { runtime } from '#runtime';
import { encodeBase64url } from '../../encoding/base64url.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { isJsonObject } from '../../encoding/json.ts';
import { TunnelUnavailableError } from '../../errors.ts';
import { publicJwkOf } from '../../keys/kind.ts';
import type { PrivateJwk } from '../../keys/types.ts';
import { CLOSE, registrationMessage, SESSION_TOKEN_HEADER, TUNNEL_PATHS } from '../protocol.ts';
import { webSocketStream } from '../streams.ts';
import type { RpcServer } from './rpc-server.ts';

export interface ConnectorOptions {
  /** Relay base URL, `ws://host:port` or `wss://host:port`. */
  relay: string;
  serviceId: string;
  identityKey: PrivateJwk;
  server: RpcServer;
  /** Reconnect after the relay goes away (default true). */
  reconnect?: boolean;
  /** Delay before the first reconnect attempt (default 500 ms); doubles per failed attempt, with jitter. */
  minBackoffMs?: number;
  /** Longest delay between attempts (default 30 s). */
  maxBackoffMs?: number;
  /** The relay pings every 20 s; nothing from it for this long means the connection is dead (default 60 s). */
  livenessTimeoutMs?: number;
}

/** A scheduled reconnect attempt (the `retrying` event). */
export interface RetryEvent {
  /** 1 for the first attempt after a loss, counting up until registered again. */
  attempt: number;
  delayMs: number;
  /** Why the previous connection or attempt ended (a close reason or a socket error). */
  reason: string;
  /** The socket error, when there was one (ECONNREFUSED while the relay is down). */
  error?: Error;
}

function endpoint(relay: string, path: string, query: Record<string, string>): string {
  const url = new URL(path, relay.replace(/^http/, 'ws'));
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Events: `registered` (again: boolean), `disconnected` (code, reason) when a registered connection is lost
 * (never after `stop()`), `retrying` (RetryEvent) once per attempt, `replaced` (reason) when another process
 * took the id (the connector has stopped), `session` (id), `error`.
 */
export class ServiceConnector extends EventEmitter {
  readonly #options: ConnectorOptions;
  #control: WebSocket | undefined;
  #stopping = false;
  #attempt = 0;
  #everRegistered = false;
  #retry: NodeJS.Timeout | undefined;
  #first: { resolve: () => void; reject: (error: Error) => void } | undefined;
  readonly #data = new Set<WebSocket>();

  constructor(options: ConnectorOptions) {
    super();
    this.#options = options;
  }

  /**
   * Connects and registers; resolves once the relay confirmed. Rejects if that first attempt fails (the relay
   * is unreachable or refuses the registration), and then does not retry: the caller decides.
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#first = { resolve, reject };
      this.#connect();
    });
  }

  /** Closes everything and stops reconnecting; no `disconnected` event follows. */
  stop(): void {
    this.#stopping = true;
    clearTimeout(this.#retry);
    this.#control?.close(1000, 'service stopping');
    for (const ws of this.#data) ws.close(1000, 'service stopping');
  }

  #connect(): void {
    if (this.#stopping) return;
    const { relay, serviceId, identityKey } = this.#options;
    const ws = new WebSocket(endpoint(relay, TUNNEL_PATHS.service, { id: serviceId }), {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    this.#control = ws;
    let registered = false;
    let failure: Error | undefined;
    let liveness: NodeJS.Timeout | undefined;
    const heard = () => {
      clearTimeout(liveness);
      liveness = setTimeout(() => ws.terminate(), this.#options.livenessTimeoutMs ?? 60_000).unref();
    };
    ws.on('open', heard);
    ws.on('ping', heard);
    ws.on('message', (data, isBinary) => {
      heard();
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!isJsonObject(message)) return;
      if (message.type === 'challenge' && typeof message.nonce === 'string') {
        runtime
          .sign('EdDSA', identityKey, utf8(registrationMessage(serviceId, message.nonce)))
          .then((signature) => {
            ws.send(
              JSON.stringify({
                type: 'register',
                id: serviceId,
                publicKey: publicJwkOf(identityKey),
                signature: encodeBase64url(signature),
              }),
            );
          })
          .catch((error: Error) => this.emit('error', error));
      } else if (message.type === 'registered') {
        registered = true;
        this.#attempt = 0;
        const again = this.#everRegistered;
        this.#everRegistered = true;
        const first = this.#first;
        this.#first = undefined;
        first?.resolve();
        this.emit('registered', again);
      } else if (
        message.type === 'session' &&
        typeof message.session === 'string' &&
        typeof message.token === 'string'
      ) {
        this.#accept(message.session, message.token);
      }
    });
    ws.on('error', (error) => {
      // 'close' follows; it reports this error when the relay sent no reason (unreachable, reset).
      failure = error;
    });
    ws.on('close', (code, reasonBytes) => {
      clearTimeout(liveness);
      if (this.#control === ws) this.#control = undefined;
      const reason = reasonBytes.toString() || failure?.message || `code ${code}`;
      const first = this.#first;
      if (first !== undefined) {
        this.#first = undefined;
        this.#stopping = true;
        first.reject(
          failure !== undefined && reasonBytes.length === 0
            ? new TunnelUnavailableError(`cannot reach the relay at ${relay}: ${failure.message}`, {
                cause: failure,
              })
            : new TunnelUnavailableError(`relay refused the registration of ${serviceId}: ${reason}`),
        );
        return;
      }
      if (this.#stopping) return;
      if (code === CLOSE.replaced) {
        this.#stopping = true;
        this.emit('replaced', reason);
        return;
      }
      if (registered) this.emit('disconnected', code, reason);
      if (this.#options.reconnect === false) {
        this.#stopping = true;
        return;
      }
      this.#schedule(reason, reasonBytes.length === 0 ? failure : undefined);
    });
  }

  #schedule(reason: string, error: Error | undefined): void {
    const attempt = ++this.#attempt;
    const min = this.#options.minBackoffMs ?? 500;
    const max = this.#options.maxBackoffMs ?? 30_000;
    // Capped exponential backoff with jitter (half to all of the step): restarts are not met by a herd.
    const step = Math.min(max, min * 2 ** Math.min(attempt - 1, 30));
    const delayMs = Math.round(step * (0.5 + Math.random() / 2));
    const event: RetryEvent = { attempt, delayMs, reason, ...(error === undefined ? {} : { error }) };
    this.emit('retrying', event);
    this.#retry = setTimeout(() => this.#connect(), delayMs);
  }

  #accept(session: string, token: string): void {
    const { relay, serviceId, server } = this.#options;
    const ws = new WebSocket(endpoint(relay, TUNNEL_PATHS.accept, { id: serviceId, session }), {
      perMessageDeflate: false,
      headers: { [SESSION_TOKEN_HEADER]: token },
    });
    this.#data.add(ws);
    ws.on('close', () => this.#data.delete(ws));
    ws.on('error', () => {});
    ws.on('open', () => {
      this.emit('session', session);
      server.accept(webSocketStream(ws));
    });
  }
}
