/**
 * `jose` payload codec: JWE (RFC 7516) payloads in the spec's Payload PassThru Mode, scheme
 * `x_sealwire_jose`.
 *
 * - PUBLISH: the event is sealed once, as a multi-recipient General JWE, for every subscriber key of the
 *   topic's key set; each subscriber opens it with its own private key (what autobahn-python#1586 asks for).
 * - CALL: sealed for the callees' keys, carrying a fresh ephemeral public key of the caller inside the
 *   ciphertext; the callee seals the RESULT (or ERROR) for that key alone (the Pixie pattern). The router
 *   can neither read the result nor substitute the reply key, and one call's result opens for no other.
 * - Inside every ciphertext sits the URI it was sent for; a receiver refuses it under any other URI.
 * - Optional sender signatures (nested JWS) with `signWith` / `senders`.
 *
 * Composition: `wamp` may not import its sibling capability `seal`, so the JWE functions are handed in:
 * `createJoseCodec({ seal, open }, options)` with `seal`/`open` from `sealwire/seal`. The wire format,
 * key selection and checks live here; the JOSE cryptography stays in one place.
 */
import { fromUtf8Strict, utf8 } from '../../encoding/bytes.ts';
import { ArgumentError, isSealwireError } from '../../errors.ts';
import { generateKeyPair } from '../../keys/generate.ts';
import { isPrivateJwk, publicJwkOf } from '../../keys/kind.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import { WampError } from '../errors.ts';
import { WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict } from '../protocol/messages.ts';
import { decodeJsonValue, encodeJsonValue } from '../protocol/serializer-json.ts';
import { checkInnerPayload } from './inner-payload.ts';
import type {
  DecodedPayload,
  DecodeRequest,
  EncodedPayload,
  EncodeRequest,
  PayloadCodec,
} from './payload-codec.ts';

export const JOSE_PPT_SCHEME = 'x_sealwire_jose';

/** The subset of `sealwire/seal` the codec uses (pass `{ seal, open }` from there). */
export interface JoseFunctions {
  seal(
    payload: Uint8Array,
    recipients: PublicJwk | readonly PublicJwk[],
    options: { serialization: 'json'; sign?: PrivateJwk; contentType?: string },
  ): Promise<unknown>;
  open(
    sealed: never,
    key: PrivateJwk | readonly PrivateJwk[],
    options?: { from?: PublicJwk | readonly PublicJwk[]; maxPlaintextBytes?: number },
  ): Promise<{ plaintext: Uint8Array; recipientKid?: string }>;
}

export interface JoseKeySet {
  /** URI prefix covered (longest prefix wins; `''` covers everything). */
  prefix: string;
  /** Readers of what this side sends: subscribers' keys for topics, callees' keys for procedures. */
  recipients?: PublicJwk[];
  /** This side's private keys, to open events and invocations on these URIs. */
  privateKeys?: PrivateJwk[];
  /** Sign outgoing payloads (nested JWS) with this Ed25519/ES256 key. */
  signWith?: PrivateJwk;
  /** Require incoming payloads to be signed by one of these keys. */
  senders?: PublicJwk[];
  /** `ppt_keyid` announced with payloads of this set; default the prefix. */
  keyId?: string;
}

export interface JoseCodecOptions {
  keySets: JoseKeySet[];
  /** Largest plaintext accepted; default 16 MiB. */
  maxPlaintextBytes?: number;
}

function isPublicJwk(value: unknown): value is PublicJwk {
  if (!isDict(value) || typeof value.kty !== 'string') return false;
  return !isPrivateJwk(value as unknown as PublicJwk);
}

class JoseCodec implements PayloadCodec {
  readonly name = 'jose';
  readonly wireForm = 'ppt' as const;
  readonly #jose: JoseFunctions;
  readonly #sets: JoseKeySet[];
  readonly #maxPlaintextBytes: number;

  constructor(jose: JoseFunctions, options: JoseCodecOptions) {
    if (typeof jose?.seal !== 'function' || typeof jose?.open !== 'function')
      throw new ArgumentError('createJoseCodec needs { seal, open } from sealwire/seal');
    this.#jose = jose;
    this.#sets = [...options.keySets].sort((a, b) => b.prefix.length - a.prefix.length);
    this.#maxPlaintextBytes = options.maxPlaintextBytes ?? 16 * 1024 * 1024;
  }

  #set(uri: string): JoseKeySet | undefined {
    return this.#sets.find((set) => uri.startsWith(set.prefix));
  }

  covers(kind: 'event' | 'invocation' | 'result', uri: string): boolean {
    const set = this.#set(uri);
    if (set === undefined) return false;
    return kind === 'result' ? (set.recipients?.length ?? 0) > 0 : (set.privateKeys?.length ?? 0) > 0;
  }

  async #seal(
    set: JoseKeySet,
    plaintext: Dict,
    recipients: readonly PublicJwk[],
  ): Promise<EncodedPayload['elements']> {
    const options: { serialization: 'json'; sign?: PrivateJwk; contentType: string } = {
      serialization: 'json',
      contentType: 'application/json',
    };
    if (set.signWith !== undefined) options.sign = set.signWith;
    const sealed = await this.#jose.seal(utf8(encodeJsonValue(plaintext)), recipients, options);
    // PPT: exactly one binary in Arguments; the router forwards it without looking inside.
    return [[utf8(JSON.stringify(sealed))]];
  }

  #options(set: JoseKeySet): Dict {
    return { ppt_scheme: JOSE_PPT_SCHEME, ppt_serializer: 'json', ppt_keyid: set.keyId ?? set.prefix };
  }

  async encode(request: EncodeRequest): Promise<EncodedPayload | undefined> {
    const base = { uri: request.uri, args: request.args ?? [], kwargs: request.kwargs ?? {} };
    if (request.kind === 'yield' || request.kind === 'error') {
      // Answers go to the caller's ephemeral key from the invocation, whatever the URI.
      const reply = request.state;
      if (!isPublicJwk(reply)) return undefined;
      const set = this.#set(request.procedure ?? request.uri) ?? { prefix: '' };
      return { options: this.#options(set), elements: await this.#seal(set, base, [reply]) };
    }
    const set = this.#set(request.uri);
    if (set === undefined || set.recipients === undefined || set.recipients.length === 0) return undefined;
    if (request.kind === 'publish')
      return { options: this.#options(set), elements: await this.#seal(set, base, set.recipients) };
    const ephemeral = await generateKeyPair('X25519');
    return {
      options: this.#options(set),
      elements: await this.#seal(set, { ...base, reply: publicJwkOf(ephemeral.publicJwk) }, set.recipients),
      state: ephemeral.privateJwk,
    };
  }

  async decode(request: DecodeRequest): Promise<DecodedPayload | undefined> {
    if (request.details.ppt_scheme !== JOSE_PPT_SCHEME) return undefined;
    const element = Array.isArray(request.elements[0]) ? (request.elements[0] as unknown[])[0] : undefined;
    if (!(element instanceof Uint8Array) || request.details.ppt_serializer !== 'json')
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        'JOSE payload must be one binary element with ppt_serializer json',
      ]);
    const answer = request.kind === 'result' || request.kind === 'error';
    const set = this.#set(answer ? (request.procedure ?? request.uri) : request.uri);
    let keys: readonly PrivateJwk[] | undefined;
    if (answer) keys = isDict(request.state) ? [request.state as unknown as PrivateJwk] : undefined;
    else keys = set?.privateKeys;
    if (keys === undefined || keys.length === 0)
      throw new WampError(WampErrors.DECRYPT_ERROR, [`no JOSE key to open ${request.uri}`]);
    let decoded: unknown;
    let recipientKid: string | undefined;
    try {
      const sealed = JSON.parse(fromUtf8Strict(element)) as never;
      const options: { from?: readonly PublicJwk[]; maxPlaintextBytes: number } = {
        maxPlaintextBytes: this.#maxPlaintextBytes,
      };
      if (set?.senders !== undefined && set.senders.length > 0) options.from = set.senders;
      const opened = await this.#jose.open(sealed, keys, options);
      recipientKid = opened.recipientKid;
      decoded = decodeJsonValue(fromUtf8Strict(opened.plaintext));
    } catch (error) {
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        isSealwireError(error) ? error.message : 'JOSE payload did not open',
      ]);
    }
    const inner = checkInnerPayload(decoded, request.uri, 'JOSE');
    if (!Array.isArray(inner.args) || !isDict(inner.kwargs))
      throw new WampError(WampErrors.DECRYPT_ERROR, ['JOSE plaintext has args/kwargs of the wrong type']);
    const out: DecodedPayload = { args: inner.args, kwargs: inner.kwargs };
    if (recipientKid !== undefined) out.keyId = recipientKid;
    else if (typeof request.details.ppt_keyid === 'string') out.keyId = request.details.ppt_keyid;
    if (request.kind === 'invocation') {
      if (!isPublicJwk(inner.reply))
        throw new WampError(WampErrors.DECRYPT_ERROR, ['JOSE call carries no valid reply key']);
      out.state = inner.reply;
    }
    return out;
  }
}

/** A JOSE payload codec; pass `{ seal, open }` from `sealwire/seal`. */
export function createJoseCodec(jose: JoseFunctions, options: JoseCodecOptions): PayloadCodec {
  return new JoseCodec(jose, options);
}
