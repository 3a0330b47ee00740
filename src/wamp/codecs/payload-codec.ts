/**
 * The pluggable end-to-end payload codec of the WAMP client. A codec turns (uri, args, kwargs) into the
 * Options keys and payload elements that go on the wire, and back. The router only ever sees what
 * `encode` returns. Two wire forms exist (see docs/wamp.md): Autobahn's `enc_*` with a bare binary, and
 * the spec's Payload PassThru Mode (`ppt_*` with `[binary]`).
 */
import type { Dict } from '../protocol/messages.ts';

/** Which message is being encoded or decoded; "originating" ones are PUBLISH/CALL, the others answer. */
export type PayloadKind = 'publish' | 'event' | 'call' | 'invocation' | 'yield' | 'result' | 'error';

export interface EncodeRequest {
  kind: 'publish' | 'call' | 'yield' | 'error';
  /** Topic, procedure, or (for errors) the error URI. */
  uri: string;
  /** For `yield`/`error`: the procedure the invocation was for. */
  procedure?: string;
  args: unknown[] | undefined;
  kwargs: Dict | undefined;
  /** For `yield`/`error`: the `state` that `decode` returned for the invocation. */
  state?: unknown;
}

export interface EncodedPayload {
  /** Keys merged into the message's Options (`enc_*` or `ppt_*`). */
  options: Dict;
  /** Payload elements that follow the URI on the wire: `[binary]` (Autobahn) or `[[binary]]` (PPT). */
  elements: unknown[];
  /** Kept by the client for this request and handed to `decode` of the answer (e.g. an ephemeral key). */
  state?: unknown;
}

export interface DecodeRequest {
  kind: 'event' | 'invocation' | 'result' | 'error';
  /** The URI the envelope says this is for (topic, procedure, or error URI). */
  uri: string;
  /** For results/errors: the procedure that was called. */
  procedure?: string;
  details: Dict;
  /** Payload elements as received (after Details, or after the error URI). */
  elements: readonly unknown[];
  /** For `result`/`error`: the `state` that `encode` returned for the call. */
  state?: unknown;
}

export interface DecodedPayload {
  args: unknown[] | undefined;
  kwargs: Dict | undefined;
  /** Key id that opened it, when the codec knows one. */
  keyId?: string;
  /** For invocations: handed back to `encode` of the YIELD/ERROR (e.g. the caller's reply key). */
  state?: unknown;
}

export interface PayloadCodec {
  /** Short name for logs and errors (`cryptobox`, `jose`). */
  readonly name: string;
  /** Feature the client must announce in HELLO for this codec's wire form. */
  readonly wireForm: 'enc' | 'ppt';
  /** `undefined`: this URI is not covered; the payload goes in the clear. */
  encode(request: EncodeRequest): Promise<EncodedPayload | undefined> | EncodedPayload | undefined;
  /**
   * `undefined`: the Details name a scheme this codec does not handle. Throws `WampError` with
   * `wamp.error.encryption.decrypt_error` / `trusted_uri_mismatch` when it handles it but cannot open it.
   */
  decode(request: DecodeRequest): Promise<DecodedPayload | undefined> | DecodedPayload | undefined;
  /**
   * Whether this codec holds keys that would open `kind` on `uri`. The client then refuses cleartext
   * payloads there: otherwise a router could inject plaintext events or results on an encrypted topic.
   */
  covers?(kind: 'event' | 'invocation' | 'result', uri: string): boolean;
}

/** Whether Details/Options say the payload is end-to-end encoded (either wire form). */
export function isEncodedPayload(details: Dict): boolean {
  return details.enc_algo !== undefined || details.ppt_scheme !== undefined;
}
