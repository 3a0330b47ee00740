/**
 * Keysets at rest: Tink's encrypted keyset format (`EncryptedKeyset` in proto3 JSON), i.e. the binary
 * keyset encrypted by a KEK, next to a cleartext `KeysetInfo` (ids and statuses, no key material) that
 * tools can list without the KEK. A Tink user reads these files with
 * `KeysetHandle.readWithAssociatedData(JsonKeysetReader, kekAead, associatedData)`.
 */
import { create, fromJson, type JsonValue, toJsonString } from '@bufbuild/protobuf';
import { parseJsonObject } from '../../encoding/json.ts';
import { DecryptionError, DecryptionFailedError, MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import {
  type EncryptedKeyset,
  EncryptedKeysetSchema,
  type Keyset,
  type KeysetInfo,
} from '../gen/google/crypto/tink/keyset_pb.ts';
import type { Kms } from '../kms.ts';
import { keysetFromBinary, keysetToBinary, MAX_KEYSET_JSON_LENGTH } from './keyset.ts';
import { keysetInfo } from './keyset-ops.ts';

/** Encrypts `keyset` under the KEK; returns the file's text. */
export async function encryptKeyset(keyset: Keyset, kms: Kms, associatedData: Bytes): Promise<string> {
  const binary = keysetToBinary(keyset);
  const encrypted = create(EncryptedKeysetSchema, {
    encryptedKeyset: await kms.encrypt(binary, associatedData),
    keysetInfo: keysetInfo(keyset),
  });
  binary.fill(0);
  return `${toJsonString(EncryptedKeysetSchema, encrypted, { prettySpaces: 2 })}\n`;
}

/**
 * Decrypts a keyset file. A wrong KEK, a modified file and a file renamed to another alias (the alias is
 * in the associated data) all fail the same way, with `DecryptionError`.
 */
export async function decryptKeyset(
  text: string,
  kms: Kms,
  associatedData: Bytes,
  what: string,
): Promise<Keyset> {
  const encrypted = parseEncryptedKeyset(text, what);
  let binary: Bytes;
  try {
    binary = await kms.decrypt(encrypted.encryptedKeyset, associatedData);
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new DecryptionFailedError(
        `${what} cannot be decrypted by KEK ${kms.keyUri}: wrong KEK or password, or the file was modified or renamed`,
      );
    }
    throw error;
  }
  // Not wiped afterwards: the parsed keyset's key bytes are views into `binary` (protobuf-es parses bytes
  // fields without copying).
  return keysetFromBinary(binary, what);
}

/** The cleartext key ids and statuses of a keyset file (unauthenticated: for listing, never for decisions). */
export function readKeysetInfo(text: string, what: string): KeysetInfo | undefined {
  return parseEncryptedKeyset(text, what).keysetInfo;
}

function parseEncryptedKeyset(text: string, what: string): EncryptedKeyset {
  const json = parseJsonObject(text, what, MAX_KEYSET_JSON_LENGTH);
  try {
    const encrypted = fromJson(EncryptedKeysetSchema, json as JsonValue);
    if (encrypted.encryptedKeyset.length === 0) throw new Error('no encryptedKeyset');
    return encrypted;
  } catch (cause) {
    throw new MalformedError(`${what} is not a Tink encrypted keyset: ${(cause as Error).message}`, {
      cause,
    });
  }
}
