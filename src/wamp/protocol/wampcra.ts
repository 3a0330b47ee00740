/**
 * WAMP-CRA signatures, shared by the router (verifying) and the client (signing):
 * base64(HMAC-SHA256(key, challenge)), where key is the secret, or with a salt the base64 text of
 * PBKDF2-SHA256(secret, salt, iterations, keylen) — the derivation Autobahn's `auth.derive_key` uses.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeBase64 } from '../../encoding/base64.ts';
import { utf8 } from '../../encoding/bytes.ts';

/** Cap on PBKDF2 iterations a challenge (or a config) may ask for: the client's CPU is not the router's to spend. */
export const MAX_CRA_ITERATIONS = 1_000_000;
export const MAX_CRA_KEYLEN = 64;

export interface CraSecret {
  secret: string;
  salt?: string;
  iterations?: number;
  keylen?: number;
}

export function craKey(user: CraSecret): Uint8Array {
  if (user.salt === undefined) return utf8(user.secret);
  const iterations = Math.min(user.iterations ?? 1000, MAX_CRA_ITERATIONS);
  const keylen = Math.min(user.keylen ?? 32, MAX_CRA_KEYLEN);
  const derived = pbkdf2(sha256, utf8(user.secret), utf8(user.salt), { c: iterations, dkLen: keylen });
  return utf8(encodeBase64(derived));
}

export function craSignatureBytes(key: Uint8Array, challenge: string): Uint8Array {
  return hmac(sha256, key, utf8(challenge));
}

export function craSignature(key: Uint8Array, challenge: string): string {
  return encodeBase64(craSignatureBytes(key, challenge));
}
