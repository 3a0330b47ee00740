/**
 * The long tail of JWE algorithms (AES key wrap, AES-GCM key wrap, dir, PBES2, AES-CBC-HMAC, RSA-OAEP with
 * non-native content), only when a caller widens `open`'s allow-lists: handed to `jose`, with our policy
 * already applied and jose's own allow-lists and PBES2 cap set to the same values.
 */
import { type FlattenedJWE, flattenedDecrypt, importJWK, type JWK } from 'jose';
import { encodeBase64url } from '../../encoding/base64url.ts';
import {
  AlgNotAllowedError,
  DecryptionFailedError,
  KeyMismatchError,
  MalformedError,
  RefusedError,
  SealwireError,
} from '../../errors.ts';
import type { PrivateJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import type { HeaderPolicy } from './header.ts';
import type { ParsedJwe, ParsedRecipient } from './serialization.ts';

export type DelegateKey = { type: 'private'; jwk: PrivateJwk } | { type: 'secret'; bytes: Bytes };

function toFlattened(jwe: ParsedJwe, recipient: ParsedRecipient): FlattenedJWE {
  const flat: FlattenedJWE = {
    iv: encodeBase64url(jwe.iv),
    ciphertext: jwe.ciphertextB64,
    tag: encodeBase64url(jwe.tag),
  };
  if (jwe.protectedB64 !== '') flat.protected = jwe.protectedB64;
  if (jwe.unprotected !== undefined) flat.unprotected = jwe.unprotected;
  if (recipient.header !== undefined) flat.header = recipient.header;
  if (recipient.encryptedKey.length > 0) flat.encrypted_key = encodeBase64url(recipient.encryptedKey);
  if (jwe.aadB64 !== undefined) flat.aad = jwe.aadB64;
  return flat;
}

async function joseKey(key: DelegateKey, alg: string) {
  if (key.type === 'secret') return key.bytes;
  // jose binds an imported key to one algorithm; drop the JWK's own alg/use so the header's alg decides
  // (the header has already passed our allow-list).
  const { alg: _alg, use: _use, key_ops: _ops, ...bare } = key.jwk as PrivateJwk & { key_ops?: string[] };
  try {
    return await importJWK(bare as JWK, alg);
  } catch (cause) {
    throw new KeyMismatchError(`this key cannot be used with ${alg}`, { cause });
  }
}

export async function decryptWithJose(
  jwe: ParsedJwe,
  recipient: ParsedRecipient,
  alg: string,
  key: DelegateKey,
  policy: HeaderPolicy,
): Promise<Bytes> {
  try {
    const result = await flattenedDecrypt(toFlattened(jwe, recipient), await joseKey(key, alg), {
      keyManagementAlgorithms: [...policy.keyManagementAlgorithms],
      contentEncryptionAlgorithms: [...policy.contentEncryptionAlgorithms],
      maxPBES2Count: policy.maxPBES2Count,
    });
    return result.plaintext;
  } catch (error) {
    if (error instanceof SealwireError) throw error;
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw new AlgNotAllowedError(message);
    if (code === 'ERR_JOSE_NOT_SUPPORTED') throw new RefusedError(message);
    if (code === 'ERR_JWE_INVALID') throw new MalformedError(message);
    if (error instanceof TypeError) throw new KeyMismatchError(message);
    throw new DecryptionFailedError();
  }
}
