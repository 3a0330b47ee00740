/**
 * `sealwire/seal/age` (also `age` in `sealwire/seal`): age v1 (https://c2sp.org/age), byte-compatible with
 * the reference implementation. Encrypt once with a fresh file key, wrap it per recipient, anonymously;
 * STREAM payload in 64 KiB ChaCha20-Poly1305 chunks. Buffers, Web streams, and (from
 * `sealwire/seal/age/node`) Node streams; optional detached Ed25519 sender signatures.
 */
export { decrypt, encrypt, encryptAndSign, signFile, verifyFileSignature } from './buffers.ts';
export {
  CHUNK_SIZE,
  DECRYPT_DEFAULTS,
  DEFAULT_MAX_SCRYPT_WORK_FACTOR,
  DEFAULT_SCRYPT_WORK_FACTOR,
  SCRYPT_WORK_FACTOR_CEILING,
} from './constants.ts';
export { AgeDecryptor } from './decryptor.ts';
export { AgeEncryptor } from './encryptor.ts';
export { AgeDecryptionError, AgeFormatError, type AgePart } from './errors.ts';
export { identityFromJwk, identityToJwk, recipientFromJwk, recipientToJwk } from './jwk.ts';
export { generateHybridIdentity, generateIdentity, identityToRecipient, keyFileLines } from './keys.ts';
export { parseSignature, SIGNATURE_CONTEXT } from './signature.ts';
export type {
  AgeIdentity,
  AgeRecipient,
  DecryptOptions,
  EncryptOptions,
  PassphraseIdentity,
  PassphraseRecipient,
  StreamEncryptOptions,
} from './types.ts';
export { AgeDecryptStream, AgeEncryptStream } from './web-streams.ts';
