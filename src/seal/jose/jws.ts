/**
 * Nested signatures (sign-then-encrypt, RFC 7516 §A.6 / RFC 7519 §5.2): a compact JWS made by Ed25519 or
 * ES256 becomes the JWE plaintext, marked `cty: "JOSE"` (or `"JWT"` when a JWT producer made it).
 * Native on the same runtime as the rest, with Buffer base64url for large payloads.
 */
import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../../encoding/base64url.ts';
import { fromUtf8, toBytes, utf8 } from '../../encoding/bytes.ts';
import { parseJsonObject } from '../../encoding/json.ts';
import {
  KeyInvalidError,
  KeyMismatchError,
  MalformedError,
  SignatureInvalidError,
  SignatureMissingError,
} from '../../errors.ts';
import { isPrivateJwk, keyKindOf, publicJwkOf } from '../../keys/kind.ts';
import { keyIds, thumbprint } from '../../keys/thumbprint.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes, SignatureAlg } from '../../runtime/types.ts';
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from './algorithms.ts';
import type { Signer } from './types.ts';

const MAX_JWS_HEADER = 4096;

/**
 * The JWS algorithm a key signs with. A JWK that says it is for encryption (`use: "enc"`) or names another
 * algorithm is not a signing key, whatever its curve: honouring `use`/`alg` stops cross-protocol reuse.
 */
function signatureAlgOf(jwk: PublicJwk | PrivateJwk): SignatureAlgorithm {
  if (jwk.use === 'enc')
    throw new KeyMismatchError('this key is marked for encryption ("use": "enc"), not signing');
  if (
    jwk.kty === 'OKP' &&
    jwk.crv === 'Ed25519' &&
    (jwk.alg === undefined || jwk.alg === 'EdDSA' || jwk.alg === 'Ed25519')
  ) {
    return 'EdDSA';
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && (jwk.alg === undefined || jwk.alg === 'ES256'))
    return 'ES256';
  throw new KeyMismatchError(`signing needs an Ed25519 or ES256 key, not ${keyKindOf(jwk)}`);
}

function runtimeAlg(alg: SignatureAlgorithm): SignatureAlg {
  return alg === 'ES256' ? 'ES256' : 'EdDSA';
}

/** Compact JWS (RFC 7515) over `payload` by an Ed25519 or ES256 private key, with its thumbprint as `kid`. */
export async function sign(payload: Bytes | string, key: PrivateJwk): Promise<string> {
  if (!isPrivateJwk(key))
    throw new KeyInvalidError('signing needs a private key, but a public key was given');
  const alg = signatureAlgOf(key);
  const header = encodeBase64url(utf8(JSON.stringify({ alg, kid: await thumbprint(key) })));
  const signingInput = `${header}.${encodeBase64url(toBytes(payload))}`;
  const signature = await runtime.sign(runtimeAlg(alg), key, utf8(signingInput));
  return `${signingInput}.${encodeBase64url(signature)}`;
}

/** A JWE `cty` that announces a nested JWS/JWT (media types compare case-insensitively, `application/` optional). */
export function isNestedContentType(cty: unknown): boolean {
  if (typeof cty !== 'string') return false;
  const type = cty.toLowerCase().replace(/^application\//, '');
  return type === 'jose' || type === 'jwt';
}

/**
 * Verifies a compact JWS against the expected signers and returns its payload. The `kid` header picks the
 * key when present; otherwise each expected key is tried (the caller chose them, so no cap is needed).
 */
export async function verify(
  jws: Bytes | string,
  from: PublicJwk | readonly PublicJwk[],
): Promise<{ payload: Bytes; signer: Signer }> {
  const expected = Array.isArray(from) ? (from as readonly PublicJwk[]) : [from as PublicJwk];
  const text = typeof jws === 'string' ? jws.trim() : fromUtf8(jws);
  const parts = text.split('.');
  if (parts.length !== 3) {
    throw new SignatureMissingError('the content is not a compact JWS, but a signed message was required');
  }
  const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
  if (headerB64.length > MAX_JWS_HEADER) throw new MalformedError('JWS header is over the 4096-byte limit');
  const header = parseJsonObject(fromUtf8(decodeBase64url(headerB64, 'JWS header')), 'JWS header');
  const alg = header.alg;
  if (typeof alg !== 'string' || !SIGNATURE_ALGORITHMS.includes(alg as SignatureAlgorithm)) {
    throw new SignatureInvalidError(
      `JWS "alg" ${JSON.stringify(alg)} is not allowed (EdDSA, Ed25519, ES256)`,
    );
  }
  if (header.crit !== undefined || header.b64 !== undefined) {
    throw new SignatureInvalidError('JWS "crit"/"b64" extensions are refused');
  }
  const signature = decodeBase64url(signatureB64, 'JWS signature');
  const signingInput = utf8(`${headerB64}.${payloadB64}`);
  const wanted = alg === 'ES256' ? 'ES256' : 'EdDSA';
  let candidates: PublicJwk[] = expected.filter((jwk) => {
    try {
      return signatureAlgOf(jwk) === wanted;
    } catch {
      return false;
    }
  });
  if (typeof header.kid === 'string') {
    const named: PublicJwk[] = [];
    for (const jwk of candidates) if ((await keyIds(jwk)).includes(header.kid)) named.push(jwk);
    candidates = named;
  }
  for (const jwk of candidates) {
    if (
      await runtime.verify(runtimeAlg(alg as SignatureAlgorithm), publicJwkOf(jwk), signingInput, signature)
    ) {
      return {
        payload: decodeBase64url(payloadB64, 'JWS payload'),
        signer: {
          alg: alg as SignatureAlgorithm,
          kid: jwk.kid ?? (await thumbprint(jwk)),
          publicJwk: jwk,
          header,
        },
      };
    }
  }
  throw new SignatureInvalidError(
    candidates.length === 0
      ? `the content is signed by a key that is not among the expected senders (kid ${JSON.stringify(header.kid ?? null)})`
      : 'the signature does not verify: the content or its signature was changed, or the signer is not the expected one',
  );
}
