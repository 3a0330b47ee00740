/**
 * Password-protected private key files.
 *
 * Format (JSON, version 1):
 *   { "sealwire": "protected-key", "header": { version, kid, kind, public, kdf, cipher }, "iv", "ciphertext" }
 * The private JWK is encrypted with AES-256-GCM under a key derived from the password by Argon2id (default,
 * RFC 9106 second recommended parameters) or scrypt. The header — KDF parameters included — is the GCM
 * associated data, so lowering the cost or swapping the public key in a stored file breaks decryption.
 */

import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.ts';
import { fromUtf8, utf8 } from '../encoding/bytes.ts';
import { canonicalJson, isJsonObject, parseJsonObject } from '../encoding/json.ts';
import { DecryptionError, KeyInvalidError, MalformedError, WrongPasswordError } from '../errors.ts';
import { importJwk } from './import.ts';
import {
  checkKdf,
  checkWriteKdf,
  DEFAULT_ARGON2ID,
  deriveKey,
  type KdfParams,
  passwordBytes,
  withSalt,
} from './kdf.ts';
import { isPrivateJwk, keyKindOf, publicJwkOf } from './kind.ts';
import { thumbprint } from './thumbprint.ts';
import type { PrivateJwk, PublicJwk } from './types.ts';

export {
  type Argon2idParams,
  DEFAULT_ARGON2ID,
  DEFAULT_SCRYPT,
  KDF_LIMITS,
  type KdfParams,
  type ScryptParams,
} from './kdf.ts';

interface Header {
  version: 1;
  kid: string;
  kind: string;
  public: PublicJwk;
  kdf: KdfParams & { salt: string };
  cipher: 'A256GCM';
}

export interface ProtectOptions {
  kdf?: KdfParams;
}

/** Encrypts a private JWK under a password; returns the file's text (write it with mode 0600). */
export async function protectPrivateKey(
  jwk: PrivateJwk,
  password: string | Uint8Array,
  options: ProtectOptions = {},
): Promise<string> {
  if (!isPrivateJwk(jwk)) throw new KeyInvalidError('only a private key needs protecting');
  const kdf = options.kdf ?? DEFAULT_ARGON2ID;
  checkWriteKdf(kdf);
  const header: Header = {
    version: 1,
    kid: await thumbprint(jwk),
    kind: keyKindOf(jwk),
    public: publicJwkOf(jwk),
    kdf: withSalt(kdf),
    cipher: 'A256GCM',
  };
  checkKdf(header.kdf);
  const key = await deriveKey(passwordBytes(password), header.kdf);
  const iv = runtime.randomBytes(12);
  const { ciphertext, tag } = await runtime.aesGcmEncrypt(
    key,
    iv,
    utf8(JSON.stringify(jwk)),
    utf8(canonicalJson(header)),
  );
  key.fill(0);
  const file = {
    sealwire: 'protected-key',
    header,
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(ciphertext),
    tag: encodeBase64url(tag),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** True when `text` looks like a Sealwire protected key file (so callers know to ask for a password). */
export function isProtectedKeyFile(text: string): boolean {
  try {
    return parseJsonObject(text.trim(), 'key file', 1 << 20).sealwire === 'protected-key';
  } catch {
    return false;
  }
}

/** Reads the public key of a protected file without the password. */
export function protectedKeyPublicJwk(text: string): PublicJwk {
  const file = parseJsonObject(text.trim(), 'protected key file', 1 << 20);
  const header = file.header;
  if (file.sealwire !== 'protected-key' || !isJsonObject(header) || !isJsonObject(header.public)) {
    throw new MalformedError('not a Sealwire protected key file');
  }
  return header.public as unknown as PublicJwk;
}

/** Decrypts a protected key file. A wrong password is `KeyError` with code ERR_WRONG_PASSWORD. */
export async function unprotectPrivateKey(text: string, password: string | Uint8Array): Promise<PrivateJwk> {
  const file = parseJsonObject(text.trim(), 'protected key file', 1 << 20);
  if (file.sealwire !== 'protected-key') throw new MalformedError('not a Sealwire protected key file');
  const header = file.header;
  if (!isJsonObject(header) || header.version !== 1) {
    throw new MalformedError('protected key file: unsupported version (this Sealwire reads version 1)');
  }
  if (header.cipher !== 'A256GCM') throw new MalformedError('protected key file: unsupported cipher');
  const kdf = checkKdf(header.kdf);
  const iv = decodeBase64url(file.iv, 'iv');
  const ciphertext = decodeBase64url(file.ciphertext, 'ciphertext');
  const tag = decodeBase64url(file.tag, 'tag');
  const key = await deriveKey(passwordBytes(password), kdf);
  let plaintext: Uint8Array;
  try {
    plaintext = await runtime.aesGcmDecrypt(
      key,
      iv,
      ciphertext,
      tag,
      utf8(canonicalJson({ ...header, kdf })),
    );
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new WrongPasswordError('wrong password, or the key file was modified');
    }
    throw error;
  } finally {
    key.fill(0);
  }
  const jwk = await importJwk(JSON.parse(fromUtf8(plaintext)));
  plaintext.fill(0);
  if (!isPrivateJwk(jwk)) throw new MalformedError('protected key file does not hold a private key');
  return { ...jwk, kid: jwk.kid ?? (await thumbprint(jwk)) };
}
