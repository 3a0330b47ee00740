/** JOSE sealed envelopes: JWE (RFC 7516) with optional nested JWS, on native primitives with jose for the long tail. */
export {
  CONTENT_ENCRYPTION_ALGORITHMS,
  type ContentEncryptionAlgorithm,
  KEY_MANAGEMENT_ALGORITHMS,
  type KeyManagementAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
} from './algorithms.ts';
export { sign, verify } from './jws.ts';
export { open } from './open.ts';
export { seal } from './seal.ts';
export type {
  FlattenedJwe,
  GeneralJwe,
  GeneralJweRecipient,
  JweHeader,
  OpenKey,
  OpenOptions,
  OpenResult,
  PasswordKey,
  SealedJwe,
  SealOptions,
  Signer,
  SymmetricJwk,
} from './types.ts';
