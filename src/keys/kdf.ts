/**
 * Password-based key derivation shared by every password-protected file Sealwire writes: Argon2id
 * (hash-wasm, default) or scrypt, with parameters stored next to the ciphertext and capped when read.
 */

import { argon2id } from 'hash-wasm';
import { runtime } from '#runtime';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.ts';
import { utf8 } from '../encoding/bytes.ts';
import { isJsonObject } from '../encoding/json.ts';
import { ArgumentError, LimitExceededError, MalformedError } from '../errors.ts';

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
export const MIN_WRITE = { memoryKiB: 19456, iterations: 2, N: 2 ** 15 } as const;

export function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') {
    if (password.length === 0) throw new ArgumentError('the password is empty');
    // NFC so that the same password typed on two systems derives the same key.
    return utf8(password.normalize('NFC'));
  }
  if (password.length === 0) throw new ArgumentError('the password is empty');
  return password;
}

export function checkKdf(kdf: unknown): KdfParams & { salt: string } {
  if (!isJsonObject(kdf) || typeof kdf.salt !== 'string')
    throw new MalformedError('password-protected file: bad "kdf"');
  const int = (value: unknown, name: string) => {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new MalformedError(`password-protected file: kdf "${name}" must be a positive integer`);
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
      throw new LimitExceededError(
        `password-protected file asks for Argon2id m=${params.memoryKiB} KiB t=${params.iterations} p=${params.parallelism}, over the caps (m<=${limits.maxMemoryKiB}, t<=${limits.maxIterations}, p<=${limits.maxParallelism})`,
      );
    }
    if (params.memoryKiB < 8 * params.parallelism)
      throw new MalformedError('password-protected file: Argon2id memory too small');
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
      throw new MalformedError('password-protected file: scrypt N must be a power of two');
    if (params.N > limits.maxN || params.r > limits.maxR || params.p > limits.maxP) {
      throw new LimitExceededError(
        `password-protected file asks for scrypt N=${params.N} r=${params.r} p=${params.p}, over the caps (N<=${limits.maxN}, r<=${limits.maxR}, p<=${limits.maxP})`,
      );
    }
    return params;
  }
  throw new MalformedError(
    `password-protected file: unsupported KDF ${JSON.stringify(kdf.name)} (argon2id or scrypt)`,
  );
}

export async function deriveKey(
  password: Uint8Array,
  kdf: KdfParams & { salt: string },
): Promise<Uint8Array> {
  const salt = decodeBase64url(kdf.salt, 'kdf salt');
  if (salt.length < 16) throw new MalformedError('password-protected file: salt shorter than 16 bytes');
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

/** Checks write-side parameters against the minimums above. */
export function checkWriteKdf(kdf: KdfParams): void {
  if (
    kdf.name === 'argon2id' &&
    (kdf.memoryKiB < MIN_WRITE.memoryKiB || kdf.iterations < MIN_WRITE.iterations)
  ) {
    throw new ArgumentError(
      `Argon2id parameters below the OWASP minimum (m>=${MIN_WRITE.memoryKiB} KiB, t>=2)`,
    );
  }
  if (kdf.name === 'scrypt' && kdf.N < MIN_WRITE.N) throw new ArgumentError(`scrypt N below ${MIN_WRITE.N}`);
}

/** Fresh parameters with a random 16-byte salt. */
export function withSalt(kdf: KdfParams): KdfParams & { salt: string } {
  return { ...kdf, salt: encodeBase64url(runtime.randomBytes(16)) };
}
