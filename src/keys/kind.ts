/** Classifying JWKs: what kind of key, public or private, and the public half of a private key. */
import { KeyInvalidError } from '../errors.ts';
import type { KeyKind, PrivateJwk, PublicJwk } from './types.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export function isPrivateJwk(jwk: PublicJwk | PrivateJwk): jwk is PrivateJwk {
  return typeof (jwk as { d?: unknown }).d === 'string';
}

/**
 * The Sealwire kind of a JWK. P-256 keys are ECDH keys unless marked for signing (`use: "sig"` or
 * `alg: "ES256"`), because the same curve serves both and the JWK alone cannot tell.
 */
export function keyKindOf(jwk: PublicJwk | PrivateJwk): KeyKind {
  switch (jwk.kty) {
    case 'RSA':
      return 'RSA-OAEP-256';
    case 'OKP':
      if (jwk.crv === 'X25519' || jwk.crv === 'Ed25519') return jwk.crv;
      break;
    case 'EC':
      if (jwk.crv === 'P-256') return jwk.use === 'sig' || jwk.alg === 'ES256' ? 'ES256' : 'P-256';
      break;
  }
  const crv = (jwk as { crv?: unknown }).crv;
  throw new KeyInvalidError(
    `unsupported key: kty ${JSON.stringify((jwk as { kty?: unknown }).kty)}${crv === undefined ? '' : ` crv ${JSON.stringify(crv)}`} (use X25519, P-256, RSA, Ed25519)`,
  );
}

/** The public half: drops every private member, keeps `kid`, `use`, `alg`. */
export function publicJwkOf(jwk: PublicJwk | PrivateJwk): PublicJwk {
  const out: Record<string, unknown> = { ...jwk };
  for (const name of PRIVATE_MEMBERS) delete out[name];
  delete out.key_ops;
  return out as unknown as PublicJwk;
}

/** Throws unless `jwk` holds a private key. */
export function requirePrivate(jwk: PublicJwk | PrivateJwk, purpose: string): PrivateJwk {
  if (!isPrivateJwk(jwk))
    throw new KeyInvalidError(`${purpose} needs a private key, but a public key was given`);
  return jwk;
}
