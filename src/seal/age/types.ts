/** Public types of the age module. */
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';

/** A passphrase recipient (scrypt): must be the only recipient of a file. */
export interface PassphraseRecipient {
  passphrase: string;
  /** log2 of the scrypt cost N; default 18 (the reference tool's), at most 22. */
  workFactor?: number;
}

/**
 * Who a file is encrypted to: an `age1...` X25519 recipient, an `age1pq1...` ML-KEM-768 + X25519 hybrid
 * recipient, a Sealwire X25519 public JWK (the same key as an `age1...` string), or a passphrase.
 */
export type AgeRecipient = string | PublicJwk | PassphraseRecipient;

/** A passphrase identity; the function form is called only when the file turns out to be scrypt-encrypted. */
export interface PassphraseIdentity {
  passphrase: string | (() => string | Promise<string>);
  /** Highest scrypt work factor accepted (default 20, ceiling 22): an attacker chooses it. */
  maxWorkFactor?: number;
}

/**
 * What can decrypt: an `AGE-SECRET-KEY-1...` X25519 identity, an `AGE-SECRET-KEY-PQ-1...` hybrid identity,
 * a Sealwire X25519 private JWK, or a passphrase.
 */
export type AgeIdentity = string | PrivateJwk | PassphraseIdentity;

export interface EncryptOptions {
  /** ASCII armor (RFC 7468 strict PEM, label "AGE ENCRYPTED FILE") instead of binary. */
  armor?: boolean;
}

export interface StreamEncryptOptions extends EncryptOptions {
  /**
   * Sign the file as its sender with this Ed25519 private JWK: a detached signature over the file (see
   * docs/age.md), available from the stream's `signature` once the stream ends.
   */
  sign?: PrivateJwk;
}

export interface DecryptOptions {
  /** `true`: input must be armored; `false`: must be binary; `'auto'` (default): either. */
  armor?: boolean | 'auto';
  /** Most recipient stanzas accepted in a header (default 256). */
  maxStanzas?: number;
  /** Largest header accepted, in bytes (default 1 MiB). */
  maxHeaderBytes?: number;
  /**
   * Expected senders (Ed25519 public JWKs). When given, the file must carry a detached sender signature
   * (`signature`) by one of them, or decryption fails with `ERR_SIGNATURE_MISSING` / `ERR_SIGNATURE_INVALID`.
   */
  from?: readonly PublicJwk[];
  /** The detached sender signature (`sealwire.dev/age-sig/v1 ...` line). */
  signature?: string;
}
