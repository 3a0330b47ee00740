/**
 * Key-encryption keys (KEKs). Keysets at rest are encrypted by a KEK (envelope encryption); the KEK lives
 * behind the `Kms` interface, which is Tink's "remote AEAD": whatever holds the KEK (a local file, a
 * password, AWS KMS, Google Cloud KMS, Vault transit) only has to encrypt and decrypt small blobs with
 * associated data. A driver for another KMS implements `Kms` and nothing else changes for callers.
 */
import { decodeBase64url } from '../encoding/base64url.ts';
import { isJsonObject } from '../encoding/json.ts';
import { MalformedError } from '../errors.ts';
import { DEFAULT_ARGON2ID } from '../keys/index.ts';
import { checkKdf, checkWriteKdf, deriveKey, passwordBytes, withSalt } from '../keys/kdf.ts';
import type { Bytes } from '../runtime/types.ts';
import type { Keyset } from './gen/google/crypto/tink/keyset_pb.ts';
import { TinkAead } from './tink/aead.ts';
import { keysetToJson, parseKeysetJson, validateKeyset } from './tink/keyset.ts';
import { generateKeyset } from './tink/keyset-ops.ts';

export interface Kms {
  /**
   * Names the KEK (`local-keyset:…`, `local-password:…`, or a KMS key URI such as `aws-kms://arn:…`).
   * Not secret: it goes into `keys list` output and error messages.
   */
  readonly keyUri: string;
  /** Encrypts `plaintext` under the KEK, binding `associatedData`. */
  encrypt(plaintext: Bytes, associatedData: Bytes): Promise<Bytes>;
  /** The reverse; throws `DecryptionError` when the KEK, the data or the associated data do not match. */
  decrypt(ciphertext: Bytes, associatedData: Bytes): Promise<Bytes>;
}

/** A KEK held in this process as a Tink AES-GCM keyset: the embedded default. */
export class LocalKms implements Kms {
  readonly keyUri: string;
  readonly #aead: TinkAead;

  private constructor(aead: TinkAead, keyUri: string) {
    this.#aead = aead;
    this.keyUri = keyUri;
  }

  /**
   * A KEK from a master key file: a cleartext Tink JSON keyset (so Tink's `CleartextKeysetHandle` reads
   * it too). Keep the file at mode 0600, away from the keysets it protects.
   */
  static fromKeysetJson(text: string, keyUri = 'local-keyset:'): LocalKms {
    const keyset = validateKeyset(parseKeysetJson(text, 'master key file'), 'master key file');
    return new LocalKms(new TinkAead(keyset, keyUri), keyUri);
  }

  static fromKeyset(keyset: Keyset, keyUri = 'local-keyset:'): LocalKms {
    return new LocalKms(new TinkAead(validateKeyset(keyset, 'master keyset'), keyUri), keyUri);
  }

  /** A fresh master key (AES-256-GCM) and the text of its file. */
  static generate(keyUri = 'local-keyset:'): { kms: LocalKms; keysetJson: string } {
    const keyset = generateKeyset(32);
    return { kms: LocalKms.fromKeyset(keyset, keyUri), keysetJson: keysetToJson(keyset) };
  }

  /**
   * A KEK derived from a password with Argon2id. `params` (salt included) come from the keyring's
   * configuration and are capped like every attacker-writable work factor.
   */
  static async fromPassword(
    password: string | Uint8Array,
    params: PasswordKekParams,
    keyUri = 'local-password:',
  ): Promise<LocalKms> {
    const checked = checkPasswordParams(params);
    // Same derivation as every password-protected file (NFC-normalised password, capped parameters).
    const key = await deriveKey(passwordBytes(password), checked);
    const aead = new TinkAead(
      { primaryKeyId: 0, keys: [{ keyId: 0, status: 'ENABLED', prefixType: 'RAW', keyValue: key }] },
      keyUri,
    );
    return new LocalKms(aead, keyUri);
  }

  encrypt(plaintext: Bytes, associatedData: Bytes): Promise<Bytes> {
    return this.#aead.encrypt(plaintext, associatedData);
  }

  decrypt(ciphertext: Bytes, associatedData: Bytes): Promise<Bytes> {
    return this.#aead.decrypt(ciphertext, associatedData);
  }
}

/** Argon2id parameters of a password-derived KEK (RFC 9106). */
export interface PasswordKekParams {
  name: 'argon2id';
  /** 16+ random bytes, base64url. */
  salt: string;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** Fresh parameters (new salt) at RFC 9106's second recommendation, or the given cost. */
export function newPasswordKekParams(
  cost: Pick<PasswordKekParams, 'memoryKiB' | 'iterations' | 'parallelism'> = DEFAULT_ARGON2ID,
): PasswordKekParams {
  const params = { name: 'argon2id' as const, ...cost };
  checkWriteKdf(params);
  return checkPasswordParams(withSalt(params));
}

/** Checks stored parameters with the caps of every password-protected file (keys/kdf.ts); Argon2id only. */
export function checkPasswordParams(value: unknown): PasswordKekParams {
  if (!isJsonObject(value) || value.name !== 'argon2id') {
    throw new MalformedError('password KEK parameters must be {"name":"argon2id","salt",...}');
  }
  const { salt, memoryKiB, iterations, parallelism } = checkKdf(value) as PasswordKekParams;
  if (decodeBase64url(salt, 'Argon2id salt').length < 16)
    throw new MalformedError('password KEK: salt shorter than 16 bytes');
  return { name: 'argon2id', salt, memoryKiB, iterations, parallelism };
}
