/**
 * Password-protected key backup, done on the client: the server stores a blob it cannot open and releases
 * it only to a caller who proves knowledge of the password.
 *
 * Argon2id (at least RFC 9106's memory-constrained choice: 64 MiB, 3 passes, 4 lanes; more when asked) turns
 * the password into 32 bytes; HKDF-SHA-256 splits them into an encryption key (AES-256-GCM over the secret,
 * the header as associated data) and an access key. The server keeps only a hash of the access key, compares
 * in constant time, counts failures and locks: online guessing stops there. The server operator can still
 * guess offline at Argon2id speed against that hash. With a recovery code (32 random bytes shown once, like
 * 1Password's Secret Key) mixed into the HKDF input, both keys depend on a secret the server never sees, and
 * the backup holds against the operator too; losing the code then loses the backup.
 *
 * The KDF parameters come back from the server on restore, so they are attacker-controlled there: below the
 * minimum they are refused before the password is used (a server offering weak parameters would otherwise
 * get an access key it could brute-force cheaply), and above the caps of keys/kdf.ts too.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { base32crockford } from '@scure/base';
import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../../encoding/base64url.ts';
import { joinBytes, utf8 } from '../../encoding/bytes.ts';
import { canonicalJson, isJsonObject } from '../../encoding/json.ts';
import { ArgumentError, MalformedError, RefusedError, WrongPasswordError } from '../../errors.ts';
import {
  type Argon2idParams,
  checkKdf,
  DEFAULT_ARGON2ID,
  deriveKey,
  passwordBytes,
  withSalt,
} from '../../keys/kdf.ts';
import type { Bytes } from '../../runtime/types.ts';

/** RFC 9106 §4, the memory-constrained recommendation: the floor for writing and for restoring. */
export const MIN_BACKUP_KDF: Readonly<Argon2idParams> = DEFAULT_ARGON2ID;

export type BackupKdf = Argon2idParams & { salt: string };

/** What the server stores and returns: nothing in it opens without the password (and the code, if used). */
export interface BackupBlob {
  v: 1;
  kdf: BackupKdf;
  /** Whether a recovery code is needed as well as the password. */
  recovery: boolean;
  iv: string;
  /** AES-256-GCM ciphertext with its tag. */
  ciphertext: string;
}

export interface BackupKeys {
  encryptionKey: Bytes;
  /** Sent to the server to fetch the blob; never stored by it (only `accessVerifier`). */
  accessKey: Bytes;
}

const RECOVERY_BYTES = 32;

/** The server's record of an access key: SHA-256 of a tag and the key, base64url. */
export function accessVerifier(accessKey: Bytes): string {
  return encodeBase64url(sha256(joinBytes([utf8('sealwire-backup-access/v1\n'), accessKey])));
}

function checkBackupKdf(kdf: unknown): BackupKdf {
  const params = checkKdf(kdf);
  if (params.name !== 'argon2id') throw new MalformedError('backup: the KDF must be Argon2id');
  if (
    params.memoryKiB < MIN_BACKUP_KDF.memoryKiB ||
    params.iterations < MIN_BACKUP_KDF.iterations ||
    params.parallelism < 1
  )
    throw new RefusedError(
      `backup: Argon2id m=${params.memoryKiB} KiB t=${params.iterations} is below the minimum (m>=${MIN_BACKUP_KDF.memoryKiB}, t>=${MIN_BACKUP_KDF.iterations}); refused before the password is used`,
    );
  return params;
}

/** The two keys from the password (and the recovery code's bytes) under `kdf`. */
export async function deriveBackupKeys(
  password: string | Bytes,
  kdf: BackupKdf,
  recovery?: Bytes,
): Promise<BackupKeys> {
  const checked = checkBackupKdf(kdf);
  if (recovery !== undefined && recovery.length !== RECOVERY_BYTES)
    throw new ArgumentError('a recovery code holds 32 bytes');
  const stretched = await deriveKey(passwordBytes(password), checked);
  const ikm = recovery === undefined ? stretched : joinBytes([stretched, recovery]);
  const salt = decodeBase64url(checked.salt, 'kdf salt');
  const [encryptionKey, accessKey] = await Promise.all([
    runtime.hkdfSha256(ikm, salt, utf8('sealwire-backup-encryption/v1'), 32),
    runtime.hkdfSha256(ikm, salt, utf8('sealwire-backup-access/v1'), 32),
  ]);
  stretched.fill(0);
  return { encryptionKey, accessKey };
}

function header(blob: Pick<BackupBlob, 'v' | 'kdf' | 'recovery'>): Bytes {
  return utf8(canonicalJson({ sealwire: 'backup', v: blob.v, kdf: blob.kdf, recovery: blob.recovery }));
}

/**
 * Seals `secret` (the identity key and what a new device needs) under `password`, and `recovery` when
 * given. Returns the blob for the server, the access key to upload it with, and its verifier.
 */
export async function sealBackup(
  secret: Bytes,
  password: string | Bytes,
  options: { kdf?: Argon2idParams; recovery?: Bytes } = {},
): Promise<{ blob: BackupBlob; accessKey: Bytes; verifier: string }> {
  const kdf = withSalt(options.kdf ?? MIN_BACKUP_KDF) as BackupKdf;
  const keys = await deriveBackupKeys(password, kdf, options.recovery);
  const iv = runtime.randomBytes(12);
  const fields = { v: 1 as const, kdf, recovery: options.recovery !== undefined };
  const { ciphertext, tag } = await runtime.aesGcmEncrypt(keys.encryptionKey, iv, secret, header(fields));
  keys.encryptionKey.fill(0);
  return {
    blob: { ...fields, iv: encodeBase64url(iv), ciphertext: encodeBase64url(joinBytes([ciphertext, tag])) },
    accessKey: keys.accessKey,
    verifier: accessVerifier(keys.accessKey),
  };
}

/** A blob from untrusted JSON (the server's answer). */
export function parseBackupBlob(value: unknown): BackupBlob {
  if (!isJsonObject(value)) throw new MalformedError('backup: not a JSON object');
  if (Object.keys(value).sort().join(',') !== 'ciphertext,iv,kdf,recovery,v' || value.v !== 1)
    throw new MalformedError('backup: not a version 1 backup');
  if (typeof value.recovery !== 'boolean') throw new MalformedError('backup: bad "recovery"');
  const iv = decodeBase64url(value.iv, 'backup iv');
  const ciphertext = decodeBase64url(value.ciphertext, 'backup ciphertext');
  if (iv.length !== 12 || ciphertext.length < 16) throw new MalformedError('backup: bad iv or ciphertext');
  return {
    v: 1,
    kdf: checkBackupKdf(value.kdf),
    recovery: value.recovery,
    iv: value.iv as string,
    ciphertext: value.ciphertext as string,
  };
}

/** Opens a blob; a wrong password, a wrong or missing recovery code, or any change is `ERR_WRONG_PASSWORD`. */
export async function openBackup(
  blob: BackupBlob,
  password: string | Bytes,
  recovery?: Bytes,
): Promise<Bytes> {
  const checked = parseBackupBlob(blob);
  if (checked.recovery && recovery === undefined)
    throw new ArgumentError('this backup needs its recovery code as well as the password');
  const keys = await deriveBackupKeys(password, checked.kdf, checked.recovery ? recovery : undefined);
  const sealed = decodeBase64url(checked.ciphertext, 'backup ciphertext');
  try {
    const opened = await runtime.aesGcmDecrypt(
      keys.encryptionKey,
      decodeBase64url(checked.iv, 'backup iv'),
      sealed.subarray(0, -16),
      sealed.subarray(-16),
      header(checked),
    );
    // A plain Uint8Array on every runtime (Node's is a Buffer).
    return new Uint8Array(opened.buffer, opened.byteOffset, opened.length);
  } catch {
    throw new WrongPasswordError(
      'the backup does not open: wrong password or recovery code, or it was changed',
    );
  } finally {
    keys.encryptionKey.fill(0);
  }
}

/** A fresh recovery code: 32 random bytes and a 2-byte check, Crockford base32 in groups of 5. */
export function newRecoveryCode(): { code: string; bytes: Bytes } {
  const bytes = runtime.randomBytes(RECOVERY_BYTES);
  const check = sha256(bytes).subarray(0, 2);
  const text = base32crockford.encode(joinBytes([bytes, check]));
  return { code: text.match(/.{1,5}/g)!.join('-'), bytes };
}

/** The bytes of a typed recovery code (case, spaces and dashes ignored); a typo is caught by its check. */
export function parseRecoveryCode(text: string): Bytes {
  const compact = text.replace(/[\s-]/g, '').toUpperCase();
  let decoded: Bytes;
  try {
    decoded = base32crockford.decode(compact);
  } catch {
    throw new ArgumentError('not a recovery code (letters and digits in groups of 5)');
  }
  if (decoded.length !== RECOVERY_BYTES + 2) throw new ArgumentError('a recovery code has 55 characters');
  const bytes = decoded.subarray(0, RECOVERY_BYTES);
  const check = sha256(bytes).subarray(0, 2);
  if (check[0] !== decoded[RECOVERY_BYTES] || check[1] !== decoded[RECOVERY_BYTES + 1])
    throw new ArgumentError('the recovery code has a typo (its check does not match)');
  return bytes;
}
