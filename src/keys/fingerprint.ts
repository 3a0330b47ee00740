/** SHA-256 fingerprints of public keys, in the form OpenSSL prints. */
import { runtime } from '#runtime';
import { colonHex } from '../encoding/hex.ts';
import { publicJwkOf } from './kind.ts';
import type { PrivateJwk, PublicJwk } from './types.ts';

/**
 * SHA-256 over the DER SubjectPublicKeyInfo, as upper-case colon hex: the same value as
 * `openssl pkey -pubin -outform DER | openssl dgst -sha256 -c` (upper-cased).
 */
export async function fingerprint(jwk: PublicJwk | PrivateJwk): Promise<string> {
  const der = await runtime.spkiDer(publicJwkOf(jwk));
  return colonHex(await runtime.sha256(der));
}
