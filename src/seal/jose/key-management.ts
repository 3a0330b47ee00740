/**
 * Native JWE key management (RFC 7518 §4.3, §4.6): RSA-OAEP(-256), ECDH-ES and ECDH-ES+AxxxKW over
 * X25519 and P-256. These are the algorithms Sealwire seals with, so they run on node:crypto / WebCrypto
 * directly: jose's WebCrypto path costs about 1 ms per X25519 operation here, node:crypto about 0.1 ms.
 */
import { runtime } from '#runtime';
import { decodeBase64url } from '../../encoding/base64url.ts';
import {
  DecryptionFailedError,
  ErrorCodes,
  InvalidEpkError,
  KeyError,
  KeyMismatchError,
  MalformedError,
} from '../../errors.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes, EcdhCurve } from '../../runtime/types.ts';
import { CONTENT_KEY_BYTES, type ContentEncryptionAlgorithm } from './algorithms.ts';
import { concatKdf } from './concat-kdf.ts';
import type { JweHeader } from './types.ts';

export type NativeKeyManagement =
  | 'RSA-OAEP-256'
  | 'RSA-OAEP'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW';

const KW_BYTES: Record<string, number> = { 'ECDH-ES+A128KW': 16, 'ECDH-ES+A192KW': 24, 'ECDH-ES+A256KW': 32 };

function curveOf(jwk: PublicJwk | PrivateJwk): EcdhCurve {
  if (jwk.kty === 'OKP' && jwk.crv === 'X25519') return 'X25519';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'P-256';
  throw new KeyMismatchError('ECDH-ES needs an X25519 or P-256 key');
}

function optionalB64(value: unknown, what: string): Bytes {
  return value === undefined ? new Uint8Array(0) : decodeBase64url(value, what);
}

/** The sender's ephemeral public key from the header, reduced to the members that define it. */
function epkOf(header: JweHeader, expected: EcdhCurve): PublicJwk {
  const epk = header.epk as Record<string, unknown>;
  const kty = expected === 'X25519' ? 'OKP' : 'EC';
  if (epk.kty !== kty || epk.crv !== expected) {
    throw new KeyMismatchError(`JWE "epk" is not a ${expected} key like the recipient's`);
  }
  if (typeof epk.x !== 'string' || (kty === 'EC' && typeof epk.y !== 'string')) {
    throw new MalformedError('JWE "epk" is missing its coordinates');
  }
  return (
    kty === 'EC' ? { kty, crv: expected, x: epk.x, y: epk.y } : { kty, crv: expected, x: epk.x }
  ) as PublicJwk;
}

/**
 * Z = ECDH(our private key, the sender's `epk`). When that fails and our own key is sound, the fault is the
 * epk's: an off-curve or out-of-range P-256 point (an invalid-curve attack probes the private key through
 * exactly these) or a small-order X25519 point, whose Z is all zero and known to anyone (RFC 7748 §6.1).
 * Both get one typed error, `ERR_JWE_INVALID_EPK`, never the crypto library's own text.
 */
export async function agreeWithEpk(key: PrivateJwk, header: JweHeader): Promise<Bytes> {
  const curve = curveOf(key);
  const epk = epkOf(header, curve);
  try {
    return await runtime.ecdh(key, epk);
  } catch (error) {
    if (!(error instanceof KeyError) || error.code !== ErrorCodes.KEY_INVALID) throw error;
    // A broken private JWK fails here too: then the error about it stands.
    const ownKeySound = await runtime.validateJwk(key, true).then(
      () => true,
      () => false,
    );
    if (!ownKeySound) throw error;
    throw new InvalidEpkError(
      `JWE "epk" is not a valid ${curve} public key (off the curve, out of range or of small order); the message is refused`,
      { cause: error },
    );
  }
}

export interface WrapResult {
  cek: Bytes;
  encryptedKey: Bytes;
  /** Per-recipient header members produced by key management (`epk`). */
  header: JweHeader;
}

/**
 * Produces the recipient's encrypted key for `cek`, or for ECDH-ES direct derives the CEK itself
 * (then `cek` must be undefined and only one recipient is possible).
 */
export async function wrapKey(
  alg: NativeKeyManagement,
  enc: ContentEncryptionAlgorithm,
  recipient: PublicJwk,
  cek: Bytes | undefined,
): Promise<WrapResult> {
  if (alg === 'RSA-OAEP-256' || alg === 'RSA-OAEP') {
    if (cek === undefined) throw new KeyMismatchError(`${alg} needs a content key`);
    const encryptedKey = await runtime.rsaOaepEncrypt(
      recipient,
      alg === 'RSA-OAEP-256' ? 'SHA-256' : 'SHA-1',
      cek,
    );
    return { cek, encryptedKey, header: {} };
  }
  const curve = curveOf(recipient);
  const ephemeral = await runtime.generateEphemeral(curve);
  const z = await runtime.ecdh(ephemeral.privateJwk, recipient);
  const epk = { ...ephemeral.publicJwk };
  if (alg === 'ECDH-ES') {
    if (cek !== undefined)
      throw new KeyMismatchError('ECDH-ES derives the content key; it serves one recipient only');
    const derived = await concatKdf(z, enc, CONTENT_KEY_BYTES[enc], new Uint8Array(0), new Uint8Array(0));
    return { cek: derived, encryptedKey: new Uint8Array(0), header: { epk } };
  }
  if (cek === undefined) throw new KeyMismatchError(`${alg} needs a content key`);
  const kek = await concatKdf(z, alg, KW_BYTES[alg]!, new Uint8Array(0), new Uint8Array(0));
  return { cek, encryptedKey: await runtime.aesKeyWrap(kek, cek), header: { epk } };
}

/**
 * Recovers the CEK for one recipient slot. Throws `DecryptionError` when the slot is not ours or was
 * modified, `KeyError` when the key cannot serve this algorithm.
 */
export async function unwrapKey(
  alg: NativeKeyManagement,
  enc: ContentEncryptionAlgorithm,
  header: JweHeader,
  encryptedKey: Bytes,
  key: PrivateJwk,
): Promise<Bytes> {
  const cekBytes = CONTENT_KEY_BYTES[enc];
  if (alg === 'RSA-OAEP-256' || alg === 'RSA-OAEP') {
    if (key.kty !== 'RSA') throw new KeyMismatchError(`${alg} needs an RSA key`);
    const cek = await runtime.rsaOaepDecrypt(key, alg === 'RSA-OAEP-256' ? 'SHA-256' : 'SHA-1', encryptedKey);
    if (cek.length !== cekBytes) throw new DecryptionFailedError();
    return cek;
  }
  const z = await agreeWithEpk(key, header);
  const apu = optionalB64(header.apu, 'JWE "apu"');
  const apv = optionalB64(header.apv, 'JWE "apv"');
  if (alg === 'ECDH-ES') {
    if (encryptedKey.length !== 0)
      throw new MalformedError('ECDH-ES direct key agreement takes an empty encrypted key');
    return concatKdf(z, enc, cekBytes, apu, apv);
  }
  const kek = await concatKdf(z, alg, KW_BYTES[alg]!, apu, apv);
  const cek = await runtime.aesKeyUnwrap(kek, encryptedKey);
  if (cek.length !== cekBytes) throw new DecryptionFailedError();
  return cek;
}
