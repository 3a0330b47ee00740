/**
 * `sealwire/keys`: key pairs, JWK/PEM import and export, thumbprints, fingerprints, ephemeral keys for
 * clients, and password-protected private key files. Runs in Node and in browsers.
 */
export { EphemeralKeyPair, type EphemeralKind, type EphemeralOptions } from './ephemeral.ts';
export { fingerprint } from './fingerprint.ts';
export { type GenerateOptions, generateKeyPair, RSA_SIZES, type RsaSize } from './generate.ts';
export { exportPem, importJwk, importKey, importPem } from './import.ts';
export { isPrivateJwk, keyKindOf, publicJwkOf } from './kind.ts';
export { openPasswordBox, type PasswordBoxOptions, sealPasswordBox } from './password-box.ts';
export {
  type Argon2idParams,
  DEFAULT_ARGON2ID,
  DEFAULT_SCRYPT,
  isProtectedKeyFile,
  type KdfParams,
  type ProtectOptions,
  protectedKeyPublicJwk,
  protectPrivateKey,
  type ScryptParams,
  unprotectPrivateKey,
} from './protected.ts';
export { thumbprint } from './thumbprint.ts';
export {
  type EcPrivateJwk,
  type EcPublicJwk,
  ENCRYPTION_KINDS,
  type KeyKind,
  type KeyPair,
  type OkpPrivateJwk,
  type OkpPublicJwk,
  type PrivateJwk,
  type PrivateKeySource,
  type PublicJwk,
  type RsaPrivateJwk,
  type RsaPublicJwk,
  SIGNING_KINDS,
} from './types.ts';
