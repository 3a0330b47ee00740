/**
 * Password-protected private key files.
 *
 * Format (JSON, version 1):
 *   { "sealwire": "protected-key", "header": { version, kid, kind, public, kdf, cipher }, "iv", "ciphertext" }
 * The private JWK is encrypted with AES-256-GCM under a key derived from the password by Argon2id (default,
 * RFC 9106 second recommended parameters) or scrypt. The header — KDF parameters included — is the GCM
 * associated data, so lowering the cost or swapping the public key in a stored file breaks decryption.
 */

import { argon2id } from 'hash-wasm';
import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../codecs/base64url.ts';
import { fromUtf8, utf8 } from '../codecs/bytes.ts';
import { isJsonObject, parseJsonObject } from '../codecs/json.ts';
import { ArgumentError, DecryptionError, KeyError, MalformedError, PolicyError } from '../errors.ts';
import { importJwk } from './import.ts';
import { isPrivateJwk, keyKindOf, publicJwkOf } from './kind.ts';
import { thumbprint } from './thumbprint.ts';
import type { PrivateJwk, PublicJwk } from './types.ts';

export interface Argon2idParams {
  name: 'argon2id';
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

export interface ScryptParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
}

export type KdfParams = Argon2idParams | ScryptParams;

/** RFC 9106 §4 second recommended option: 64 MiB, 3 passes, 4 lanes (~0.3 s here). */
export const DEFAULT_ARGON2ID: Argon2idParams = {
  name: 'argon2id',
  memoryKiB: 65536,
  iterations: 3,
  parallelism: 4,
};
/** OWASP's scrypt recommendation: N = 2^17, r = 8, p = 1 (~0.6 s here). */
export const DEFAULT_SCRYPT: ScryptParams = { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 };

/**
 * Caps applied when reading a file: the parameters come from the file, so an attacker who can plant one
 * could otherwise make us allocate gigabytes or spin for minutes.
 */
export const KDF_LIMITS = {
  argon2id: {
    maxMemoryKiB: 1024 * 1024,
    maxIterations: 16,
    maxParallelism: 16,
    minMemoryKiB: 8,
    minIterations: 1,
  },
  scrypt: { maxN: 2 ** 20, maxR: 32, maxP: 16 },
} as const;

/** The weakest parameters accepted when writing (OWASP minimum for Argon2id). */
const MIN_WRITE = { memoryKiB: 19456, iterations: 2, N: 2 ** 15 } as const;

interface Header {
  version: 1;
  kid: string;
  kind: string;
  public: PublicJwk;
  kdf: KdfParams & { salt: string };
  cipher: 'A256GCM';
}

function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') {
    if (password.length === 0) throw new ArgumentError('the password is empty');
    // NFC so that the same password typed on two systems derives the same key.
    return utf8(password.normalize('NFC'));
  }
  if (password.length === 0) throw new ArgumentError('the password is empty');
  return password;
}

function checkKdf(kdf: unknown): KdfParams & { salt: string } {
  if (!isJsonObject(kdf) || typeof kdf.salt !== 'string')
    throw new MalformedError('protected key file: bad "kdf"');
  const int = (value: unknown, name: string) => {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new MalformedError(`protected key file: kdf "${name}" must be a positive integer`);
    }
    return value as number;
  };
  if (kdf.name === 'argon2id') {
    const limits = KDF_LIMITS.argon2id;
    const params = {
      name: 'argon2id' as const,
      memoryKiB: int(kdf.memoryKiB, 'memoryKiB'),
      iterations: int(kdf.iterations, 'iterations'),
      parallelism: int(kdf.parallelism, 'parallelism'),
      salt: kdf.salt,
    };
    if (
      params.memoryKiB > limits.maxMemoryKiB ||
      params.iterations > limits.maxIterations ||
      params.parallelism > limits.maxParallelism
    ) {
      throw new PolicyError(
        'ERR_LIMIT_EXCEEDED',
        `protected key file asks for Argon2id m=${params.memoryKiB} KiB t=${params.iterations} p=${params.parallelism}, over the caps (m<=${limits.maxMemoryKiB}, t<=${limits.maxIterations}, p<=${limits.maxParallelism})`,
      );
    }
    if (params.memoryKiB < 8 * params.parallelism)
      throw new MalformedError('protected key file: Argon2id memory too small');
    return params;
  }
  if (kdf.name === 'scrypt') {
    const limits = KDF_LIMITS.scrypt;
    const params = {
      name: 'scrypt' as const,
      N: int(kdf.N, 'N'),
      r: int(kdf.r, 'r'),
      p: int(kdf.p, 'p'),
      salt: kdf.salt,
    };
    if ((params.N & (params.N - 1)) !== 0 || params.N < 2)
      throw new MalformedError('protected key file: scrypt N must be a power of two');
    if (params.N > limits.maxN || params.r > limits.maxR || params.p > limits.maxP) {
      throw new PolicyError(
        'ERR_LIMIT_EXCEEDED',
        `protected key file asks for scrypt N=${params.N} r=${params.r} p=${params.p}, over the caps (N<=${limits.maxN}, r<=${limits.maxR}, p<=${limits.maxP})`,
      );
    }
    return params;
  }
  throw new MalformedError(
    `protected key file: unsupported KDF ${JSON.stringify(kdf.name)} (argon2id or scrypt)`,
  );
}

async function deriveKey(password: Uint8Array, kdf: KdfParams & { salt: string }): Promise<Uint8Array> {
  const salt = decodeBase64url(kdf.salt, 'kdf salt');
  if (salt.length < 16) throw new MalformedError('protected key file: salt shorter than 16 bytes');
  if (kdf.name === 'scrypt')
    return runtime.scrypt(password, salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });
  return argon2id({
    password,
    salt,
    memorySize: kdf.memoryKiB,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
}

/** Deterministic JSON (sorted keys) of the header: the bytes GCM authenticates. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
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
  if (!isPrivateJwk(jwk)) throw new KeyError('ERR_KEY_INVALID', 'only a private key needs protecting');
  const kdf = options.kdf ?? DEFAULT_ARGON2ID;
  if (
    kdf.name === 'argon2id' &&
    (kdf.memoryKiB < MIN_WRITE.memoryKiB || kdf.iterations < MIN_WRITE.iterations)
  ) {
    throw new ArgumentError(
      `Argon2id parameters below the OWASP minimum (m>=${MIN_WRITE.memoryKiB} KiB, t>=2)`,
    );
  }
  if (kdf.name === 'scrypt' && kdf.N < MIN_WRITE.N) throw new ArgumentError(`scrypt N below ${MIN_WRITE.N}`);
  const header: Header = {
    version: 1,
    kid: await thumbprint(jwk),
    kind: keyKindOf(jwk),
    public: publicJwkOf(jwk),
    kdf: { ...kdf, salt: encodeBase64url(runtime.randomBytes(16)) },
    cipher: 'A256GCM',
  };
  checkKdf(header.kdf);
  const key = await deriveKey(passwordBytes(password), header.kdf);
  const iv = runtime.randomBytes(12);
  const { ciphertext, tag } = await runtime.aesGcmEncrypt(
    key,
    iv,
    utf8(JSON.stringify(jwk)),
    utf8(canonical(header)),
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
    plaintext = await runtime.aesGcmDecrypt(key, iv, ciphertext, tag, utf8(canonical({ ...header, kdf })));
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new KeyError('ERR_WRONG_PASSWORD', 'wrong password, or the key file was modified');
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
