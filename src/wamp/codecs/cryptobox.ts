/**
 * `cryptobox`: Autobahn|Python's CryptoboxKeyring, byte for byte. Keys are X25519, set per URI prefix (the longest
 * prefix wins, then the default key). Publishers and callers ("originators") seal with
 * Box(originator_priv, responder_pub); subscribers and callees ("responders") open with
 * Box(responder_priv, originator_pub) and answer (YIELD, ERROR) with that same box. The plaintext is the
 * JSON of {uri, args, kwargs}; the receiver checks that the inner uri is the one on the envelope, so a
 * router cannot replay a ciphertext under another topic or procedure.
 *
 * Wire form: Options `enc_algo: "cryptobox"`, `enc_serializer: "json"`, `enc_key: null`, and the
 * ciphertext as a bare binary in place of the Arguments list.
 */

import { decodeBase64, encodeBase64 } from '../../encoding/base64.ts';
import { fromUtf8Strict, utf8 } from '../../encoding/bytes.ts';
import { ArgumentError, isSealwireError } from '../../errors.ts';
import { WampError } from '../errors.ts';
import { WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict } from '../protocol/messages.ts';
import { decodeJsonValue, encodeJsonValue } from '../protocol/serializer-json.ts';
import { checkInnerPayload } from './inner-payload.ts';
import { generateSecretKey, NaclBox, publicKeyOf } from './nacl-box.ts';
import type {
  DecodedPayload,
  DecodeRequest,
  EncodedPayload,
  EncodeRequest,
  PayloadCodec,
} from './payload-codec.ts';

/** A key as Autobahn writes it (base64 text) or raw bytes. */
export type KeyMaterial = string | Uint8Array;

/** The four halves Autobahn's `cryptobox.Key` takes; give what this side has. */
export interface CryptoboxKeySpec {
  originatorPriv?: KeyMaterial;
  originatorPub?: KeyMaterial;
  responderPriv?: KeyMaterial;
  responderPub?: KeyMaterial;
}

function keyBytes(value: KeyMaterial, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? decodeBase64(value) : value;
  if (bytes === undefined || bytes.length !== 32)
    throw new ArgumentError(`${what} must be a 32-byte X25519 key (base64 or bytes)`);
  return bytes;
}

/** Boxes built from one key spec, as Autobahn's `cryptobox.Key` builds them. */
export class CryptoboxKey {
  readonly originatorBox: NaclBox | undefined;
  readonly responderBox: NaclBox | undefined;

  constructor(spec: CryptoboxKeySpec | KeyMaterial) {
    // A single private key stands for both roles (Autobahn: Key(originator_priv=k, responder_priv=k)).
    const full: CryptoboxKeySpec =
      typeof spec === 'string' || spec instanceof Uint8Array
        ? { originatorPriv: spec, responderPriv: spec }
        : spec;
    const originatorPriv =
      full.originatorPriv === undefined ? undefined : keyBytes(full.originatorPriv, 'originatorPriv');
    const responderPriv =
      full.responderPriv === undefined ? undefined : keyBytes(full.responderPriv, 'responderPriv');
    const originatorPub = originatorPriv
      ? publicKeyOf(originatorPriv)
      : full.originatorPub
        ? keyBytes(full.originatorPub, 'originatorPub')
        : undefined;
    const responderPub = responderPriv
      ? publicKeyOf(responderPriv)
      : full.responderPub
        ? keyBytes(full.responderPub, 'responderPub')
        : undefined;
    this.originatorBox =
      originatorPriv && responderPub ? new NaclBox(originatorPriv, responderPub) : undefined;
    this.responderBox =
      responderPriv && originatorPub ? new NaclBox(responderPriv, originatorPub) : undefined;
    if (!this.originatorBox && !this.responderBox)
      throw new ArgumentError(
        "cryptobox key needs originator keys, responder keys, or both (a private key and the other side's public key)",
      );
  }
}

export class CryptoboxKeyring implements PayloadCodec {
  readonly name = 'cryptobox';
  readonly wireForm = 'enc' as const;
  #default: CryptoboxKey | undefined;
  readonly #byUri = new Map<string, CryptoboxKey>();

  constructor(defaultKey?: CryptoboxKeySpec | KeyMaterial) {
    if (defaultKey !== undefined) this.#default = new CryptoboxKey(defaultKey);
  }

  /** A new key pair in Autobahn's format: base64 private and public keys. */
  static generateKey(): { privateKey: string; publicKey: string } {
    const secret = generateSecretKey();
    return { privateKey: encodeBase64(secret), publicKey: encodeBase64(publicKeyOf(secret)) };
  }

  /** Keys for every URI starting with `uri` (`''` sets the default); `undefined` removes them. */
  setKey(uri: string, key: CryptoboxKeySpec | KeyMaterial | undefined): this {
    if (uri === '') this.#default = key === undefined ? undefined : new CryptoboxKey(key);
    else if (key === undefined) this.#byUri.delete(uri);
    else this.#byUri.set(uri, new CryptoboxKey(key));
    return this;
  }

  #key(uri: string): CryptoboxKey | undefined {
    let best: string | undefined;
    for (const prefix of this.#byUri.keys()) {
      if (uri.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? this.#default : this.#byUri.get(best);
  }

  covers(kind: 'event' | 'invocation' | 'result', uri: string): boolean {
    const key = this.#key(uri);
    return (kind === 'result' ? key?.originatorBox : key?.responderBox) !== undefined;
  }

  encode(request: EncodeRequest): EncodedPayload | undefined {
    const originating = request.kind === 'publish' || request.kind === 'call';
    const key = this.#key(request.uri);
    const box = originating ? key?.originatorBox : key?.responderBox;
    if (box === undefined) return undefined;
    const plaintext = utf8(
      encodeJsonValue({ uri: request.uri, args: request.args ?? null, kwargs: request.kwargs ?? null }),
    );
    return {
      options: { enc_algo: 'cryptobox', enc_serializer: 'json', enc_key: null },
      elements: [box.seal(plaintext)],
    };
  }

  decode(request: DecodeRequest): DecodedPayload | undefined {
    if (request.details.enc_algo !== 'cryptobox') return undefined;
    const originating = request.kind === 'result' || request.kind === 'error';
    const ciphertext = request.elements[0];
    if (
      request.details.enc_serializer !== 'json' ||
      !(ciphertext instanceof Uint8Array) ||
      request.elements.length !== 1
    )
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        'cryptobox payload is not a single binary with enc_serializer json',
      ]);
    const key = this.#key(request.uri);
    const box = originating ? key?.originatorBox : key?.responderBox;
    if (box === undefined)
      throw new WampError(WampErrors.DECRYPT_ERROR, [`no cryptobox key for ${request.uri}`]);
    let decoded: unknown;
    try {
      decoded = decodeJsonValue(fromUtf8Strict(box.open(ciphertext)));
    } catch (error) {
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        isSealwireError(error) ? error.message : 'cryptobox payload did not decrypt',
      ]);
    }
    const inner = checkInnerPayload(decoded, request.uri, 'cryptobox');
    const args = inner.args;
    const kwargs = inner.kwargs;
    if (
      (args !== null && args !== undefined && !Array.isArray(args)) ||
      (kwargs !== null && kwargs !== undefined && !isDict(kwargs))
    )
      throw new WampError(WampErrors.DECRYPT_ERROR, [
        'cryptobox plaintext has args/kwargs of the wrong type',
      ]);
    return {
      args: (args ?? undefined) as unknown[] | undefined,
      kwargs: (kwargs ?? undefined) as Dict | undefined,
    };
  }
}
