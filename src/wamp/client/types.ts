/**
 * The public shapes of the WAMP client: the options of `connect` and of each request, what a handler is
 * given (an event, an invocation) and what a call answers. No behaviour lives here beyond `CallResult`,
 * the value a procedure handler returns to answer with several results.
 */
import type { PayloadCodec } from '../codecs/payload-codec.ts';
import type { Dict } from '../protocol/messages.ts';
import type { SerializerId } from '../protocol/serializer.ts';
import type { MatchPolicy } from '../protocol/uri.ts';
import type { ClientAuth } from './auth.ts';
import type { WebSocketConstructor } from './websocket.ts';

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
