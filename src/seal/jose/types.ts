/** Public types of the JOSE sealed envelopes. */
import type { PrivateJwk, PrivateKeySource, PublicJwk } from '../../keys/types.ts';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm, SignatureAlgorithm } from './algorithms.ts';

/** A JOSE header: the registered members typed, anything else kept as JSON. */
export interface JweHeader {
  alg?: string;
  enc?: string;
  kid?: string;
  cty?: string;
  typ?: string;
  epk?: Record<string, unknown>;
  zip?: string;
  crit?: string[];
  [name: string]: unknown;
}

export interface GeneralJweRecipient {
  header?: JweHeader;
  encrypted_key?: string;
}

/** RFC 7516 §7.2.1 General JWE JSON Serialization. */
export interface GeneralJwe {
  protected?: string;
  unprotected?: JweHeader;
  recipients: GeneralJweRecipient[];
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** RFC 7516 §7.2.2 Flattened JWE JSON Serialization. */
export interface FlattenedJwe {
  protected?: string;
  unprotected?: JweHeader;
  header?: JweHeader;
  encrypted_key?: string;
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export type SealedJwe = string | GeneralJwe;

/** A symmetric JWK (kty "oct"), only for `dir` / AES key wrap when a caller widens `open`. */
export interface SymmetricJwk {
  kty: 'oct';
  k: string;
  kid?: string;
}

/** A password, only for PBES2 when a caller allows it with a bounded `maxPBES2Count`. */
export interface PasswordKey {
  password: string | Uint8Array;
}

export type OpenKey = PrivateJwk | readonly PrivateJwk[] | PrivateKeySource | SymmetricJwk | PasswordKey;

export interface SealOptions {
  /** Omit `kid` from recipient slots; receivers then try slots in turn (up to their cap). */
  anonymous?: boolean;
  /** Sign the payload first (nested JWS, `cty: "JOSE"`) with this Ed25519 or ES256 private key. */
  sign?: PrivateJwk;
  /**
   * For X25519 / P-256 recipients: `ECDH-ES+A256KW` (default) or `ECDH-ES` (direct key agreement, one
   * recipient only). RSA recipients always use RSA-OAEP-256.
   */
  keyManagement?: 'ECDH-ES' | 'ECDH-ES+A256KW';
  /** `compact` (default for one recipient) or `json` (General JSON; always used for several). */
  serialization?: 'compact' | 'json';
  /** `cty` for an unsigned payload (e.g. `application/json`). */
  contentType?: string;
  /** `typ` of the JWE. */
  type?: string;
  /** Extra integrity-protected header members (e.g. a request id). Registered names are refused. */
  protectedHeader?: Record<string, string | number | boolean>;
  /** Additional authenticated data (JSON serialization only). */
  aad?: Uint8Array;
  /** Cap on recipients per message; default 1024. */
  maxRecipients?: number;
}

export interface OpenOptions {
  /**
   * Expected senders. When given, the content must be a nested JWS signed by one of these keys, or
   * `open` fails; the result then names the signer and holds the signed payload.
   */
  from?: PublicJwk | readonly PublicJwk[];
  /** Key management allow-list; default RSA-OAEP-256, ECDH-ES, ECDH-ES+A256KW. */
  keyManagementAlgorithms?: readonly KeyManagementAlgorithm[];
  /** Content encryption allow-list; default A256GCM. */
  contentEncryptionAlgorithms?: readonly ContentEncryptionAlgorithm[];
  /** Cap on recipient slots in a message; default 128. */
  maxRecipients?: number;
  /** Cap on slots tried when they carry no usable `kid`; default 32. */
  maxAnonymousTrials?: number;
  /** Cap on any one header's JSON length; default 16 KiB. */
  maxHeaderBytes?: number;
  /** Cap on plaintext size; default 64 MiB. */
  maxPlaintextBytes?: number;
  /** PBES2 iteration cap when PBES2 is allowed; default 10,000 (at most 1,000,000). */
  maxPBES2Count?: number;
  /** Accept only this serialization (e.g. `compact` where a protocol never uses JSON); default either. */
  serialization?: 'compact' | 'json';
}

export interface Signer {
  alg: SignatureAlgorithm;
  /** The signer's key id (RFC 7638 thumbprint, or its own `kid`). */
  kid: string;
  publicJwk: PublicJwk;
  header: Record<string, unknown>;
}

export interface OpenResult {
  /** The content; for a verified signed message, the signed payload. */
  plaintext: Uint8Array;
  /** The integrity-protected header. */
  protectedHeader: JweHeader;
  /** Every header layer merged, for the recipient slot that opened. */
  header: JweHeader;
  /** `kid` of the recipient slot that opened, when it had one. */
  recipientKid?: string;
  /**
   * `verified`: nested JWS checked against `from` (see `signer`). `unverified`: the content is a nested
   * JWS but no `from` was given, so `plaintext` is the JWS itself, not its payload. `none`: not signed.
   */
  signature: 'verified' | 'unverified' | 'none';
  signer?: Signer;
}
