/**
 * A password-protected box for arbitrary secrets (a service's `secrets.json`, say), built like the protected
 * key files: Argon2id (default) or scrypt, AES-256-GCM, and a header — KDF parameters and the caller's
 * `purpose` label — authenticated as associated data.
 *
 * Format (JSON, version 1): { "sealwire": "password-box", "header": { version, purpose, kdf, cipher }, "iv", "ciphertext", "tag" }
 */
import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.ts';
import { utf8 } from '../encoding/bytes.ts';
import { canonicalJson, isJsonObject, parseJsonObject } from '../encoding/json.ts';
import { DecryptionError, MalformedError, WrongPasswordError } from '../errors.ts';
import {
  checkKdf,
  checkWriteKdf,
  DEFAULT_ARGON2ID,
  deriveKey,
  type KdfParams,
  passwordBytes,
  withSalt,
} from './kdf.ts';

export interface PasswordBoxOptions {
  kdf?: KdfParams;
}

/**
 * Seals `secret` under `password`. `purpose` names what the box holds; `openPasswordBox` refuses a box made for
 * another purpose, so one box cannot be passed off as another.
 */
export async function sealPasswordBox(
  secret: Uint8Array,
  password: string | Uint8Array,
  purpose: string,
  options: PasswordBoxOptions = {},
): Promise<string> {
  const kdf = options.kdf ?? DEFAULT_ARGON2ID;
  checkWriteKdf(kdf);
  const header = { version: 1, purpose, kdf: withSalt(kdf), cipher: 'A256GCM' };
  const key = await deriveKey(passwordBytes(password), header.kdf);
  const iv = runtime.randomBytes(12);
  const { ciphertext, tag } = await runtime.aesGcmEncrypt(key, iv, secret, utf8(canonicalJson(header)));
  key.fill(0);
  const box = {
    sealwire: 'password-box',
    header,
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(ciphertext),
    tag: encodeBase64url(tag),
  };
  return `${JSON.stringify(box, null, 2)}\n`;
}

/** Opens a box; a wrong password or any change to the file is `ERR_WRONG_PASSWORD`. */
export async function openPasswordBox(
  text: string,
  password: string | Uint8Array,
  purpose: string,
): Promise<Uint8Array> {
  const box = parseJsonObject(text.trim(), 'password box', 1 << 20);
  const header = box.header;
  if (
    box.sealwire !== 'password-box' ||
    !isJsonObject(header) ||
    header.version !== 1 ||
    header.cipher !== 'A256GCM'
  ) {
    throw new MalformedError('not a Sealwire password box (version 1)');
  }
  if (header.purpose !== purpose) {
    throw new MalformedError(
      `this password box holds ${JSON.stringify(header.purpose)}, not ${JSON.stringify(purpose)}`,
    );
  }
  const kdf = checkKdf(header.kdf);
  const key = await deriveKey(passwordBytes(password), kdf);
  try {
    return await runtime.aesGcmDecrypt(
      key,
      decodeBase64url(box.iv, 'iv'),
      decodeBase64url(box.ciphertext, 'ciphertext'),
      decodeBase64url(box.tag, 'tag'),
      utf8(canonicalJson({ ...header, kdf })),
    );
  } catch (error) {
    if (error instanceof DecryptionError)
      throw new WrongPasswordError('wrong password, or the file was modified');
    throw error;
  } finally {
    key.fill(0);
  }
}
