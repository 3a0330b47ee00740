/**
 * age keys as strings: X25519 identities (`AGE-SECRET-KEY-1...`) and recipients (`age1...`), hybrid
 * ML-KEM-768 + X25519 identities (`AGE-SECRET-KEY-PQ-1...`) and recipients (`age1pq1...`), and the
 * line-based identity and recipient files the reference tool reads.
 */
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { runtime } from '#runtime';
import { KeyInvalidError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { decodeBech32, encodeBech32 } from './bech32.ts';

export const X25519_RECIPIENT_PREFIX = 'age';
export const X25519_IDENTITY_PREFIX = 'AGE-SECRET-KEY-';
export const HYBRID_RECIPIENT_PREFIX = 'age1pq';
export const HYBRID_IDENTITY_PREFIX = 'AGE-SECRET-KEY-PQ-';

const HYBRID_PUBLIC_KEY_SIZE = 1216;

export type RecipientKey =
  | { type: 'X25519'; publicKey: Bytes }
  | { type: 'mlkem768x25519'; publicKey: Bytes };

export type IdentityKey =
  | { type: 'X25519'; secretKey: Bytes; publicKey: Bytes }
  | { type: 'mlkem768x25519'; seed: Bytes };

/** A new X25519 identity, `AGE-SECRET-KEY-1...` (32 random bytes, as age-keygen makes them). */
export async function generateIdentity(): Promise<string> {
  return encodeBech32(X25519_IDENTITY_PREFIX, runtime.randomBytes(32));
}

/** A new post-quantum hybrid identity (ML-KEM-768 + X25519, X-Wing), `AGE-SECRET-KEY-PQ-1...`. */
export async function generateHybridIdentity(): Promise<string> {
  return encodeBech32(HYBRID_IDENTITY_PREFIX, runtime.randomBytes(32));
}

/** The recipient (`age1...` or `age1pq1...`) that encrypts to an identity. */
export async function identityToRecipient(identity: string): Promise<string> {
  const key = await parseIdentityKey(identity);
  if (key.type === 'X25519') return encodeBech32(X25519_RECIPIENT_PREFIX, key.publicKey);
  return encodeBech32(HYBRID_RECIPIENT_PREFIX, ml_kem768_x25519.getPublicKey(key.seed));
}

/** Parses an `age1...` or `age1pq1...` recipient; `KeyError` for anything else. */
export function parseRecipientKey(recipient: string): RecipientKey {
  const text = recipient.trim();
  if (text.startsWith(`${HYBRID_RECIPIENT_PREFIX}1`)) {
    const publicKey = decodeBech32(text, HYBRID_RECIPIENT_PREFIX, false);
    if (publicKey?.length === HYBRID_PUBLIC_KEY_SIZE) return { type: 'mlkem768x25519', publicKey };
  } else if (text.startsWith(`${X25519_RECIPIENT_PREFIX}1`)) {
    const publicKey = decodeBech32(text, X25519_RECIPIENT_PREFIX, false);
    if (publicKey?.length === 32) return { type: 'X25519', publicKey };
  }
  throw new KeyInvalidError(
    `not a valid age recipient: ${JSON.stringify(text.slice(0, 24))}... (expected age1... or age1pq1..., as printed by keygen)`,
  );
}

/** Parses an `AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...` identity; the error never quotes the secret. */
export async function parseIdentityKey(identity: string): Promise<IdentityKey> {
  const text = identity.trim();
  if (text.startsWith(`${HYBRID_IDENTITY_PREFIX}1`)) {
    const seed = decodeBech32(text, HYBRID_IDENTITY_PREFIX, true);
    if (seed?.length === 32) return { type: 'mlkem768x25519', seed };
  } else if (text.startsWith(`${X25519_IDENTITY_PREFIX}1`)) {
    const secretKey = decodeBech32(text, X25519_IDENTITY_PREFIX, true);
    if (secretKey?.length === 32)
      return { type: 'X25519', secretKey, publicKey: await runtime.x25519(secretKey) };
  }
  throw new KeyInvalidError(
    'not a valid age identity (expected AGE-SECRET-KEY-1... or AGE-SECRET-KEY-PQ-1..., as written by keygen)',
  );
}

/**
 * The lines of an age identity or recipients file: one key per line, `#` comments and blank lines
 * ignored (the reference tool's format).
 */
export function keyFileLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}
