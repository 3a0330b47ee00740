/**
 * Tink's AEAD over a keyset of AES-GCM keys, byte-compatible with Tink:
 *
 *   ciphertext = prefix || IV (12) || AES-GCM ciphertext || tag (16)
 *   prefix     = 0x01 || BE32(keyId)  (TINK)   |  0x00 || BE32(keyId)  (LEGACY, CRUNCHY)  |  empty (RAW)
 *
 * The associated data is passed to GCM unchanged; the prefix is not authenticated (it is only a hint of
 * which key to try). Encryption uses the primary key; decryption tries the enabled keys whose prefix
 * matches, then every enabled RAW key, as Tink does. Random 96-bit IVs: stay under 2^32 messages per key.
 */
import { runtime } from '#runtime';
import { DecryptionError, DecryptionFailedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { KeyDisabledError } from '../errors.ts';
import type { AeadKeyEntry, KeyStatus, PrefixType, ValidatedKeyset } from './keyset.ts';

export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
export const PREFIX_LENGTH = 5;

interface UsableKey {
  keyId: number;
  status: KeyStatus;
  prefix: Bytes;
  keyValue: Bytes | undefined;
}

/** The prefix bytes of a key (empty for RAW). */
export function outputPrefix(prefixType: PrefixType, keyId: number): Bytes {
  if (prefixType === 'RAW') return new Uint8Array(0);
  const prefix = new Uint8Array(PREFIX_LENGTH);
  prefix[0] = prefixType === 'TINK' ? 0x01 : 0x00;
  new DataView(prefix.buffer).setUint32(1, keyId, false);
  return prefix;
}

/** A prefix as one number (version byte * 2^32 + key id), so lookups allocate nothing. */
function prefixNumber(bytes: Bytes): number {
  const keyId = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
  return bytes[0]! * 2 ** 32 + keyId;
}

export class TinkAead {
  /** What the keyset protects (an alias), for error messages. */
  readonly name: string;
  readonly primaryKeyId: number;
  readonly #primary: UsableKey;
  readonly #byPrefix = new Map<number, UsableKey[]>();
  readonly #raw: UsableKey[] = [];

  constructor(keyset: ValidatedKeyset, name: string) {
    this.name = name;
    this.primaryKeyId = keyset.primaryKeyId;
    let primary: UsableKey | undefined;
    for (const entry of keyset.keys) {
      const key = usable(entry);
      if (entry.keyId === keyset.primaryKeyId) primary = key;
      if (entry.prefixType === 'RAW') {
        if (key.status === 'ENABLED') this.#raw.push(key);
        continue;
      }
      const slot = prefixNumber(key.prefix);
      const list = this.#byPrefix.get(slot);
      if (list === undefined) this.#byPrefix.set(slot, [key]);
      else list.push(key);
    }
    // validateKeyset guarantees an enabled primary.
    this.#primary = primary!;
  }

  encrypt(plaintext: Bytes, associatedData: Bytes): Promise<Bytes> {
    return sealWithIv(this.#primary, runtime.randomBytes(IV_LENGTH), plaintext, associatedData);
  }

  /**
   * Throws `DecryptionError` when no key opens the ciphertext, `KeyDisabledError` when the only keys its
   * prefix names are disabled or destroyed. Never returns unauthenticated bytes.
   */
  async decrypt(ciphertext: Bytes, associatedData: Bytes): Promise<Bytes> {
    let disabled: UsableKey | undefined;
    if (ciphertext.length >= PREFIX_LENGTH + IV_LENGTH + TAG_LENGTH) {
      const candidates = this.#byPrefix.get(prefixNumber(ciphertext));
      if (candidates !== undefined) {
        const body = ciphertext.subarray(PREFIX_LENGTH);
        for (const key of candidates) {
          if (key.status !== 'ENABLED') {
            disabled ??= key;
            continue;
          }
          const plaintext = await tryOpen(key.keyValue!, body, associatedData);
          if (plaintext !== undefined) return plaintext;
        }
      }
    }
    if (ciphertext.length >= IV_LENGTH + TAG_LENGTH) {
      for (const key of this.#raw) {
        const plaintext = await tryOpen(key.keyValue!, ciphertext, associatedData);
        if (plaintext !== undefined) return plaintext;
      }
    }
    if (disabled !== undefined) throw new KeyDisabledError(this.name, disabled.keyId, disabled.status);
    throw new DecryptionFailedError();
  }
}

function usable(entry: AeadKeyEntry): UsableKey {
  return {
    keyId: entry.keyId,
    status: entry.status,
    prefix: outputPrefix(entry.prefixType, entry.keyId),
    // A private copy: the keyset message the caller holds may be changed or wiped later.
    keyValue: entry.keyValue === undefined ? undefined : new Uint8Array(entry.keyValue),
  };
}

function sealWithIv(key: UsableKey, iv: Bytes, plaintext: Bytes, associatedData: Bytes): Promise<Bytes> {
  return runtime.aesGcmEncryptFramed(key.keyValue!, iv, plaintext, associatedData, key.prefix);
}

async function tryOpen(key: Bytes, body: Bytes, associatedData: Bytes): Promise<Bytes | undefined> {
  try {
    return await runtime.aesGcmDecrypt(
      key,
      body.subarray(0, IV_LENGTH),
      body.subarray(IV_LENGTH, body.length - TAG_LENGTH),
      body.subarray(body.length - TAG_LENGTH),
      associatedData,
    );
  } catch (error) {
    if (error instanceof DecryptionError) return undefined;
    throw error;
  }
}

/**
 * Encryption with a caller-chosen IV, for known-answer tests only: a repeated IV under one key breaks
 * GCM completely, so this is not exported from the package.
 */
export function encryptWithIvForTesting(
  keyset: ValidatedKeyset,
  iv: Bytes,
  plaintext: Bytes,
  associatedData: Bytes,
): Promise<Bytes> {
  const entry = keyset.keys.find((key) => key.keyId === keyset.primaryKeyId)!;
  return sealWithIv(usable(entry), iv, plaintext, associatedData);
}
