/**
 * One key, two encodings: a Sealwire X25519 JWK (RFC 8037, `x` and `d` are the raw 32-byte RFC 7748 keys)
 * and an age recipient/identity (the same 32 bytes in bech32). Converting never changes the key, so a
 * key pair made by `sealwire/keys` can receive age files and an age-keygen key can be used as a JWK.
 */
import { runtime } from '#runtime';
import { encodeBase64url, tryDecodeBase64url } from '../../encoding/base64url.ts';
import { KeyInvalidError, KeyMismatchError } from '../../errors.ts';
import { thumbprint } from '../../keys/thumbprint.ts';
import type { OkpPrivateJwk, OkpPublicJwk, PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import { encodeBech32 } from './bech32.ts';
import {
  parseIdentityKey,
  parseRecipientKey,
  X25519_IDENTITY_PREFIX,
  X25519_RECIPIENT_PREFIX,
} from './keys.ts';

function x25519Member(jwk: PublicJwk | PrivateJwk, member: 'x' | 'd'): Bytes {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'X25519')
    throw new KeyMismatchError(
      `age keys are X25519; this JWK is ${jwk.kty === 'OKP' ? jwk.crv : jwk.kty} (generate an X25519 key)`,
    );
  const value = (jwk as unknown as Record<string, unknown>)[member];
  const bytes = typeof value === 'string' ? tryDecodeBase64url(value) : undefined;
  if (bytes?.length !== 32)
    throw new KeyInvalidError(
      member === 'd'
        ? 'an X25519 private JWK with a 32-byte "d" is needed'
        : 'the X25519 JWK has no valid 32-byte "x"',
    );
  return bytes;
}

/** `age1...` for a Sealwire X25519 public (or private) JWK. */
export function recipientFromJwk(jwk: PublicJwk | PrivateJwk): string {
  return encodeBech32(X25519_RECIPIENT_PREFIX, x25519Member(jwk, 'x'));
}

/** The X25519 public JWK (with its RFC 7638 thumbprint as `kid`) of an `age1...` recipient. */
export async function recipientToJwk(recipient: string): Promise<OkpPublicJwk> {
  const key = parseRecipientKey(recipient);
  if (key.type !== 'X25519')
    throw new KeyMismatchError('only X25519 age recipients (age1...) have a JWK form');
  const jwk: OkpPublicJwk = { kty: 'OKP', crv: 'X25519', x: encodeBase64url(key.publicKey) };
  jwk.kid = await thumbprint(jwk);
  return jwk;
}

/** `AGE-SECRET-KEY-1...` for a Sealwire X25519 private JWK. */
export async function identityFromJwk(jwk: PrivateJwk): Promise<string> {
  const secretKey = x25519Member(jwk, 'd');
  // A JWK whose `x` is not the public half of its `d` would encrypt to one key and decrypt with another.
  const publicKey = await runtime.x25519(secretKey);
  if (jwk.kty === 'OKP' && !runtime.timingSafeEqual(publicKey, x25519Member(jwk, 'x')))
    throw new KeyInvalidError('the JWK "x" is not the public key of its "d"');
  return encodeBech32(X25519_IDENTITY_PREFIX, secretKey);
}

/** The X25519 private JWK (`x`, `d`, `kid`) of an `AGE-SECRET-KEY-1...` identity. */
export async function identityToJwk(identity: string): Promise<OkpPrivateJwk> {
  const key = await parseIdentityKey(identity);
  if (key.type !== 'X25519')
    throw new KeyMismatchError('only X25519 age identities (AGE-SECRET-KEY-1...) have a JWK form');
  const jwk: OkpPrivateJwk = {
    kty: 'OKP',
    crv: 'X25519',
    x: encodeBase64url(key.publicKey),
    d: encodeBase64url(key.secretKey),
  };
  jwk.kid = await thumbprint({ kty: 'OKP', crv: 'X25519', x: jwk.x });
  return jwk;
}
