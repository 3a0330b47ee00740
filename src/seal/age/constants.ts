/** The fixed strings and sizes of the age v1 format (https://c2sp.org/age), and Sealwire's default caps. */

export const VERSION_LINE = 'age-encryption.org/v1';
export const VERSION_PREFIX = 'age-encryption.org/';
export const MAC_PREFIX = '---';

/** Plaintext bytes per STREAM chunk. */
export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
/** Ciphertext bytes of a full chunk. */
export const ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
export const FILE_KEY_SIZE = 16;
export const PAYLOAD_NONCE_SIZE = 16;

export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
export const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
/** Base64 characters per armor line (RFC 7468 strict). */
export const ARMOR_COLUMNS = 64;

/** Native stanza types Sealwire implements. */
export const X25519_STANZA = 'X25519';
export const SCRYPT_STANZA = 'scrypt';
export const HYBRID_STANZA = 'mlkem768x25519';

/** scrypt work factor (log2 N) used when encrypting, the reference tool's default. */
export const DEFAULT_SCRYPT_WORK_FACTOR = 18;
/**
 * Highest work factor accepted on decrypt unless raised: 2^20 x 8 x 128 bytes = 1 GiB of memory and a
 * few seconds of CPU, already far above what honest files use; an attacker picks this number.
 */
export const DEFAULT_MAX_SCRYPT_WORK_FACTOR = 20;
/** No option can raise the cap above this (2^22: 4 GiB, the reference implementation's own ceiling). */
export const SCRYPT_WORK_FACTOR_CEILING = 22;

/** Caps on what a hostile header can make a decryptor do or hold. */
export const DECRYPT_DEFAULTS = {
  /** Recipient stanzas per header (each may cost an X25519 or an ML-KEM decapsulation per identity). */
  maxStanzas: 256,
  /** Header size in bytes (a hybrid stanza is ~1.6 KB; 256 of them fit). */
  maxHeaderBytes: 1024 * 1024,
  maxScryptWorkFactor: DEFAULT_MAX_SCRYPT_WORK_FACTOR,
} as const;
