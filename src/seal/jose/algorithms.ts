/**
 * JWE and JWS algorithm names (RFC 7518, RFC 8037) and Sealwire's policy for them.
 *
 * The default allow-lists are exactly what `seal` produces. Callers may widen `open` to the rest of the
 * supported set (for interop with other producers); a few names are refused whatever the caller says.
 */

export const KEY_MANAGEMENT_ALGORITHMS = [
  'RSA-OAEP-256',
  'RSA-OAEP',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'dir',
  'PBES2-HS256+A128KW',
  'PBES2-HS384+A192KW',
  'PBES2-HS512+A256KW',
] as const;
export type KeyManagementAlgorithm = (typeof KEY_MANAGEMENT_ALGORITHMS)[number];

export const CONTENT_ENCRYPTION_ALGORITHMS = [
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
] as const;
export type ContentEncryptionAlgorithm = (typeof CONTENT_ENCRYPTION_ALGORITHMS)[number];

/** What `seal` produces and `open` accepts unless told otherwise. */
export const DEFAULT_KEY_MANAGEMENT: readonly KeyManagementAlgorithm[] = [
  'RSA-OAEP-256',
  'ECDH-ES',
  'ECDH-ES+A256KW',
];
export const DEFAULT_CONTENT_ENCRYPTION: readonly ContentEncryptionAlgorithm[] = ['A256GCM'];

/**
 * Refused even when a caller lists them: RSA1_5 is open to Bleichenbacher's attack (RFC 8725 §3.2) and
 * `none` is not encryption.
 */
export const REFUSED_ALGORITHMS: readonly string[] = ['RSA1_5', 'none'];

/** Algorithms handled by Sealwire's native path (node:crypto / WebCrypto); the rest go through `jose`. */
export const NATIVE_KEY_MANAGEMENT: ReadonlySet<string> = new Set([
  'RSA-OAEP-256',
  'RSA-OAEP',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
]);
export const NATIVE_CONTENT: ReadonlySet<string> = new Set(['A128GCM', 'A192GCM', 'A256GCM']);

/** Key length in bytes of each content encryption algorithm. */
export const CONTENT_KEY_BYTES: Readonly<Record<ContentEncryptionAlgorithm, number>> = {
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
};

/** JWS algorithms for nested signatures: Ed25519 (`EdDSA`, or the fully specified `Ed25519`) and ES256. */
export const SIGNATURE_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export function isPbes2(alg: string): boolean {
  return alg.startsWith('PBES2-');
}
