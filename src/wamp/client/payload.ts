/**
 * The payload pipeline: what goes between the client's args/kwargs and the payload elements on the wire.
 * Outgoing, a PUBLISH or CALL is encoded by the codec when one covers its URI and otherwise goes clear
 * only as clear-policy.ts allows; incoming, an encoded payload is opened by the codec and a clear one is
 * refused where the codec covers the URI (a router could otherwise inject plaintext: the downgrade rule).
 * The answer to an encrypted invocation is encrypted or carries no payload. Each step is synchronous
 * unless the codec is (cryptobox is not, JOSE is): a clear message or a synchronous codec costs no promise.
 */
import { ArgumentError } from '../../errors.ts';
import {
  type DecodedPayload,
  type EncodedPayload,
  isEncodedPayload,
  type PayloadCodec,
} from '../codecs/payload-codec.ts';
import { type ClearNotAllowedError, WampError } from '../errors.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict, type WampMessage } from '../protocol/messages.ts';
import { clearAllowed, clearNotAllowed, codecCovers } from './clear-policy.ts';
import type { ActiveInvocation, PendingCall } from './requests.ts';
import type { RegisterOptions } from './types.ts';
import { whenReady } from './when-ready.ts';

/** The Options keys (the codec's `enc_*`/`ppt_*`, or none) and payload elements of a PUBLISH or CALL. */
export interface Outgoing {
  options: Dict;
  elements: unknown[];
  state?: unknown;
  encrypted: boolean;
}

/** An incoming payload: opened by the codec (`encrypted`), or taken as clear. */
export interface ReceivedPayload {
  args: unknown[];
  kwargs: Dict;
  encrypted: boolean;
  keyId?: string;
  state?: unknown;
}

/** The payload elements of a clear message: `[args, kwargs]`, `[args]`, or none when both are empty. */
function clearElements(args: unknown[] | undefined, kwargs: Dict | undefined): unknown[] {
  const hasKwargs = isDict(kwargs) && Object.keys(kwargs).length > 0;
  return hasKwargs ? [args ?? [], kwargs] : args !== undefined && args.length > 0 ? [args] : [];
}

function clearOutgoing(args: unknown[] | undefined, kwargs: Dict | undefined): Outgoing {
  return { options: {}, elements: clearElements(args, kwargs), encrypted: false };
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

function asArgs(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asKwargs(value: unknown): Dict {
  return isDict(value) ? value : {};
}

/** A YIELD, or an ERROR answering an INVOCATION, with the codec's Options keys merged in. */
function replyMessage(
  invocationId: number,
  kind: 'yield' | 'error',
  uri: string,
  progress: boolean,
  elements: unknown[],
  codecOptions: Dict | undefined,
): unknown[] {
  const options: Dict = progress ? { progress: true } : {};
  if (codecOptions !== undefined) Object.assign(options, codecOptions);
  return kind === 'yield'
    ? [MessageType.YIELD, invocationId, options, ...elements]
    : [MessageType.ERROR, MessageType.INVOCATION, invocationId, options, uri, ...elements];
}

/** The answer to an encrypted invocation; without an encoded payload, none goes out in the clear. */
function encryptedReply(
  invocationId: number,
  kind: 'yield' | 'error',
  uri: string,
  progress: boolean,
  encoded: EncodedPayload | undefined,
): unknown[] {
  if (encoded !== undefined)
    return replyMessage(invocationId, kind, uri, progress, encoded.elements, encoded.options);
  // A result becomes an error that says why; an error keeps its URI and loses its payload.
  if (kind === 'yield')
    return [MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, WampErrors.NO_PAYLOAD_CODEC];
  return replyMessage(invocationId, kind, uri, progress, [], undefined);
}

export class PayloadPipeline {
  readonly #codec: PayloadCodec | undefined;
  /** The client's `allowClear`; a request's own setting wins over it. */
  readonly #allowClear: boolean | undefined;
  readonly #reportError: (error: unknown) => void;

  constructor(
    codec: PayloadCodec | undefined,
    allowClear: boolean | undefined,
    reportError: (error: unknown) => void,
  ) {
    this.#codec = codec;
    this.#allowClear = allowClear;
    this.#reportError = reportError;
  }

  /** The Options and payload elements of a PUBLISH or CALL. Throws (or rejects, with an async codec). */
  encodeOutgoing(
    kind: 'publish' | 'call',
    uri: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    encrypt: boolean | undefined,
    allowClear: boolean | undefined,
  ): Outgoing | Promise<Outgoing> {
    if (encrypt !== false && this.#codec !== undefined) {
      const encoded = this.#codec.encode({ kind, uri, args, kwargs });
      const allowed = clearAllowed(allowClear, this.#allowClear);
      return whenReady(encoded, (value) => encodedOutgoing(value, kind, uri, args, kwargs, encrypt, allowed));
    }
    if (encrypt === true) throw new ArgumentError('encryption was asked for but no payload codec is set');
    return clearOutgoing(args, kwargs);
  }

  /**
   * Opens an incoming payload (the elements of `message` from index `start` on) with the codec, or takes
   * it as clear; refuses clear on covered URIs. Throws (or rejects, with an async codec).
   */
  decode(
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
      return whenReady(this.#codec.decode(request), (value) => received(value, details));
    }
    if (kind !== 'error' && this.#covers(kind, uri))
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        `cleartext payload refused on ${uri}: it is configured for encryption`,
      ]);
    return { args: asArgs(message[start]), kwargs: asKwargs(message[start + 1]), encrypted: false };
  }

  /** Opens the payload of a RESULT; a clear one answering an encrypted call is a downgrade and refused. */
  decodeResult(
    call: PendingCall,
    details: Dict,
    message: WampMessage,
  ): ReceivedPayload | Promise<ReceivedPayload> {
    if (call.encrypted && !isEncodedPayload(details))
      throw new WampError(WampErrors.DECRYPT_ERROR, ['cleartext result refused for an encrypted call']);
    return this.decode('result', call.procedure, details, message, 3, call.state, call.procedure);
  }

  /**
   * Throws for an exact registration no key opens, which could only ever answer in the clear, unless
   * clear is allowed: refused at REGISTER, where a typo in the procedure shows. Patterns are decided per
   * invocation (`clearAnswerRefused`).
   */
  checkRegistration(procedure: string, options: RegisterOptions): void {
    if (
      this.#codec?.covers !== undefined &&
      (options.match === undefined || options.match === 'exact') &&
      !this.#covers('invocation', procedure) &&
      !clearAllowed(options.allowClear, this.#allowClear)
    )
      throw clearNotAllowed('register', procedure);
  }

  /**
   * The refusal of a clear call on a procedure no key covers: answering it would put the result on the
   * wire in the clear, which needs allowClear. (A clear call on a covered one is a downgrade: `decode`
   * refuses it.) `undefined` when the call may go on.
   */
  clearAnswerRefused(
    procedure: string,
    details: Dict,
    allowClear: boolean | undefined,
  ): ClearNotAllowedError | undefined {
    if (
      this.#codec !== undefined &&
      !isEncodedPayload(details) &&
      !this.#covers('invocation', procedure) &&
      !clearAllowed(allowClear, this.#allowClear)
    )
      return clearNotAllowed('answer', procedure);
    return undefined;
  }

  /**
   * The YIELD or ERROR answering an invocation: encrypted when the invocation came encrypted, and then
   * without payload when encoding fails (reported to onError). Never throws, never rejects.
   */
  reply(
    invocationId: number,
    active: ActiveInvocation,
    kind: 'yield' | 'error',
    uri: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    progress: boolean,
  ): unknown[] | Promise<unknown[]> {
    if (!active.encrypted || this.#codec === undefined)
      return replyMessage(invocationId, kind, uri, progress, clearElements(args, kwargs), undefined);
    let encoded: ReturnType<PayloadCodec['encode']>;
    try {
      encoded = this.#codec.encode({
        kind,
        uri,
        procedure: active.procedure,
        args,
        kwargs,
        state: active.state,
      });
    } catch (error) {
      this.#reportError(error);
      encoded = undefined;
    }
    return whenReady(
      encoded,
      (value) => encryptedReply(invocationId, kind, uri, progress, value),
      (error) => {
        this.#reportError(error);
        return encryptedReply(invocationId, kind, uri, progress, undefined);
      },
    );
  }

  /** Whether the codec has keys that would encrypt this URI (then cleartext there is a downgrade). */
  #covers(kind: 'event' | 'invocation' | 'result', uri: string): boolean {
    return codecCovers(this.#codec, kind, uri);
  }
}
