/** Reading keys from JWK (RFC 7517) and PEM (SPKI / PKCS#8), and writing them back. */
import { runtime } from '#runtime';
import { isJsonObject } from '../encoding/json.ts';
import { KeyInvalidError } from '../errors.ts';
import { isPrivateJwk, keyKindOf, publicJwkOf } from './kind.ts';
import type { PrivateJwk, PublicJwk } from './types.ts';

const STRING_MEMBERS = [
  'kty',
  'crv',
  'x',
  'y',
  'n',
  'e',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'kid',
  'use',
  'alg',
];

/**
 * Checks and returns a JWK: a supported key type, members of the right types, a valid key (point on the
 * curve, consistent RSA parameters, private part matching the public part). The result is a fresh
 * object; unknown members are dropped.
 */
export async function importJwk(value: unknown): Promise<PublicJwk | PrivateJwk> {
  if (!isJsonObject(value)) throw new KeyInvalidError('a JWK must be a JSON object');
  const jwk: Record<string, unknown> = {};
  for (const name of STRING_MEMBERS) {
    const member = value[name];
    if (member === undefined) continue;
    if (typeof member !== 'string') throw new KeyInvalidError(`JWK member "${name}" must be a string`);
    jwk[name] = member;
  }
  if (jwk.use !== undefined && jwk.use !== 'enc' && jwk.use !== 'sig') {
    throw new KeyInvalidError(`JWK "use" must be "enc" or "sig", got ${JSON.stringify(jwk.use)}`);
  }
  const typed = jwk as unknown as PublicJwk | PrivateJwk;
  keyKindOf(typed);
  const required = typed.kty === 'RSA' ? ['n', 'e'] : typed.kty === 'EC' ? ['x', 'y'] : ['x'];
  for (const name of required) {
    if (jwk[name] === undefined) throw new KeyInvalidError(`JWK is missing "${name}"`);
  }
  if (typed.kty === 'RSA' && isPrivateJwk(typed)) {
    for (const name of ['p', 'q', 'dp', 'dq', 'qi']) {
      if (jwk[name] === undefined) throw new KeyInvalidError(`RSA private JWK is missing "${name}"`);
    }
  }
  await runtime.validateJwk(typed, isPrivateJwk(typed));
  return typed;
}

/** Reads a PEM SPKI public key or unencrypted PKCS#8 private key. */
export async function importPem(pem: string): Promise<PublicJwk | PrivateJwk> {
  if (/ENCRYPTED PRIVATE KEY/.test(pem)) {
    throw new KeyInvalidError(
      'encrypted PKCS#8 is not supported; use a Sealwire password-protected key file',
    );
  }
  return importJwk(await runtime.pemToJwk(pem));
}

/** Reads a key from text: JWK JSON or PEM, detected from the content. */
export async function importKey(text: string): Promise<PublicJwk | PrivateJwk> {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return importPem(trimmed);
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new KeyInvalidError('the key is not valid JSON');
    }
    return importJwk(value);
  }
  throw new KeyInvalidError('unrecognised key format: expected a JWK (JSON) or a PEM block');
}

/** PEM: SPKI for public keys; PKCS#8 (unencrypted) for private keys unless `type` says otherwise. */
export async function exportPem(jwk: PublicJwk | PrivateJwk, type?: 'spki' | 'pkcs8'): Promise<string> {
  const chosen = type ?? (isPrivateJwk(jwk) ? 'pkcs8' : 'spki');
  if (chosen === 'pkcs8' && !isPrivateJwk(jwk)) throw new KeyInvalidError('PKCS#8 needs a private key');
  return runtime.jwkToPem(chosen === 'spki' ? publicJwkOf(jwk) : jwk, chosen);
}
