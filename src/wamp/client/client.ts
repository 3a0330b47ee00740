/**
 * The WAMP v2 client: publish/subscribe and calls over a WebSocket, with an optional end-to-end payload
 * codec (cryptobox, JOSE, or your own), automatic reconnect with backoff and re-subscription, and typed
 * errors. Runs in Node (`ws`) and browsers (the global WebSocket).
 *
 * Downgrade protection: the topic of an event and the procedure of an invocation are the ones this client
 * subscribed or registered, checked against the router's claim (effective-uri.ts). When the codec covers
 * that URI, a cleartext payload on it is refused (a router could otherwise inject plaintext events or
 * results), and a reply to an encrypted invocation is encrypted or not sent. With a codec, clear goes out
 * to an uncovered URI only with `allowClear` (clear-policy.ts).
 */
import { DefaultWebSocket } from '#wamp-websocket';
import { ArgumentError, isSealwireError } from '../../errors.ts';
import type { DecodedPayload, EncodedPayload, PayloadCodec } from '../codecs/payload-codec.ts';
import { isEncodedPayload } from '../codecs/payload-codec.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict, validateMessage, type WampMessage } from '../protocol/messages.ts';
import { type Frame, type Serializer, type SerializerId, serializerById } from '../protocol/serializer.ts';
import type { MatchPolicy } from '../protocol/uri.ts';
import { answerChallenge, type ClientAuth, helloAuth } from './auth.ts';
import { CLEAR_NOT_ALLOWED_URI, clearAllowed, clearNotAllowed, codecCovers } from './clear-policy.ts';
import { effectiveUri } from './effective-uri.ts';
import { ProtocolViolationError, SessionClosedError, TimeoutError, WampError } from './errors.ts';
import type { WebSocketConstructor, WebSocketLike } from './websocket.ts';

export interface ReconnectOptions {
  /** First delay; doubles (with jitter) up to `maxDelayMs`. Default 500 ms. */
  initialDelayMs?: number;
  /** Default 30 s. */
  maxDelayMs?: number;
  /** Give up after this many failed attempts in a row; default unlimited. */
  maxRetries?: number;
}

export interface ConnectOptions {
  url: string;
  realm: string;
  /** Default `json`. */
  serializer?: SerializerId;
  /** Default anonymous. */
  auth?: ClientAuth;
  payloadCodec?: PayloadCodec;
  /**
   * With a `payloadCodec`: let clear payloads go out on URIs none of its keys covers (publish, call,
   * register/answer). Default false: such a send fails with `ClearNotAllowedError` (`ERR_CLEAR_NOT_ALLOWED`),
   * so that a typo in a URI does not publish in the clear. Each request can also say so (`allowClear`).
   */
  allowClear?: boolean;
  /** Reconnect after an unexpected loss of the connection; default on. `false` disables. */
  reconnect?: ReconnectOptions | false;
  /** Time allowed to open the socket and join; default 10 s. */
  connectTimeoutMs?: number;
  /** Largest incoming message accepted (bytes or UTF-16 units); default 16 MiB. */
  maxMessageBytes?: number;
  /** Override the WebSocket implementation (default: `ws` on Node, the global one in browsers). */
  WebSocket?: WebSocketConstructor;
  /** Called when an event or invocation could not be decoded, or a handler threw. */
  onError?: (error: Error) => void;
  /** Called after every (re)join. */
  onJoin?: (session: SessionInfo) => void;
  /**
   * Called when the connection is lost, and after each failed reconnect attempt; `willReconnect` says
   * whether the client will try again, `retryInMs` how soon.
   */
  onLeave?: (reason: string, willReconnect: boolean, retryInMs?: number) => void;
}

export interface SessionInfo {
  id: number;
  realm: string;
  authid: string;
  authrole: string;
  authmethod: string;
  details: Dict;
}

export interface EventInfo {
  args: unknown[];
  kwargs: Dict;
  topic: string;
  publication: number;
  /** Publisher session id, when the publisher disclosed it. */
  publisher?: number;
  /** Whether the payload arrived end-to-end encrypted and was opened by the codec. */
  encrypted: boolean;
  keyId?: string;
  details: Dict;
}

export interface InvocationInfo {
  args: unknown[];
  kwargs: Dict;
  procedure: string;
  caller?: number;
  encrypted: boolean;
  keyId?: string;
  details: Dict;
  /** Aborted when the caller cancels or the call times out. */
  signal: AbortSignal;
  /** Sends a progressive result, when the caller asked for them (`details.receive_progress`). */
  progress?: (args?: unknown[], kwargs?: Dict) => void;
}

/** Return one from a procedure handler to answer with several positional and keyword results. */
export class CallResult {
  constructor(
    readonly args: unknown[] = [],
    readonly kwargs: Dict = {},
  ) {}
}

export interface CallResponse {
  args: unknown[];
  kwargs: Dict;
  encrypted: boolean;
  keyId?: string;
  details: Dict;
}

export interface PublishOptions {
  /** Wait for the router's PUBLISHED (and learn about errors). */
  acknowledge?: boolean;
  /** Default true: the publisher does not receive its own event. */
  excludeMe?: boolean;
  exclude?: number[];
  eligible?: number[];
  excludeAuthid?: string[];
  excludeAuthrole?: string[];
  eligibleAuthid?: string[];
  eligibleAuthrole?: string[];
  discloseMe?: boolean;
  /** Default true when a codec covers the topic. `false` publishes in the clear (an explicit opt-in). */
  encrypt?: boolean;
  /** Overrides the client's `allowClear` for this publication. */
  allowClear?: boolean;
}

export interface CallOptions {
  /** Router-side timeout in ms (the router cancels the invocation and answers `wamp.error.timeout`). */
  timeout?: number;
  /** Receive progressive results. */
  onProgress?: (result: CallResponse) => void;
  /** Cancel the call when this signal aborts. */
  signal?: AbortSignal;
  cancelMode?: 'skip' | 'kill' | 'killnowait';
  discloseMe?: boolean;
  /** Default true when a codec covers the procedure. `false` calls in the clear (an explicit opt-in). */
  encrypt?: boolean;
  /** Overrides the client's `allowClear` for this call. */
  allowClear?: boolean;
}

export interface SubscribeOptions {
  match?: MatchPolicy;
}

export interface RegisterOptions {
  match?: MatchPolicy;
  invoke?: 'single' | 'roundrobin' | 'random' | 'first' | 'last';
  /** Overrides the client's `allowClear`: whether clear calls to this registration get clear answers. */
  allowClear?: boolean;
}

export type EventHandler = (event: EventInfo) => void | Promise<void>;
export type ProcedureHandler = (invocation: InvocationInfo) => unknown;

export class Subscription {
  id = 0;
  active = true;
  constructor(
    readonly topic: string,
    readonly options: SubscribeOptions,
    readonly handler: EventHandler,
    private readonly client: WampClient,
  ) {}
  unsubscribe(): Promise<void> {
    return this.client.unsubscribe(this);
  }
}

export class Registration {
  id = 0;
  active = true;
  constructor(
    readonly procedure: string,
    readonly options: RegisterOptions,
    readonly handler: ProcedureHandler,
    private readonly client: WampClient,
  ) {}
  unregister(): Promise<void> {
    return this.client.unregister(this);
  }
}

interface Pending {
  resolve(message: WampMessage): void;
  reject(error: Error): void;
}

interface PendingCall {
  procedure: string;
  state: unknown;
  encrypted: boolean;
  onProgress: ((result: CallResponse) => void) | undefined;
  resolve(result: CallResponse): void;
  reject(error: Error): void;
  /** Removes the abort listener; only calls made with a `signal` have one. */
  cleanup: (() => void) | undefined;
}

interface Outgoing {
  options: Dict;
  elements: unknown[];
  state?: unknown;
  encrypted: boolean;
}

const NOT_ACKNOWLEDGED: Promise<undefined> = Promise.resolve(undefined);

function clearOutgoing(args: unknown[] | undefined, kwargs: Dict | undefined): Outgoing {
  const hasKwargs = kwargs !== undefined && Object.keys(kwargs).length > 0;
  const elements = hasKwargs ? [args ?? [], kwargs] : args !== undefined && args.length > 0 ? [args] : [];
  return { options: {}, elements, encrypted: false };
}

interface ReceivedPayload {
  args: unknown[];
  kwargs: Dict;
  encrypted: boolean;
  keyId?: string;
  state?: unknown;
}

interface ActiveInvocation {
  /** Made on first use of `signal`: most handlers never look at it. */
  controller: AbortController | undefined;
  abortReason: unknown;
  done: boolean;
  encrypted: boolean;
  procedure: string;
  state: unknown;
}

const CLIENT_ROLES: Dict = {
  publisher: {
    features: {
      publisher_exclusion: true,
      publisher_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  subscriber: {
    features: {
      pattern_based_subscription: true,
      publisher_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  caller: {
    features: {
      progressive_call_results: true,
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
  callee: {
    features: {
      progressive_call_results: true,
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      payload_transparency: true,
      payload_passthru_mode: true,
    },
  },
};

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

function toBytesOrText(data: unknown): Frame | undefined {
  if (typeof data === 'string') return data;
  // A plain view of Node's Buffer (no copy): decoders then hand out Uint8Array, as they do in browsers.
  if (data instanceof Uint8Array)
    return data.constructor === Uint8Array
      ? data
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    // `ws` may hand fragments as a list of Buffers.
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
  return undefined;
}

/** Whether `value` is something `await` would wait for (a codec or a handler may answer either way). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * What a procedure handler receives. A class, so the lazily made `signal` is a getter on the prototype
 * rather than an accessor defined on every invocation's object.
 */
class IncomingInvocation implements InvocationInfo {
  caller?: number;
  keyId?: string;
  progress?: (args?: unknown[], kwargs?: Dict) => void;
  readonly #active: ActiveInvocation;

  constructor(
    readonly args: unknown[],
    readonly kwargs: Dict,
    readonly procedure: string,
    readonly encrypted: boolean,
    readonly details: Dict,
    active: ActiveInvocation,
  ) {
    this.#active = active;
  }

  get signal(): AbortSignal {
    const active = this.#active;
    if (active.controller === undefined) {
      active.controller = new AbortController();
      if (active.abortReason !== undefined) active.controller.abort(active.abortReason);
    }
    return active.controller.signal;
  }
}

function abortInvocation(invocation: ActiveInvocation, reason: unknown): void {
  invocation.abortReason = reason;
  invocation.controller?.abort(reason);
}

function received(decoded: DecodedPayload | undefined, details: Dict): ReceivedPayload {
  if (decoded === undefined)
    throw new WampError(WampErrors.NO_PAYLOAD_CODEC, [
      `no codec for this payload (${String(details.enc_algo ?? details.ppt_scheme)})`,
    ]);
  const out: ReceivedPayload = {
    args: decoded.args ?? [],
    kwargs: decoded.kwargs ?? {},
    encrypted: true,
    state: decoded.state,
  };
  if (decoded.keyId !== undefined) out.keyId = decoded.keyId;
  return out;
}

function encodedOutgoing(
  encoded: EncodedPayload | undefined,
  kind: 'publish' | 'call',
  uri: string,
  args: unknown[] | undefined,
  kwargs: Dict | undefined,
  encrypt: boolean | undefined,
  allowClear: boolean,
): Outgoing {
  if (encoded !== undefined)
    return { options: encoded.options, elements: encoded.elements, state: encoded.state, encrypted: true };
  if (encrypt === true)
    throw new ArgumentError(`encryption was asked for but the payload codec has no key for ${uri}`);
  if (!allowClear) throw clearNotAllowed(kind, uri);
  return clearOutgoing(args, kwargs);
}

function asArgs(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asKwargs(value: unknown): Dict {
  return isDict(value) ? value : {};
}

export class WampClient {
  readonly #options: ConnectOptions;
  readonly #serializer: Serializer;
  readonly #auth: ClientAuth;
  readonly #codec: PayloadCodec | undefined;
  readonly #WebSocket: WebSocketConstructor;
  #ws: WebSocketLike | undefined;
  #session: SessionInfo | undefined;
  #nextRequest = 1;
  #closing = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  readonly #pending = new Map<number, Pending>();
  readonly #calls = new Map<number, PendingCall>();
  readonly #subscriptionsById = new Map<number, Set<Subscription>>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #registrationsById = new Map<number, Registration>();
  readonly #registrations = new Set<Registration>();
  readonly #invocations = new Map<number, ActiveInvocation>();
  /** Encrypted answers whose (asynchronous) encoding has not finished yet. */
  readonly #replying = new Set<Promise<void>>();

  constructor(options: ConnectOptions) {
    if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url))
      throw new ArgumentError('url must be a ws:// or wss:// URL');
    if (typeof options.realm !== 'string' || options.realm === '')
      throw new ArgumentError('realm is required');
    this.#options = options;
    this.#serializer = serializerById(options.serializer ?? 'json');
    this.#auth = options.auth ?? { method: 'anonymous' };
    this.#codec = options.payloadCodec;
    const WebSocketImpl = options.WebSocket ?? DefaultWebSocket;
    if (WebSocketImpl === undefined)
      throw new ArgumentError(
        'no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)',
      );
    this.#WebSocket = WebSocketImpl;
  }

  /** The current session, or `undefined` while disconnected. */
  get session(): SessionInfo | undefined {
    return this.#session;
  }

  get isConnected(): boolean {
    return this.#session !== undefined;
  }

  /** Bytes queued on the socket (for publishers that want to pace themselves). */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Opens the connection and joins the realm. */
  async open(): Promise<SessionInfo> {
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
        const auth = helloAuth(this.#auth);
        const details: Dict = { roles: CLIENT_ROLES, authmethods: auth.authmethods, agent: 'sealwire' };
        if (auth.authid !== undefined) details.authid = auth.authid;
        if (auth.authextra !== undefined) details.authextra = auth.authextra;
        this.#send([MessageType.HELLO, this.#options.realm, details]);
      };
      ws.onmessage = (event) => {
        const frame = toBytesOrText(event.data);
        if (frame === undefined) return;
        const limit = this.#options.maxMessageBytes ?? 16 * 1024 * 1024;
        // Before WELCOME, a broken message also fails the join with its reason (not just "closed").
        const fail = (text: string) => {
          const error = this.#protocolError(text);
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
        this.#dispatch(message);
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
        this.#send([
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
      this.#send([MessageType.AUTHENTICATE, signature, {}]);
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
      void this.#restore().then(() => this.#options.onJoin?.(info));
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
    done(this.#protocolError(`unexpected message type ${String(type)} during the handshake`));
  }

  /** After a reconnect: subscriptions and registrations come back under their new ids. */
  async #restore(): Promise<void> {
    this.#subscriptionsById.clear();
    this.#registrationsById.clear();
    const work: Promise<unknown>[] = [];
    for (const subscription of this.#subscriptions)
      work.push(this.#subscribeOnWire(subscription).catch((error) => this.#reportError(error)));
    for (const registration of this.#registrations)
      work.push(this.#registerOnWire(registration).catch((error) => this.#reportError(error)));
    await Promise.all(work);
  }

  /** Ends the session (ABORT, close) for a message that breaks the protocol; returns what it reported. */
  #protocolError(text: string): ProtocolViolationError {
    const error = new ProtocolViolationError(`the router broke the WAMP protocol (${text}): session closed`);
    this.#reportError(error);
    try {
      this.#send([MessageType.ABORT, { message: text }, WampErrors.PROTOCOL_VIOLATION]);
    } catch {
      // Not connected any more: nothing to tell.
    }
    this.#ws?.close(1002, 'protocol violation');
    return error;
  }

  #reportError(error: unknown): void {
    this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }

  #lost(reason: string): void {
    this.#session = undefined;
    const error = new SessionClosedError(reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const call of this.#calls.values()) {
      call.cleanup?.();
      call.reject(error);
    }
    this.#calls.clear();
    for (const invocation of this.#invocations.values()) abortInvocation(invocation, error);
    this.#invocations.clear();
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

  #send(message: readonly unknown[]): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1)
      throw new SessionClosedError('not_connected', 'not connected to the router; wait for the (re)connect');
    this.#cork(ws);
    ws.send(this.#serializer.encode(message));
  }

  #corked = false;

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

  #request(message: unknown[]): Promise<WampMessage> {
    const request = message[1] as number;
    return new Promise<WampMessage>((resolve, reject) => {
      this.#pending.set(request, { resolve, reject });
      try {
        this.#send(message);
      } catch (error) {
        this.#pending.delete(request);
        reject(error);
      }
    });
  }

  #nextId(): number {
    const id = this.#nextRequest;
    this.#nextRequest = id >= 2 ** 53 ? 1 : id + 1;
    return id;
  }

  #dispatch(message: WampMessage) {
    switch (message[0]) {
      case MessageType.EVENT:
        return void this.#onEvent(message);
      case MessageType.INVOCATION:
        return this.#onInvocation(message);
      case MessageType.INTERRUPT:
        return this.#onInterrupt(message);
      case MessageType.RESULT:
        return this.#onResult(message);
      case MessageType.ERROR:
        return void this.#onError(message);
      case MessageType.SUBSCRIBED:
      case MessageType.UNSUBSCRIBED:
      case MessageType.PUBLISHED:
      case MessageType.REGISTERED:
      case MessageType.UNREGISTERED: {
        const pending = this.#pending.get(message[1] as number);
        if (pending === undefined) return;
        this.#pending.delete(message[1] as number);
        return pending.resolve(message);
      }
      case MessageType.GOODBYE:
        if (!this.#closing) {
          try {
            this.#send([MessageType.GOODBYE, {}, WampErrors.GOODBYE_AND_OUT]);
          } catch {}
        }
        this.#ws?.close(1000, message[2] as string);
        return;
      case MessageType.ABORT:
        this.#ws?.close(1000, message[2] as string);
        return;
      default:
        return this.#protocolError(`unexpected message type ${String(message[0])}`);
    }
  }

  /**
   * Decodes an incoming payload (the elements of `message` from index `start` on) with the codec, or takes
   * it as clear; refuses clear on covered URIs. Synchronous unless the codec is (cryptobox is not, JOSE
   * is): an answer in the clear or from a synchronous codec costs no promise. Throws or rejects.
   */
  #payload(
    kind: 'event' | 'invocation' | 'result' | 'error',
    uri: string,
    details: Dict,
    message: WampMessage,
    start: number,
    state?: unknown,
    procedure?: string,
  ): ReceivedPayload | Promise<ReceivedPayload> {
    if (isEncodedPayload(details)) {
      if (this.#codec === undefined)
        throw new WampError(WampErrors.NO_PAYLOAD_CODEC, [
          'received an encrypted payload but no payload codec is set',
        ]);
      const request = {
        kind,
        uri,
        details,
        elements: message.slice(start),
        state,
        ...(procedure === undefined ? {} : { procedure }),
      };
      const decoded = this.#codec.decode(request);
      return isThenable(decoded)
        ? Promise.resolve(decoded).then((value) => received(value, details))
        : received(decoded, details);
    }
    if (kind !== 'error' && this.#covers(kind, uri))
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        `cleartext payload refused on ${uri}: it is configured for encryption`,
      ]);
    return { args: asArgs(message[start]), kwargs: asKwargs(message[start + 1]), encrypted: false };
  }

  /** Whether the codec has keys that would encrypt this URI (then cleartext there is a downgrade). */
  #covers(kind: 'event' | 'invocation' | 'result', uri: string): boolean {
    return codecCovers(this.#codec, kind, uri);
  }

  async #onEvent(message: WampMessage): Promise<void> {
    const handles = this.#subscriptionsById.get(message[1] as number);
    if (handles === undefined) return;
    const details = message[3] as Dict;
    for (const handle of handles) {
      try {
        // What this handle subscribed to decides, not the router's label (see effective-uri.ts).
        const topic = effectiveUri('topic', handle.topic, handle.options.match, details.topic);
        let payload = this.#payload('event', topic, details, message, 4);
        if (isThenable(payload)) payload = await payload;
        const info: EventInfo = {
          args: payload.args,
          kwargs: payload.kwargs,
          topic,
          publication: message[2] as number,
          encrypted: payload.encrypted,
          details,
        };
        // Only an exact session ID: one beyond 2^53 arrived rounded and would name another session.
        if (Number.isSafeInteger(details.publisher)) info.publisher = details.publisher as number;
        if (payload.keyId !== undefined) info.keyId = payload.keyId;
        const done = handle.handler(info);
        if (isThenable(done)) await done;
      } catch (error) {
        this.#reportError(error);
      }
    }
  }

  // Invocations and results run synchronously while nothing is asynchronous (a clear or cryptobox
  // payload, a handler that returns a value): no promise per message. A JOSE payload or an async handler
  // continues from the promise it returns.

  #onInvocation(message: WampMessage): void {
    const invocationId = message[1] as number;
    const registration = this.#registrationsById.get(message[2] as number);
    const details = message[3] as Dict;
    if (registration === undefined) {
      this.#refuseInvocation(invocationId, WampErrors.NO_SUCH_REGISTRATION, undefined);
      return;
    }
    let procedure: string;
    try {
      procedure = effectiveUri(
        'procedure',
        registration.procedure,
        registration.options.match,
        details.procedure,
      );
    } catch (error) {
      this.#refuseInvocation(invocationId, WampErrors.PROTOCOL_VIOLATION, error);
      return;
    }
    // A clear call on a procedure no key covers: answering it would put the result on the wire in the
    // clear, which needs allowClear. (A clear call on a covered one is a downgrade: #payload refuses it.)
    if (
      this.#codec !== undefined &&
      !isEncodedPayload(details) &&
      !this.#covers('invocation', procedure) &&
      !clearAllowed(registration.options.allowClear, this.#options.allowClear)
    ) {
      this.#refuseInvocation(invocationId, CLEAR_NOT_ALLOWED_URI, clearNotAllowed('answer', procedure));
      return;
    }
    const active: ActiveInvocation = {
      controller: undefined,
      abortReason: undefined,
      done: false,
      encrypted: isEncodedPayload(details),
      procedure,
      state: undefined,
    };
    this.#invocations.set(invocationId, active);
    let payload: ReceivedPayload | Promise<ReceivedPayload>;
    try {
      payload = this.#payload('invocation', procedure, details, message, 4);
    } catch (error) {
      this.#undecodableInvocation(invocationId, error);
      return;
    }
    if (isThenable(payload))
      payload.then(
        (value) => this.#invoke(invocationId, active, registration, details, value),
        (error) => this.#undecodableInvocation(invocationId, error),
      );
    else this.#invoke(invocationId, active, registration, details, payload);
  }

  /** An ERROR without payload for an invocation the handler never sees; `error` goes to onError. */
  #refuseInvocation(invocationId: number, uri: string, error: unknown): void {
    if (error !== undefined) this.#reportError(error);
    this.#trySend([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, uri]);
  }

  #undecodableInvocation(invocationId: number, error: unknown): void {
    this.#invocations.delete(invocationId);
    this.#reportError(error);
    const uri = error instanceof WampError ? error.uri : WampErrors.DECRYPT_ERROR;
    this.#trySend([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, uri]);
  }

  #invoke(
    invocationId: number,
    active: ActiveInvocation,
    registration: Registration,
    details: Dict,
    payload: ReceivedPayload,
  ): void {
    active.state = payload.state;
    const procedure = active.procedure;
    const info = new IncomingInvocation(
      payload.args,
      payload.kwargs,
      procedure,
      payload.encrypted,
      details,
      active,
    );
    if (Number.isSafeInteger(details.caller)) info.caller = details.caller as number; // exact IDs only, as above
    if (payload.keyId !== undefined) info.keyId = payload.keyId;
    if (details.receive_progress === true) {
      info.progress = (args?: unknown[], kwargs?: Dict) => {
        if (active.done) return;
        this.#reply(invocationId, active, 'yield', procedure, args, kwargs, true);
      };
    }
    let value: unknown;
    try {
      value = registration.handler(info);
    } catch (error) {
      this.#answerError(invocationId, active, error);
      return;
    }
    if (isThenable(value))
      Promise.resolve(value).then(
        (result) => this.#answer(invocationId, active, result),
        (error) => this.#answerError(invocationId, active, error),
      );
    else this.#answer(invocationId, active, value);
  }

  #answer(invocationId: number, active: ActiveInvocation, value: unknown): void {
    if (active.done) return;
    if (value instanceof CallResult)
      this.#reply(invocationId, active, 'yield', active.procedure, value.args, value.kwargs, false);
    else
      this.#reply(
        invocationId,
        active,
        'yield',
        active.procedure,
        value === undefined ? [] : [value],
        undefined,
        false,
      );
  }

  #answerError(invocationId: number, active: ActiveInvocation, error: unknown): void {
    if (active.done) return;
    const wampError =
      error instanceof WampError
        ? error
        : new WampError('wamp.error.runtime_error', [
            isSealwireError(error) || error instanceof Error ? error.message : String(error),
          ]);
    this.#reply(invocationId, active, 'error', wampError.uri, wampError.args, wampError.kwargs, false);
  }

  /** Sends YIELD or ERROR for an invocation; encrypted when the invocation came encrypted. Never throws. */
  #reply(
    invocationId: number,
    active: ActiveInvocation,
    kind: 'yield' | 'error',
    uri: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    progress: boolean,
  ): void {
    if (!progress) {
      active.done = true;
      this.#invocations.delete(invocationId);
    }
    if (!active.encrypted || this.#codec === undefined) {
      const hasKwargs = isDict(kwargs) && Object.keys(kwargs).length > 0;
      const elements = hasKwargs ? [args ?? [], kwargs] : args !== undefined && args.length > 0 ? [args] : [];
      this.#sendReply(invocationId, kind, uri, progress, elements, undefined);
      return;
    }
    let pending: ReturnType<PayloadCodec['encode']>;
    try {
      pending = this.#codec.encode({
        kind,
        uri,
        procedure: active.procedure,
        args,
        kwargs,
        state: active.state,
      });
    } catch (error) {
      this.#reportError(error);
      pending = undefined;
    }
    if (isThenable(pending)) {
      const sent = Promise.resolve(pending).then(
        (encoded) => this.#sendEncryptedReply(invocationId, kind, uri, progress, encoded),
        (error) => {
          this.#reportError(error);
          this.#sendEncryptedReply(invocationId, kind, uri, progress, undefined);
        },
      );
      // close() lets answers that are still being encrypted go out first.
      this.#replying.add(sent);
      void sent.finally(() => this.#replying.delete(sent));
    } else this.#sendEncryptedReply(invocationId, kind, uri, progress, pending);
  }

  #sendEncryptedReply(
    invocationId: number,
    kind: 'yield' | 'error',
    uri: string,
    progress: boolean,
    encoded: EncodedPayload | undefined,
  ): void {
    if (encoded === undefined) {
      // The call came encrypted: its answer must not go out in the clear.
      if (kind === 'yield') {
        this.#trySend([
          MessageType.ERROR,
          MessageType.INVOCATION,
          invocationId,
          {},
          WampErrors.NO_PAYLOAD_CODEC,
        ]);
        return;
      }
      this.#sendReply(invocationId, kind, uri, progress, [], undefined);
      return;
    }
    this.#sendReply(invocationId, kind, uri, progress, encoded.elements, encoded.options);
  }

  #sendReply(
    invocationId: number,
    kind: 'yield' | 'error',
    uri: string,
    progress: boolean,
    elements: unknown[],
    codecOptions: Dict | undefined,
  ): void {
    const options: Dict = progress ? { progress: true } : {};
    if (codecOptions !== undefined) Object.assign(options, codecOptions);
    if (kind === 'yield') this.#trySend([MessageType.YIELD, invocationId, options, ...elements]);
    else this.#trySend([MessageType.ERROR, MessageType.INVOCATION, invocationId, options, uri, ...elements]);
  }

  #trySend(message: unknown[]): void {
    try {
      this.#send(message);
    } catch (error) {
      this.#reportError(error);
    }
  }

  #onInterrupt(message: WampMessage): void {
    const invocationId = message[1] as number;
    const active = this.#invocations.get(invocationId);
    if (active === undefined) return;
    abortInvocation(active, new WampError(WampErrors.CANCELED, ['call canceled']));
    active.done = true;
    this.#invocations.delete(invocationId);
    this.#trySend([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, WampErrors.CANCELED]);
  }

  #onResult(message: WampMessage): void {
    const request = message[1] as number;
    const call = this.#calls.get(request);
    if (call === undefined) return;
    const details = message[2] as Dict;
    const progress = details.progress === true;
    if (!progress) {
      this.#calls.delete(request);
      call.cleanup?.();
    }
    let payload: ReceivedPayload | Promise<ReceivedPayload>;
    try {
      if (call.encrypted && !isEncodedPayload(details))
        throw new WampError(WampErrors.DECRYPT_ERROR, ['cleartext result refused for an encrypted call']);
      payload = this.#payload('result', call.procedure, details, message, 3, call.state, call.procedure);
    } catch (error) {
      this.#resultFailed(call, progress, error);
      return;
    }
    if (isThenable(payload))
      payload.then(
        (value) => this.#settleResult(call, progress, details, value),
        (error) => this.#resultFailed(call, progress, error),
      );
    else this.#settleResult(call, progress, details, payload);
  }

  #settleResult(call: PendingCall, progress: boolean, details: Dict, payload: ReceivedPayload): void {
    const response: CallResponse = {
      args: payload.args,
      kwargs: payload.kwargs,
      encrypted: payload.encrypted,
      details,
    };
    if (payload.keyId !== undefined) response.keyId = payload.keyId;
    if (!progress) {
      call.resolve(response);
      return;
    }
    try {
      call.onProgress?.(response);
    } catch (error) {
      this.#reportError(error);
    }
  }

  #resultFailed(call: PendingCall, progress: boolean, error: unknown): void {
    if (progress) this.#reportError(error);
    else call.reject(error as Error);
  }

  async #onError(message: WampMessage): Promise<void> {
    const requestType = message[1] as number;
    const request = message[2] as number;
    const details = message[3] as Dict;
    const uri = message[4] as string;
    let error: Error;
    try {
      const call = this.#calls.get(request);
      let payload = this.#payload('error', uri, details, message, 5, call?.state, call?.procedure);
      if (isThenable(payload)) payload = await payload;
      error = new WampError(uri, payload.args, payload.kwargs, details);
    } catch (decodeError) {
      error = decodeError as Error;
    }
    if (requestType === MessageType.CALL) {
      const call = this.#calls.get(request);
      if (call === undefined) return;
      this.#calls.delete(request);
      call.cleanup?.();
      call.reject(error);
      return;
    }
    const pending = this.#pending.get(request);
    if (pending === undefined) return;
    this.#pending.delete(request);
    pending.reject(error);
  }

  /** The Options and payload elements of a PUBLISH or CALL; synchronous unless the codec is. Throws. */
  #encodeOutgoing(
    kind: 'publish' | 'call',
    uri: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    encrypt: boolean | undefined,
    allowClear: boolean | undefined,
  ): Outgoing | Promise<Outgoing> {
    if (encrypt !== false && this.#codec !== undefined) {
      const encoded = this.#codec.encode({ kind, uri, args, kwargs });
      const allowed = clearAllowed(allowClear, this.#options.allowClear);
      return isThenable(encoded)
        ? Promise.resolve(encoded).then((value) =>
            encodedOutgoing(value, kind, uri, args, kwargs, encrypt, allowed),
          )
        : encodedOutgoing(encoded, kind, uri, args, kwargs, encrypt, allowed);
    }
    if (encrypt === true) throw new ArgumentError('encryption was asked for but no payload codec is set');
    return clearOutgoing(args, kwargs);
  }

  /** Publishes an event. With `acknowledge`, resolves to the publication id once the router accepted it. */
  publish(
    topic: string,
    args?: unknown[],
    kwargs?: Dict,
    options: PublishOptions = {},
  ): Promise<number | undefined> {
    try {
      const encoded = this.#encodeOutgoing(
        'publish',
        topic,
        args,
        kwargs,
        options.encrypt,
        options.allowClear,
      );
      return isThenable(encoded)
        ? encoded.then((value) => this.#publishEncoded(topic, value, options))
        : this.#publishEncoded(topic, encoded, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #publishEncoded(topic: string, encoded: Outgoing, options: PublishOptions): Promise<number | undefined> {
    // A cleartext Outgoing's options are a fresh object of ours; a codec's are copied.
    const wire: Dict = encoded.encrypted ? { ...encoded.options } : encoded.options;
    if (options.acknowledge) wire.acknowledge = true;
    if (options.excludeMe === false) wire.exclude_me = false;
    if (options.exclude) wire.exclude = options.exclude;
    if (options.eligible) wire.eligible = options.eligible;
    if (options.excludeAuthid) wire.exclude_authid = options.excludeAuthid;
    if (options.excludeAuthrole) wire.exclude_authrole = options.excludeAuthrole;
    if (options.eligibleAuthid) wire.eligible_authid = options.eligibleAuthid;
    if (options.eligibleAuthrole) wire.eligible_authrole = options.eligibleAuthrole;
    if (options.discloseMe) wire.disclose_me = true;
    const request = this.#nextId();
    const message = [MessageType.PUBLISH, request, wire, topic, ...encoded.elements];
    if (!options.acknowledge) {
      this.#send(message);
      return NOT_ACKNOWLEDGED;
    }
    return this.#request(message).then((reply) => reply[2] as number);
  }

  async subscribe(
    topic: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const subscription = new Subscription(topic, options, handler, this);
    await this.#subscribeOnWire(subscription);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async #subscribeOnWire(subscription: Subscription): Promise<void> {
    const wire: Dict = {};
    if (subscription.options.match !== undefined && subscription.options.match !== 'exact')
      wire.match = subscription.options.match;
    const reply = await this.#request([MessageType.SUBSCRIBE, this.#nextId(), wire, subscription.topic]);
    subscription.id = reply[2] as number;
    let handles = this.#subscriptionsById.get(subscription.id);
    if (handles === undefined) {
      handles = new Set();
      this.#subscriptionsById.set(subscription.id, handles);
    }
    handles.add(subscription);
  }

  async unsubscribe(subscription: Subscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    this.#subscriptions.delete(subscription);
    const handles = this.#subscriptionsById.get(subscription.id);
    handles?.delete(subscription);
    if (handles !== undefined && handles.size === 0) {
      this.#subscriptionsById.delete(subscription.id);
      if (this.isConnected) await this.#request([MessageType.UNSUBSCRIBE, this.#nextId(), subscription.id]);
    }
  }

  async register(
    procedure: string,
    handler: ProcedureHandler,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    // An exact registration no key opens could only ever answer in the clear: refuse it now, where a typo
    // in the procedure shows, unless clear is allowed. Patterns are decided per invocation.
    if (
      this.#codec?.covers !== undefined &&
      (options.match === undefined || options.match === 'exact') &&
      !this.#covers('invocation', procedure) &&
      !clearAllowed(options.allowClear, this.#options.allowClear)
    )
      throw clearNotAllowed('register', procedure);
    const registration = new Registration(procedure, options, handler, this);
    await this.#registerOnWire(registration);
    this.#registrations.add(registration);
    return registration;
  }

  async #registerOnWire(registration: Registration): Promise<void> {
    const wire: Dict = {};
    if (registration.options.match !== undefined && registration.options.match !== 'exact')
      wire.match = registration.options.match;
    if (registration.options.invoke !== undefined && registration.options.invoke !== 'single')
      wire.invoke = registration.options.invoke;
    const reply = await this.#request([MessageType.REGISTER, this.#nextId(), wire, registration.procedure]);
    registration.id = reply[2] as number;
    this.#registrationsById.set(registration.id, registration);
  }

  async unregister(registration: Registration): Promise<void> {
    if (!registration.active) return;
    registration.active = false;
    this.#registrations.delete(registration);
    this.#registrationsById.delete(registration.id);
    if (this.isConnected) await this.#request([MessageType.UNREGISTER, this.#nextId(), registration.id]);
  }

  /** Calls a procedure; rejects with `WampError` for an ERROR answer, `SessionClosedError` if the session ends. */
  call(procedure: string, args?: unknown[], kwargs?: Dict, options: CallOptions = {}): Promise<CallResponse> {
    // Not an async function: one promise per call instead of an outer one adopting the inner one.
    try {
      options.signal?.throwIfAborted();
      const encoded = this.#encodeOutgoing(
        'call',
        procedure,
        args,
        kwargs,
        options.encrypt,
        options.allowClear,
      );
      return isThenable(encoded)
        ? encoded.then((value) => this.#startCall(procedure, value, options))
        : this.#startCall(procedure, encoded, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #startCall(procedure: string, encoded: Outgoing, options: CallOptions): Promise<CallResponse> {
    const wire: Dict = encoded.encrypted ? { ...encoded.options } : encoded.options;
    if (options.timeout !== undefined && options.timeout > 0) wire.timeout = options.timeout;
    if (options.onProgress !== undefined) wire.receive_progress = true;
    if (options.discloseMe) wire.disclose_me = true;
    const request = this.#nextId();
    let call!: PendingCall;
    const promise = new Promise<CallResponse>((resolve, reject) => {
      call = {
        procedure,
        state: encoded.state,
        encrypted: encoded.encrypted,
        onProgress: options.onProgress,
        resolve,
        reject,
        cleanup: undefined,
      };
    });
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = () => {
        if (!this.#calls.has(request)) return;
        this.#trySend([MessageType.CANCEL, request, { mode: options.cancelMode ?? 'killnowait' }]);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      call.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    this.#calls.set(request, call);
    try {
      this.#send([MessageType.CALL, request, wire, procedure, ...encoded.elements]);
    } catch (error) {
      this.#calls.delete(request);
      call.cleanup?.();
      call.reject(error as Error);
    }
    return promise;
  }

  /** Leaves the realm (GOODBYE) and closes the connection; no reconnect follows. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    if (this.#replying.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.#replying]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
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
          this.#send([MessageType.GOODBYE, {}, WampErrors.CLOSE_REALM]);
        } catch {
          ws.close(1000, 'closing');
        }
      } else {
        ws.close(1000, 'closing');
      }
    });
  }
}

/** Connects and joins; the returned client reconnects by itself unless `reconnect: false`. */
export async function connect(options: ConnectOptions): Promise<WampClient> {
  const client = new WampClient(options);
  await client.open();
  return client;
}
