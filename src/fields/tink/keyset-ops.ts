/**
 * Keyset life cycle: create, rotate (a new primary), disable and enable keys. Every function returns a new
 * keyset and leaves its argument untouched, so a failed write never leaves a half-changed keyset in memory.
 */
import { clone, create, toBinary } from '@bufbuild/protobuf';
import { runtime } from '#runtime';
import { ArgumentError } from '../../errors.ts';
import {
  AesGcmKeySchema,
  KeyData_KeyMaterialType,
  KeyStatusType,
  type Keyset,
  type KeysetInfo,
  KeysetInfoSchema,
  KeysetSchema,
  OutputPrefixType,
} from '../gen/google/crypto/tink/keyset_pb.ts';
import { AES_GCM_TYPE_URL, MAX_KEYS_PER_KEYSET, validateKeyset } from './keyset.ts';

export type AesKeySize = 16 | 32;

/** A keyset with one fresh AES-256-GCM key (TINK prefix) as primary. */
export function generateKeyset(keySize: AesKeySize = 32): Keyset {
  return rotateKeyset(create(KeysetSchema), keySize);
}

/** Adds a fresh AES-GCM key (TINK prefix) and makes it the primary; older keys keep their status. */
export function rotateKeyset(keyset: Keyset, keySize: AesKeySize = 32): Keyset {
  if (keySize !== 16 && keySize !== 32) throw new ArgumentError('AES-GCM keys are 16 or 32 bytes');
  if (keyset.key.length >= MAX_KEYS_PER_KEYSET) {
    throw new ArgumentError(
      `the keyset already has ${keyset.key.length} keys (limit ${MAX_KEYS_PER_KEYSET}): destroy old keys first`,
    );
  }
  const next = clone(KeysetSchema, keyset);
  const keyId = newKeyId(new Set(next.key.map((key) => key.keyId)));
  const keyValue = runtime.randomBytes(keySize);
  next.key.push({
    $typeName: 'google.crypto.tink.Keyset.Key',
    keyData: {
      $typeName: 'google.crypto.tink.KeyData',
      typeUrl: AES_GCM_TYPE_URL,
      value: toBinary(AesGcmKeySchema, create(AesGcmKeySchema, { version: 0, keyValue })),
      keyMaterialType: KeyData_KeyMaterialType.SYMMETRIC,
    },
    status: KeyStatusType.ENABLED,
    keyId,
    outputPrefixType: OutputPrefixType.TINK,
  });
  keyValue.fill(0);
  next.primaryKeyId = keyId;
  validateKeyset(next);
  return next;
}

/** Disables a key: ciphertexts under it stop decrypting until it is enabled again. The primary cannot be. */
export function disableKey(keyset: Keyset, keyId: number): Keyset {
  if (keyId === keyset.primaryKeyId) {
    throw new ArgumentError(`key ${keyId} is the primary: rotate first, then disable it`);
  }
  return setStatus(keyset, keyId, KeyStatusType.DISABLED);
}

export function enableKey(keyset: Keyset, keyId: number): Keyset {
  return setStatus(keyset, keyId, KeyStatusType.ENABLED);
}

function setStatus(keyset: Keyset, keyId: number, status: KeyStatusType): Keyset {
  const next = clone(KeysetSchema, keyset);
  const key = next.key.find((candidate) => candidate.keyId === keyId);
  if (key === undefined) throw new ArgumentError(`no key ${keyId} in the keyset`);
  if (key.status === KeyStatusType.DESTROYED) throw new ArgumentError(`key ${keyId} is destroyed`);
  key.status = status;
  validateKeyset(next);
  return next;
}

/** Tink's `KeysetInfo`: the keyset without key material (safe to log and to store in the clear). */
export function keysetInfo(keyset: Keyset): KeysetInfo {
  return create(KeysetInfoSchema, {
    primaryKeyId: keyset.primaryKeyId,
    keyInfo: keyset.key.map((key) => ({
      typeUrl: key.keyData?.typeUrl ?? '',
      status: key.status,
      keyId: key.keyId,
      outputPrefixType: key.outputPrefixType,
    })),
  });
}

/**
 * A random non-zero 31-bit key id not already in use. 31 bits like Tink for Java, so that every Tink
 * JSON writer prints it as a positive number.
 */
function newKeyId(taken: ReadonlySet<number>): number {
  for (;;) {
    const bytes = runtime.randomBytes(4);
    const id = (((bytes[0]! & 0x7f) << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    if (id !== 0 && !taken.has(id)) return id;
  }
}
