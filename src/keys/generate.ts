/** Key pair generation for every Sealwire key kind. */
import { runtime } from '#runtime';
import { ArgumentError } from '../errors.ts';
import { RSA_SIZES, type RsaSize } from './rsa-sizes.ts';
import { thumbprint } from './thumbprint.ts';
import type { KeyKind, KeyPair, PrivateJwk, PublicJwk } from './types.ts';

export { RSA_SIZES, type RsaSize };

export interface GenerateOptions {
  /** RSA modulus size; default 3072 (RSA-4096 takes about a second to generate here). */
  bits?: RsaSize;
}

const KINDS: readonly KeyKind[] = ['X25519', 'P-256', 'RSA-OAEP-256', 'Ed25519', 'ES256'];

/** `use` and `alg` members that make a JWK say what it is for (no `alg` on ECDH keys: several fit). */
function purpose(kind: KeyKind): { use: 'enc' | 'sig'; alg?: string } {
  switch (kind) {
    case 'RSA-OAEP-256':
      return { use: 'enc', alg: 'RSA-OAEP-256' };
    case 'Ed25519':
      return { use: 'sig', alg: 'EdDSA' };
    case 'ES256':
      return { use: 'sig', alg: 'ES256' };
    default:
      return { use: 'enc' };
  }
}

/** Generates a key pair; both JWKs carry `kid` (the RFC 7638 thumbprint), `use` and, where fixed, `alg`. */
export async function generateKeyPair(
  kind: KeyKind = 'X25519',
  options: GenerateOptions = {},
): Promise<KeyPair> {
  if (!KINDS.includes(kind)) {
    throw new ArgumentError(`unknown key kind ${JSON.stringify(kind)}; use one of ${KINDS.join(', ')}`);
  }
  const bits = options.bits ?? 3072;
  if (kind === 'RSA-OAEP-256' && !RSA_SIZES.includes(bits)) {
    throw new ArgumentError(`RSA size must be one of ${RSA_SIZES.join(', ')}, got ${bits}`);
  }
  const generated = await runtime.generateKeyPair(kind === 'RSA-OAEP-256' ? 'RSA' : kind, bits);
  const kid = await thumbprint(generated.publicJwk);
  const extra = { kid, ...purpose(kind) };
  return {
    kid,
    kind,
    publicJwk: { ...generated.publicJwk, ...extra } as PublicJwk,
    privateJwk: { ...generated.privateJwk, ...extra } as PrivateJwk,
  };
}
