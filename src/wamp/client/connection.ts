/**
 * The connection under a WAMP session, and its lifecycle: open the WebSocket with the serializer's
 * subprotocol, join the realm (HELLO, an authentication CHALLENGE, WELCOME or ABORT), hand each message of
 * the joined session on, notice the loss, and reconnect with backoff unless told to stop. Sending is here
 * too, corked so that the messages of one tick leave in one write. What a session does with its messages
 * (requests, subscriptions, calls) is client.ts's; this file only knows whether there is one.
 */
import { DefaultWebSocket } from '#wamp-websocket';
import { joinBytes } from '../../encoding/bytes.ts';
import { ArgumentError } from '../../errors.ts';
import { ProtocolViolationError, SessionClosedError, TimeoutError } from '../errors.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, validateMessage, type WampMessage } from '../protocol/messages.ts';
import { type Frame, type Serializer, serializerById } from '../protocol/serializer.ts';
import { answerChallenge, type ClientAuth, helloAuth } from './auth.ts';
import { CLIENT_ROLES } from './roles.ts';
import type { ConnectOptions, SessionInfo } from './types.ts';
import type { WebSocketConstructor, WebSocketLike } from './websocket.ts';

/** What the connection tells the session above it. */
export interface ConnectionEvents {
  /** WELCOME arrived: this is the session now (after a reconnect, a new one). */
  joined(info: SessionInfo): void;
  /** A message of the joined session; GOODBYE and ABORT, which end it, stay here. */
  message(message: WampMessage): void;
  /** The joined session is gone: whatever waits on it fails now. A reconnect (if on) follows. */
  lost(reason: string): void;
  /** For `onError`: a message that broke the protocol. */
  error(error: unknown): void;
}

/** Errors that mean "stop trying": the router refused us, reconnecting would not change that. */
const FATAL_ABORTS = new Set<string>([
  WampErrors.AUTHENTICATION_FAILED,
  WampErrors.NO_AUTH_METHOD,
  WampErrors.NO_SUCH_REALM,
  WampErrors.NO_SUCH_ROLE,
  WampErrors.NOT_AUTHORIZED,
  WampErrors.AUTHORIZATION_FAILED,
  WampErrors.PROTOCOL_VIOLATION,
]);

/** What a socket handed over, as the serializer takes it: text, or a plain Uint8Array. */
function frameOf(data: unknown): Frame | undefined {
  if (typeof data === 'string') return data;
  // A plain view of Node's Buffer (no copy): decoders then hand out Uint8Array, as they do in browsers.
  if (data instanceof Uint8Array)
    return data.constructor === Uint8Array
      ? data
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // `ws` may hand fragments as a list of Buffers.
  if (Array.isArray(data)) return joinBytes(data as Uint8Array[]);
  return undefined;
}

function helloDetails(auth: ClientAuth): Dict {
  const hello = helloAuth(auth);
  const details: Dict = { roles: CLIENT_ROLES, authmethods: hello.authmethods, agent: 'sealwire' };
  if (hello.authid !== undefined) details.authid = hello.authid;
  if (hello.authextra !== undefined) details.authextra = hello.authextra;
  return details;
}

export class Connection {
  readonly #options: ConnectOptions;
  readonly #serializer: Serializer;
  readonly #auth: ClientAuth;
  readonly #WebSocket: WebSocketConstructor;
  readonly #events: ConnectionEvents;
  #ws: WebSocketLike | undefined;
  #session: SessionInfo | undefined;
  #closing = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #corked = false;

  constructor(options: ConnectOptions, events: ConnectionEvents) {
    if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url))
      throw new ArgumentError('url must be a ws:// or wss:// URL');
    if (typeof options.realm !== 'string' || options.realm === '')
      throw new ArgumentError('realm is required');
    this.#options = options;
    this.#serializer = serializerById(options.serializer ?? 'json');
    this.#auth = options.auth ?? { method: 'anonymous' };
    const WebSocketImpl = options.WebSocket ?? DefaultWebSocket;
    if (WebSocketImpl === undefined)
      throw new ArgumentError(
        'no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)',
      );
    this.#WebSocket = WebSocketImpl;
    this.#events = events;
  }

  /** The joined session, or `undefined` while there is none. */
  get session(): SessionInfo | undefined {
    return this.#session;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Opens the connection and joins the realm; reconnecting is on again (unless the options say no). */
  open(): Promise<SessionInfo> {
    this.#closing = false;
    return this.#connectOnce();
  }

  #connectOnce(): Promise<SessionInfo> {
    return new Promise<SessionInfo>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, info?: SessionInfo) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(info!);
      };
      const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        settle(
          new TimeoutError(
            `could not join ${this.#options.realm} at ${this.#options.url} within ${timeoutMs} ms`,
          ),
        );
        ws.close(1000, 'connect timeout');
      }, timeoutMs);
      let ws: WebSocketLike;
      try {
        ws = new this.#WebSocket(this.#options.url, [this.#serializer.subprotocol]);
      } catch (error) {
        clearTimeout(timer);
        reject(
          new SessionClosedError(
            'connect_failed',
            `cannot open ${this.#options.url}: ${(error as Error).message}`,
          ),
        );
        return;
      }
      // `ws` hands Buffers by default (no copy); browsers need arraybuffer (their default is Blob).
      if (ws.binaryType !== 'nodebuffer') ws.binaryType = 'arraybuffer';
      this.#ws = ws;
      let joined = false;
      ws.onopen = () => {
        if (ws.protocol !== this.#serializer.subprotocol) {
          settle(
            new SessionClosedError(
              'no_subprotocol',
              `the router did not accept ${this.#serializer.subprotocol}`,
            ),
          );
          ws.close(1002, 'subprotocol not accepted');
          return;
        }
        this.send([MessageType.HELLO, this.#options.realm, helloDetails(this.#auth)]);
      };
      ws.onmessage = (event) => {
        const frame = frameOf(event.data);
        if (frame === undefined) return;
        const limit = this.#options.maxMessageBytes ?? 16 * 1024 * 1024;
        // Before WELCOME, a broken message also fails the join with its reason (not just "closed").
        const fail = (text: string) => {
          const error = this.protocolError(text);
          if (!joined) settle(error);
        };
        if ((typeof frame === 'string' ? frame.length : frame.length) > limit) {
          fail(`message over ${limit} bytes`);
          return;
        }
        let message: WampMessage;
        try {
          message = validateMessage(this.#serializer.decode(frame));
        } catch (error) {
          fail((error as Error).message);
          return;
        }
        if (!joined) {
          this.#handshake(message, (error, info) => {
            if (info !== undefined) joined = true;
            settle(error, info);
          });
          return;
        }
        this.#received(message);
      };
      // Kept for the close that follows: "connect ECONNREFUSED ..." says more than "closed (1006)".
      let socketError: unknown;
      ws.onerror = (event) => {
        socketError = (event as { error?: unknown }).error;
      };
      ws.onclose = (event) => {
        if (this.#ws === ws) this.#ws = undefined;
        const reason =
          event.reason ||
          (socketError instanceof Error ? socketError.message : `connection closed (${event.code})`);
        if (!joined) {
          settle(
            new SessionClosedError(
              reason,
              `could not join ${this.#options.realm} at ${this.#options.url}: ${reason}`,
              socketError === undefined ? undefined : { cause: socketError },
            ),
          );
          return;
        }
        this.#lost(reason);
      };
    });
  }

  #handshake(message: WampMessage, done: (error: Error | undefined, info?: SessionInfo) => void): void {
    const type = message[0];
    if (type === MessageType.CHALLENGE) {
      const signature = answerChallenge(this.#auth, message[1] as string, message[2] as Dict);
      if (signature === undefined) {
        this.send([
          MessageType.ABORT,
          { message: 'cannot answer this challenge' },
          WampErrors.AUTHENTICATION_FAILED,
        ]);
        this.#ws?.close(1000, 'authentication failed');
        done(
          new SessionClosedError(
            WampErrors.AUTHENTICATION_FAILED,
            `cannot answer a ${String(message[1])} challenge`,
          ),
        );
        return;
      }
      this.send([MessageType.AUTHENTICATE, signature, {}]);
      return;
    }
    if (type === MessageType.WELCOME) {
      const details = message[2] as Dict;
      const info: SessionInfo = {
        id: message[1] as number,
        realm: this.#options.realm,
        authid: String(details.authid ?? ''),
        authrole: String(details.authrole ?? ''),
        authmethod: String(details.authmethod ?? ''),
        details,
      };
      this.#session = info;
      this.#attempt = 0;
      done(undefined, info);
      this.#events.joined(info);
      return;
    }
    if (type === MessageType.ABORT) {
      const reason = message[2] as string;
      const text =
        typeof (message[1] as Dict).message === 'string' ? `: ${(message[1] as Dict).message}` : '';
      if (FATAL_ABORTS.has(reason)) this.#closing = true;
      this.#ws?.close(1000, 'aborted');
      done(new SessionClosedError(reason, `the router refused the session (${reason}${text})`));
      return;
    }
    done(this.protocolError(`unexpected message type ${String(type)} during the handshake`));
  }

  /** A message of the joined session: the router ending it is handled here, the rest goes up. */
  #received(message: WampMessage): void {
    const type = message[0];
    if (type === MessageType.GOODBYE) {
      if (!this.#closing) {
        try {
          this.send([MessageType.GOODBYE, {}, WampErrors.GOODBYE_AND_OUT]);
        } catch {}
      }
      this.#ws?.close(1000, message[2] as string);
      return;
    }
    if (type === MessageType.ABORT) {
      this.#ws?.close(1000, message[2] as string);
      return;
    }
    this.#events.message(message);
  }

  /** Ends the session (ABORT, close) for a message that breaks the protocol; returns what it reported. */
  protocolError(text: string): ProtocolViolationError {
    const error = new ProtocolViolationError(`the router broke the WAMP protocol (${text}): session closed`);
    this.#events.error(error);
    try {
      this.send([MessageType.ABORT, { message: text }, WampErrors.PROTOCOL_VIOLATION]);
    } catch {
      // Not connected any more: nothing to tell.
    }
    this.#ws?.close(1002, 'protocol violation');
    return error;
  }

  #lost(reason: string): void {
    this.#session = undefined;
    this.#events.lost(reason);
    this.#leave(reason);
  }

  /** Tells onLeave, then tries again after a backoff delay if reconnecting is on and retries are left. */
  #leave(reason: string): void {
    const reconnect = this.#options.reconnect;
    const maxRetries = reconnect === false ? 0 : (reconnect?.maxRetries ?? Number.POSITIVE_INFINITY);
    const willReconnect = !this.#closing && reconnect !== false && this.#attempt < maxRetries;
    if (!willReconnect) {
      this.#options.onLeave?.(reason, false);
      return;
    }
    const delay = this.#nextDelay();
    this.#options.onLeave?.(reason, true, delay);
    this.#scheduleReconnect(delay);
  }

  #nextDelay(): number {
    const settings = this.#options.reconnect || {};
    const initial = settings.initialDelayMs ?? 500;
    const max = settings.maxDelayMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.#attempt);
    // Full jitter: a router restart must not be met by every client at the same instant.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  #scheduleReconnect(delay: number): void {
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closing) return;
      this.#connectOnce().catch((error) =>
        this.#leave(error instanceof SessionClosedError ? error.reason : String(error)),
      );
    }, delay);
  }

  /** Serializes and sends; throws `SessionClosedError` when the socket is not open. */
  send(message: readonly unknown[]): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1)
      throw new SessionClosedError('not_connected', 'not connected to the router; wait for the (re)connect');
    this.#cork(ws);
    ws.send(this.#serializer.encode(message));
  }

  /**
   * On Node (`ws`), messages sent in one tick leave in one writev: cork the TCP socket at the first send
   * and uncork on the next tick. A browser's WebSocket exposes no socket; nothing happens there.
   */
  #cork(ws: WebSocketLike): void {
    if (this.#corked) return;
    const socket = (ws as unknown as { _socket?: { cork?: () => void; uncork?: () => void } | null })._socket;
    if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return;
    this.#corked = true;
    socket.cork();
    // Node's nextTick runs once the current microtasks are done, still before the loop returns to I/O.
    const nextTick = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process?.nextTick;
    (nextTick ?? queueMicrotask)(() => {
      this.#corked = false;
      socket.uncork?.();
    });
  }

  /** No reconnect from now on, until the next `open`. */
  stopReconnecting(): void {
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
  }

  /** Leaves the realm (GOODBYE) and closes the socket, or just closes it after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const ws = this.#ws;
    if (ws === undefined) return;
    await new Promise<void>((resolve) => {
      const previous = ws.onclose;
      const timer = setTimeout(() => {
        ws.close(1000, 'closing');
        resolve();
      }, timeoutMs);
      ws.onclose = (event) => {
        clearTimeout(timer);
        previous?.(event);
        resolve();
      };
      if (this.#session !== undefined && ws.readyState === 1) {
        try {
          this.send([MessageType.GOODBYE, {}, WampErrors.CLOSE_REALM]);
        } catch {
          ws.close(1000, 'closing');
        }
      } else {
        ws.close(1000, 'closing');
      }
    });
  }
}
