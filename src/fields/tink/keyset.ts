/**
 * Tink keysets holding AES-GCM keys: Tink's JSON keyset format (the proto3 JSON mapping of
 * `google.crypto.tink.Keyset`), read strictly and validated before any key is used.
 *
 * Only `type.googleapis.com/google.crypto.tink.AesGcmKey` is accepted (an allow-list of one): 128- or
 * 256-bit keys, key-manager version 0, IV 12 bytes and tag 16 bytes (the only sizes Tink itself allows).
 */
import { fromBinary, fromJson, type JsonValue, toBinary, toJsonString } from '@bufbuild/protobuf';
import { isJsonObject, parseJsonObject } from '../../encoding/json.ts';
import {
  AlgNotAllowedError,
  KeyError,
  KeyInvalidError,
  LimitExceededError,
  MalformedError,
} from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import {
  AesGcmKeySchema,
  KeyStatusType,
  type Keyset,
  KeysetSchema,
  OutputPrefixType,
} from '../gen/google/crypto/tink/keyset_pb.ts';

export const AES_GCM_TYPE_URL = 'type.googleapis.com/google.crypto.tink.AesGcmKey';
/** Keys per keyset: rotation adds one key at a time; thousands means something is wrong. */
export const MAX_KEYS_PER_KEYSET = 1000;
/** Characters in a keyset file (a 1000-key keyset is ~150 KB). */
export const MAX_KEYSET_JSON_LENGTH = 1 << 20;

export type KeyStatus = 'ENABLED' | 'DISABLED' | 'DESTROYED';
export type PrefixType = 'TINK' | 'LEGACY' | 'CRUNCHY' | 'RAW';

/** One key of a validated keyset. `keyValue` is absent for destroyed keys. */
export interface AeadKeyEntry {
  keyId: number;
  status: KeyStatus;
  prefixType: PrefixType;
  keyValue: Bytes | undefined;
}

export interface ValidatedKeyset {
  primaryKeyId: number;
  keys: AeadKeyEntry[];
}

const STATUS: ReadonlyMap<KeyStatusType, KeyStatus> = new Map([
  [KeyStatusType.ENABLED, 'ENABLED'],
  [KeyStatusType.DISABLED, 'DISABLED'],
  [KeyStatusType.DESTROYED, 'DESTROYED'],
]);

const PREFIX: ReadonlyMap<OutputPrefixType, PrefixType> = new Map([
  [OutputPrefixType.TINK, 'TINK'],
  [OutputPrefixType.LEGACY, 'LEGACY'],
  [OutputPrefixType.CRUNCHY, 'CRUNCHY'],
  [OutputPrefixType.RAW, 'RAW'],
]);

/**
 * Parses Tink's JSON keyset format. Key ids written as negative numbers (older Tink for Java printed
 * them as signed 32-bit integers) are read as the unsigned id they stand for.
 */
export function parseKeysetJson(text: string, what = 'keyset'): Keyset {
  const json = parseJsonObject(text, what, MAX_KEYSET_JSON_LENGTH);
  if (Array.isArray(json.key)) {
    if (json.key.length > MAX_KEYS_PER_KEYSET) {
      throw new LimitExceededError(
        `${what} has ${json.key.length} keys, over the limit of ${MAX_KEYS_PER_KEYSET}`,
      );
    }
    for (const key of json.key) if (isJsonObject(key)) key.keyId = unsignedId(key.keyId);
  }
  json.primaryKeyId = unsignedId(json.primaryKeyId);
  try {
    return fromJson(KeysetSchema, json as JsonValue);
  } catch (cause) {
    throw new MalformedError(`${what} is not a Tink JSON keyset: ${(cause as Error).message}`, { cause });
  }
}

function unsignedId(value: unknown): unknown {
  return typeof value === 'number' && Number.isInteger(value) && value < 0 && value >= -(2 ** 31)
    ? value >>> 0
    : value;
}

/** Tink's JSON keyset format (what `JsonKeysetWriter` / `tinkey` print), pretty-printed. */
export function keysetToJson(keyset: Keyset): string {
  return `${toJsonString(KeysetSchema, keyset, { prettySpaces: 2 })}\n`;
}

/** Tink's binary keyset format (the bytes an encrypted keyset encrypts). */
export function keysetToBinary(keyset: Keyset): Bytes {
  return toBinary(KeysetSchema, keyset);
}

export function keysetFromBinary(bytes: Bytes, what = 'keyset'): Keyset {
  try {
    return fromBinary(KeysetSchema, bytes);
  } catch (cause) {
    throw new MalformedError(`${what} is not a Tink binary keyset`, { cause });
  }
}

/**
 * Checks everything Tink checks before it builds a primitive, plus Sealwire's caps: unique key ids, a
 * primary that exists and is enabled, AES-GCM keys of 16 or 32 bytes at version 0, known statuses and
 * output prefixes.
 */
export function validateKeyset(keyset: Keyset, what = 'keyset'): ValidatedKeyset {
  if (keyset.key.length === 0) throw new KeyInvalidError(`${what} has no keys`);
  if (keyset.key.length > MAX_KEYS_PER_KEYSET) {
    throw new LimitExceededError(
      `${what} has ${keyset.key.length} keys, over the limit of ${MAX_KEYS_PER_KEYSET}`,
    );
  }
  const seen = new Set<number>();
  const keys: AeadKeyEntry[] = [];
  for (const key of keyset.key) {
    const label = `${what}: key ${key.keyId}`;
    if (seen.has(key.keyId)) throw new KeyInvalidError(`${what}: key id ${key.keyId} appears twice`);
    seen.add(key.keyId);
    const status = STATUS.get(key.status);
    if (status === undefined) throw new KeyInvalidError(`${label} has an unknown status`);
    const prefixType = PREFIX.get(key.outputPrefixType);
    if (prefixType === undefined) throw new KeyInvalidError(`${label} has an unknown output prefix`);
    if (status === 'DESTROYED') {
      keys.push({ keyId: key.keyId, status, prefixType, keyValue: undefined });
      continue;
    }
    const data = key.keyData;
    if (data === undefined) throw new KeyInvalidError(`${label} has no key data`);
    if (data.typeUrl !== AES_GCM_TYPE_URL) {
      throw new AlgNotAllowedError(
        `${label} is a ${JSON.stringify(data.typeUrl)}; field encryption accepts AES-GCM keys only (${AES_GCM_TYPE_URL})`,
      );
    }
    let keyValue: Bytes;
    try {
      const aesGcm = fromBinary(AesGcmKeySchema, data.value);
      if (aesGcm.version !== 0) {
        throw new KeyInvalidError(`${label}: AesGcmKey version ${aesGcm.version} (Tink is at 0)`);
      }
      keyValue = aesGcm.keyValue;
    } catch (cause) {
      if (cause instanceof KeyError) throw cause;
      throw new MalformedError(`${label}: key data is not an AesGcmKey`, { cause });
    }
    if (keyValue.length !== 16 && keyValue.length !== 32) {
      throw new KeyInvalidError(`${label}: AES-GCM key of ${keyValue.length} bytes (16 or 32)`);
    }
    keys.push({ keyId: key.keyId, status, prefixType, keyValue });
  }
  const primary = keys.find((key) => key.keyId === keyset.primaryKeyId);
  if (primary === undefined) {
    throw new KeyInvalidError(`${what}: primary key ${keyset.primaryKeyId} is not in the keyset`);
  }
  if (primary.status !== 'ENABLED') {
    throw new KeyInvalidError(`${what}: primary key ${keyset.primaryKeyId} is not enabled`);
  }
  return { primaryKeyId: keyset.primaryKeyId, keys };
}
