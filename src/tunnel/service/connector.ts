/**
 * The service's side of the relay: a control WebSocket that registers the service id (signing the relay's
 * nonce with the service's Ed25519 identity key), then one data WebSocket per client session, each handed to
 * the RPC server as a raw byte stream. Reconnects with backoff when the relay goes away.
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { runtime } from '#runtime';
import { utf8 } from '../../codecs/bytes.ts';
import { isJsonObject } from '../../codecs/json.ts';
import { SealwireError } from '../../errors.ts';
import { publicJwkOf } from '../../keys/kind.ts';
import type { PrivateJwk } from '../../keys/types.ts';
import { registrationMessage, SESSION_TOKEN_HEADER, TUNNEL_PATHS } from '../protocol.ts';
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
}

function endpoint(relay: string, path: string, query: Record<string, string>): string {
  const url = new URL(path, relay.replace(/^http/, 'ws'));
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

/** Events: `registered`, `disconnected` (code, reason), `session` (id), `error`. */
export class ServiceConnector extends EventEmitter {
  readonly #options: ConnectorOptions;
  #control: WebSocket | undefined;
  #stopping = false;
  #attempt = 0;
  readonly #data = new Set<WebSocket>();

  constructor(options: ConnectorOptions) {
    super();
    this.#options = options;
  }

  /** Connects and registers; resolves once the relay confirmed, rejects if the first attempt fails. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.once('registered', () => resolve());
      this.once('first-failure', (error: Error) => reject(error));
      this.#connect();
    });
  }

  stop(): void {
    this.#stopping = true;
    this.#control?.close(1000, 'service stopping');
    for (const ws of this.#data) ws.close(1000, 'service stopping');
  }

  #connect(): void {
    const { relay, serviceId, identityKey } = this.#options;
    const ws = new WebSocket(endpoint(relay, TUNNEL_PATHS.service, { id: serviceId }), {
      perMessageDeflate: false,
    });
    this.#control = ws;
    let registered = false;
    ws.on('message', (data, isBinary) => {
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
                signature: Buffer.from(signature).toString('base64url'),
              }),
            );
          })
          .catch((error: Error) => this.emit('error', error));
      } else if (message.type === 'registered') {
        registered = true;
        this.#attempt = 0;
        this.emit('registered');
      } else if (
        message.type === 'session' &&
        typeof message.session === 'string' &&
        typeof message.token === 'string'
      ) {
        this.#accept(message.session, message.token);
      }
    });
    ws.on('error', () => {
      // 'close' follows and carries the reason.
    });
    ws.on('close', (code, reason) => {
      const text = reason.toString() || `code ${code}`;
      if (!registered && this.#attempt === 0 && this.listenerCount('first-failure') > 0) {
        this.emit(
          'first-failure',
          new SealwireError(
            'ERR_TUNNEL_UNAVAILABLE',
            `relay refused the registration of ${serviceId}: ${text}`,
          ),
        );
        if (code >= 4400 && code < 4500) return;
      }
      this.emit('disconnected', code, text);
      if (this.#stopping || this.#options.reconnect === false) return;
      // Capped exponential backoff with jitter: a relay restart is not met by a thundering herd.
      const delay = Math.min(30_000, 500 * 2 ** this.#attempt++) * (0.5 + Math.random() / 2);
      setTimeout(() => this.#connect(), delay).unref();
    });
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
