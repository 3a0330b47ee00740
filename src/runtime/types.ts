/**
 * The primitives Sealwire needs from the platform, behind one interface with two implementations:
 * `node.ts` (node:crypto: synchronous, native speed) and `web.ts` (WebCrypto plus @noble fallbacks, for
 * browsers and any runtime without node:crypto). Package `imports` conditions pick one at load time, so
 * the public modules never import a Node-only module on their browser path.
 *
 * Every function here is a primitive from a published standard; no protocol logic lives here.
 */
import type { PrivateJwk, PublicJwk } from '../keys/types.ts';

export type Bytes = Uint8Array;

/** Curves usable for ECDH key agreement. */
export type EcdhCurve = 'X25519' | 'P-256';

/** Signature algorithms (JWS names). */
export type SignatureAlg = 'EdDSA' | 'ES256';

export interface GeneratedPair {
  publicJwk: PublicJwk;
  privateJwk: PrivateJwk;
}

export interface Runtime {
  readonly name: 'node' | 'web';

  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Bytes;

  /**
   * Unpadded base64url (RFC 4648 §5): in both runtimes the codec of `src/encoding/base64url.ts` (Buffer on
   * Node, the platform's `toBase64` or @scure/base elsewhere), here beside the fused AES-GCM paths that
   * use it. Code outside the runtimes calls the codec.
   */
  base64urlEncode(data: Bytes): string;
  /**
   * Decodes unpadded base64url (RFC 4648 §5). Returns `undefined` for anything else: padding, the
   * standard alphabet, whitespace, or an impossible length.
   */
  base64urlDecode(text: string): Bytes | undefined;

  sha256(data: Bytes): Promise<Bytes>;

  /** AES-GCM with a 96-bit IV and a 128-bit tag (NIST SP 800-38D). Key length selects AES-128/192/256. */
  aesGcmEncrypt(
    key: Bytes,
    iv: Bytes,
    plaintext: Bytes,
    aad: Bytes,
  ): Promise<{ ciphertext: Bytes; tag: Bytes }>;
  /** Throws `DecryptionError` on a bad tag; never returns unauthenticated plaintext. */
  aesGcmDecrypt(key: Bytes, iv: Bytes, ciphertext: Bytes, tag: Bytes, aad: Bytes): Promise<Bytes>;

  /**
   * AES-GCM encryption fused with base64url encoding of the ciphertext: on Node, large inputs go through
   * in chunks so each ciphertext chunk is still in cache when it is encoded.
   */
  aesGcmEncryptToBase64url(
    key: Bytes,
    iv: Bytes,
    plaintext: Bytes,
    aad: Bytes,
  ): Promise<{ ciphertext: string; tag: Bytes }>;
  /**
   * The reverse: base64url decoding (strict; `undefined` when the text is not canonical base64url) fused
   * with AES-GCM decryption. Throws `DecryptionError` on a bad tag; never returns unauthenticated bytes.
   */
  aesGcmDecryptFromBase64url(
    key: Bytes,
    iv: Bytes,
    ciphertext: string,
    tag: Bytes,
    aad: Bytes,
  ): Promise<Bytes | undefined>;

  /**
   * AES-GCM encryption returning one buffer `header || iv || ciphertext || tag` (Tink's ciphertext layout
   * with `header` its key-id prefix), without assembling the pieces afterwards: field encryption seals
   * many small messages, where those copies showed in profiles.
   */
  aesGcmEncryptFramed(key: Bytes, iv: Bytes, plaintext: Bytes, aad: Bytes, header: Bytes): Promise<Bytes>;

  /** AES Key Wrap (RFC 3394) with the default IV. */
  aesKeyWrap(kek: Bytes, key: Bytes): Promise<Bytes>;
  /** Throws `DecryptionError` when the integrity check fails. */
  aesKeyUnwrap(kek: Bytes, wrapped: Bytes): Promise<Bytes>;

  /** RSAES-OAEP with SHA-256 and MGF1-SHA-256 (JWA "RSA-OAEP-256"), or SHA-1 ("RSA-OAEP"). */
  rsaOaepEncrypt(publicJwk: PublicJwk, hash: 'SHA-256' | 'SHA-1', data: Bytes): Promise<Bytes>;
  /** Throws `DecryptionError` on any failure. */
  rsaOaepDecrypt(privateJwk: PrivateJwk, hash: 'SHA-256' | 'SHA-1', data: Bytes): Promise<Bytes>;

  /** Fresh ephemeral ECDH key pair (the private half stays a JWK in memory only). */
  generateEphemeral(curve: EcdhCurve): Promise<GeneratedPair>;
  /**
   * Raw ECDH shared secret Z. Rejects off-curve points and low-order X25519 points (all-zero Z) with
   * `KeyError`.
   */
  ecdh(privateJwk: PrivateJwk, publicJwk: PublicJwk): Promise<Bytes>;

  sign(alg: SignatureAlg, privateJwk: PrivateJwk, data: Bytes): Promise<Bytes>;
  verify(alg: SignatureAlg, publicJwk: PublicJwk, data: Bytes, signature: Bytes): Promise<boolean>;

  /** New key pair for one of Sealwire's key kinds. */
  generateKeyPair(
    kind: 'X25519' | 'P-256' | 'Ed25519' | 'ES256' | 'RSA',
    rsaBits?: number,
  ): Promise<GeneratedPair>;

  /** Checks that a JWK is a well-formed key of its type (point on curve, RSA parameters consistent). */
  validateJwk(jwk: PublicJwk | PrivateJwk, isPrivate: boolean): Promise<void>;

  /** PEM (SPKI or PKCS#8) to JWK. */
  pemToJwk(pem: string): Promise<PublicJwk | PrivateJwk>;
  /** JWK to PEM: SPKI for a public key, PKCS#8 for a private key. */
  jwkToPem(jwk: PublicJwk | PrivateJwk, type: 'spki' | 'pkcs8'): Promise<string>;
  /** DER SubjectPublicKeyInfo of a public key (for fingerprints). */
  spkiDer(jwk: PublicJwk): Promise<Bytes>;

  /** scrypt (RFC 7914). */
  scrypt(
    password: Bytes,
    salt: Bytes,
    params: { N: number; r: number; p: number; dkLen: number },
  ): Promise<Bytes>;

  /** Constant-time equality for secrets and MACs. */
  timingSafeEqual(a: Bytes, b: Bytes): boolean;

  /**
   * ChaCha20-Poly1305 (RFC 8439) with a 96-bit nonce. The plaintext comes in pieces and the ciphertext
   * leaves in pieces (one per input piece, then the 16-byte tag last) so that a streaming caller never
   * copies a 64 KiB chunk that straddles two input buffers. Synchronous: a stream calls it per chunk.
   */
  chacha20Poly1305Seal(key: Bytes, nonce: Bytes, plaintext: readonly Bytes[], aad?: Bytes): Bytes[];
  /**
   * The reverse. Returns the plaintext pieces only when the tag verified, `undefined` otherwise (the
   * unauthenticated bytes are wiped, never returned).
   */
  chacha20Poly1305Open(
    key: Bytes,
    nonce: Bytes,
    ciphertext: readonly Bytes[],
    tag: Bytes,
    aad?: Bytes,
  ): Bytes[] | undefined;

  /** HMAC-SHA-256 (RFC 2104); an empty key is valid (HKDF-Extract with an empty salt relies on it). */
  hmacSha256(key: Bytes, data: Bytes): Promise<Bytes>;
  /** HKDF-SHA-256 (RFC 5869), Extract then Expand. */
  hkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Promise<Bytes>;
  /** Incremental SHA-256, for digests of streams too large to hold. */
  sha256Stream(): { update(data: Bytes): void; digest(): Bytes };

  /**
   * The X25519 function of RFC 7748 on raw 32-byte strings: `scalar` times `point`, or times the base
   * point when `point` is omitted (public key from private key). Rejects an all-zero result (low-order
   * point) with `KeyError`.
   */
  x25519(scalar: Bytes, point?: Bytes): Promise<Bytes>;
}
