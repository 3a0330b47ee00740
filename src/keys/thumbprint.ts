/** RFC 7638 JWK thumbprints: Sealwire's key ids. */
import { calculateJwkThumbprint } from 'jose';
import { KeyInvalidError } from '../errors.ts';
import type { PrivateJwk, PublicJwk } from './types.ts';

const cache = new WeakMap<object, string>();

/** base64url SHA-256 thumbprint over the required public members (the same for a key's two halves). */
export async function thumbprint(jwk: PublicJwk | PrivateJwk): Promise<string> {
  let value = cache.get(jwk);
  if (value === undefined) {
    try {
      value = await calculateJwkThumbprint(jwk, 'sha256');
    } catch (cause) {
      throw new KeyInvalidError(`cannot compute a thumbprint: ${(cause as Error).message}`, {
        cause,
      });
    }
    cache.set(jwk, value);
  }
  return value;
}

/** The names a key answers to in a `kid` header: its own `kid` if it has one, and its thumbprint. */
export async function keyIds(jwk: PublicJwk | PrivateJwk): Promise<string[]> {
  const print = await thumbprint(jwk);
  return jwk.kid !== undefined && jwk.kid !== print ? [jwk.kid, print] : [print];
}
