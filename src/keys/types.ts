/**
 * JSON Web Key shapes (RFC 7517/7518/8037) for the key types Sealwire uses.
 *
 * Keys cross every Sealwire API as plain JWK objects: portable between Node and browsers, printable,
 * and serialisable without surprises. Native key handles are an internal cache, never a public type.
 */

/** What a key is for, in Sealwire's words (also the CLI's `--alg` values). */
export type KeyKind = 'X25519' | 'P-256' | 'RSA-OAEP-256' | 'Ed25519' | 'ES256';

export const ENCRYPTION_KINDS: readonly KeyKind[] = ['X25519', 'P-256', 'RSA-OAEP-256'];
export const SIGNING_KINDS: readonly KeyKind[] = ['Ed25519', 'ES256'];

interface JwkCommon {
  kid?: string;
  use?: 'enc' | 'sig';
  alg?: string;
  key_ops?: string[];
}

export interface OkpPublicJwk extends JwkCommon {
  kty: 'OKP';
  crv: 'X25519' | 'Ed25519';
  x: string;
}

export interface EcPublicJwk extends JwkCommon {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface RsaPublicJwk extends JwkCommon {
  kty: 'RSA';
  n: string;
  e: string;
}

export type PublicJwk = OkpPublicJwk | EcPublicJwk | RsaPublicJwk;

export type OkpPrivateJwk = OkpPublicJwk & { d: string };
export type EcPrivateJwk = EcPublicJwk & { d: string };
export type RsaPrivateJwk = RsaPublicJwk & {
  d: string;
  p: string;
  q: string;
  dp: string;
  dq: string;
  qi: string;
};

export type PrivateJwk = OkpPrivateJwk | EcPrivateJwk | RsaPrivateJwk;

export interface KeyPair {
  /** RFC 7638 thumbprint (base64url SHA-256), also set as `kid` on both JWKs. */
  readonly kid: string;
  readonly kind: KeyKind;
  readonly publicJwk: PublicJwk;
  readonly privateJwk: PrivateJwk;
}

/**
 * Anything that holds private keys for `open`: a key pair that rotates (EphemeralKeyPair) answers with its
 * current key first and, during a grace period, the one before.
 */
export interface PrivateKeySource {
  privateJwks(): readonly PrivateJwk[];
}
