/**
 * Runtime primitives on node:crypto (OpenSSL). Synchronous native calls wrapped in promises so the
 * interface matches the WebCrypto implementation; no work is deferred to a thread except key generation
 * and scrypt, which are slow enough to deserve it.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  constants as cryptoConstants,
  diffieHellman,
  generateKeyPair as generateKeyPairCallback,
  hkdfSync,
  type JsonWebKey,
  type KeyObject,
  sign as nodeSign,
  timingSafeEqual as nodeTimingSafeEqual,
  verify as nodeVerify,
  publicEncrypt,
  randomFillSync,
  scrypt as scryptCallback,
  webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { encodeBase64url, tryDecodeBase64url } from '../encoding/base64url.ts';
import { DecryptionFailedError, KeyError, KeyInvalidError, KeyMismatchError } from '../errors.ts';
import type { PrivateJwk, PublicJwk } from '../keys/types.ts';
import type { Bytes, EcdhCurve, GeneratedPair, Runtime, SignatureAlg } from './types.ts';

const generateKeyPairAsync = promisify(generateKeyPairCallback);

// Imported key objects, cached per JWK object: importing an RSA-4096 JWK costs more than the operation
// it is imported for. A JWK must not be mutated after first use (documented on the public APIs).
const publicCache = new WeakMap<object, KeyObject>();
const privateCache = new WeakMap<object, KeyObject>();

// WebCrypto keys for RSA-OAEP decryption, per JWK object and hash (WebCrypto binds a key to one hash).
const rsaDecryptionKeys = new WeakMap<object, Map<string, Promise<CryptoKey>>>();

function rsaDecryptionKey(jwk: PrivateJwk, hash: 'SHA-256' | 'SHA-1'): Promise<CryptoKey> {
  let byHash = rsaDecryptionKeys.get(jwk);
  if (byHash === undefined) {
    byHash = new Map();
    rsaDecryptionKeys.set(jwk, byHash);
  }
  let key = byHash.get(hash);
  if (key === undefined) {
    // Validate through node:crypto first, for the same typed error on a bad JWK as every other operation.
    const exported = privateKeyObject(jwk).export({ format: 'jwk' });
    key = webcrypto.subtle.importKey('jwk', exported, { name: 'RSA-OAEP', hash }, false, ['decrypt']);
    key.catch(() => byHash.delete(hash));
    byHash.set(hash, key);
  }
  return key;
}

function publicKeyObject(jwk: PublicJwk | PrivateJwk): KeyObject {
  let key = publicCache.get(jwk);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: publicMembers(jwk) as JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new KeyInvalidError(`invalid ${describe(jwk)} public key: ${reason(cause)}`, {
        cause,
      });
    }
    publicCache.set(jwk, key);
  }
  return key;
}

function privateKeyObject(jwk: PrivateJwk): KeyObject {
  let key = privateCache.get(jwk);
  if (key === undefined) {
    if (typeof (jwk as { d?: unknown }).d !== 'string') {
      throw new KeyInvalidError(`a private key is needed but a ${describe(jwk)} public key was given`);
    }
    try {
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new KeyInvalidError(`invalid ${describe(jwk)} private key: ${reason(cause)}`, {
        cause,
      });
    }
    privateCache.set(jwk, key);
  }
  return key;
}

/** Only the members that define a public key: never let a stray `d` turn a public import private. */
function publicMembers(jwk: PublicJwk | PrivateJwk): Record<string, string> {
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    case 'EC':
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    case 'OKP':
      return { kty: 'OKP', crv: jwk.crv, x: jwk.x };
    default:
      throw new KeyInvalidError(`unsupported key type ${JSON.stringify((jwk as { kty?: unknown }).kty)}`);
  }
}

function describe(jwk: { kty?: unknown; crv?: unknown }): string {
  return typeof jwk.crv === 'string' ? jwk.crv : String(jwk.kty);
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function toJwk(key: KeyObject): PublicJwk | PrivateJwk {
  return key.export({ format: 'jwk' }) as unknown as PublicJwk | PrivateJwk;
}

// IVs and small nonces are drawn from a pooled random buffer: randomBytes(12) per call costs ~5 us, more
// than the AES-GCM of a 1 KiB message. Each byte of the pool is handed out once and copied out.
const POOL_SIZE = 16 * 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomBytes(length: number): Bytes {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (poolOffset + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    poolOffset = 0;
  }
  const out = new Uint8Array(length);
  out.set(pool.subarray(poolOffset, poolOffset + length));
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

function gcmName(key: Bytes): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 24) return 'aes-192-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  throw new KeyInvalidError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
}

function wrapName(kek: Bytes): string {
  if (kek.length === 16 || kek.length === 24 || kek.length === 32) return `id-aes${kek.length * 8}-wrap`;
  throw new KeyInvalidError(`AES key-wrap key must be 16, 24 or 32 bytes, got ${kek.length}`);
}

// GCM output is base64url-encoded chunk by chunk, so each ciphertext chunk is encoded while still in cache
// and no whole-size ciphertext buffer is allocated. Chunk sizes are multiples of 3 bytes (the encoded pieces
// concatenate exactly) and were measured here: up to 2 MiB, 48 KiB chunks (64 Ki-character strings stay in
// V8's young generation; 96-120 KiB chunks land in large-object space and run 3x slower); above, 768 KiB
// chunks, whose 1 Mi-character strings are external and never copied by the garbage collector.
const SMALL_CHUNK_BYTES = 3 * 16 * 1024;
const LARGE_CHUNK_BYTES = 3 * 256 * 1024;
const SMALL_PAYLOAD = 2 * 1024 * 1024;
// Decryption decodes the whole text at once up to 4 Mi characters (fastest measured), then 1 Mi-character
// chunks decrypted into one output buffer (same speed, no second whole-size buffer).
const WHOLE_DECODE_CHARS = 4 * 1024 * 1024;
const DECODE_CHUNK_CHARS = 1024 * 1024;

// RFC 3394 §2.2.3.1: A6A6A6A6A6A6A6A6.
const KW_DEFAULT_IV = Buffer.alloc(8, 0xa6);

function isAllZero(data: Bytes): boolean {
  let acc = 0;
  for (const byte of data) acc |= byte;
  return acc === 0;
}

export const runtime: Runtime = {
  name: 'node',

  randomBytes,

  base64urlEncode: encodeBase64url,
  base64urlDecode: tryDecodeBase64url,

  async sha256(data) {
    return createHash('sha256').update(data).digest();
  },

  async aesGcmEncrypt(key, iv, plaintext, aad) {
    const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const ciphertext = cipher.update(plaintext);
    const rest = cipher.final();
    return {
      ciphertext: rest.length === 0 ? ciphertext : Buffer.concat([ciphertext, rest]),
      tag: cipher.getAuthTag(),
    };
  },

  async aesGcmDecrypt(key, iv, ciphertext, tag, aad) {
    if (iv.length !== 12 || tag.length !== 16) throw new DecryptionFailedError();
    const decipher = createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.setAAD(aad);
    // `update` yields bytes before the tag is checked; they stay local until `final` succeeds.
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      plaintext.fill(0);
      throw new DecryptionFailedError();
    }
    return plaintext;
  },

  async aesGcmEncryptToBase64url(key, iv, plaintext, aad) {
    const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const chunkBytes = plaintext.length <= SMALL_PAYLOAD ? SMALL_CHUNK_BYTES : LARGE_CHUNK_BYTES;
    let ciphertext = '';
    for (let offset = 0; offset < plaintext.length || offset === 0; offset += chunkBytes) {
      const end = Math.min(plaintext.length, offset + chunkBytes);
      ciphertext += encodeBase64url(cipher.update(plaintext.subarray(offset, end)));
      if (end === plaintext.length) break;
    }
    cipher.final();
    return { ciphertext, tag: cipher.getAuthTag() };
  },

  async aesGcmDecryptFromBase64url(key, iv, ciphertext, tag, aad) {
    if (iv.length !== 12 || tag.length !== 16) throw new DecryptionFailedError();
    if (ciphertext.length <= WHOLE_DECODE_CHARS) {
      const bytes = tryDecodeBase64url(ciphertext);
      return bytes === undefined ? undefined : runtime.aesGcmDecrypt(key, iv, bytes, tag, aad);
    }
    if (ciphertext.length % 4 === 1) return undefined;
    const decipher = createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.setAAD(aad);
    const out = Buffer.allocUnsafe(Math.floor((ciphertext.length * 3) / 4));
    let written = 0;
    for (let offset = 0; offset < ciphertext.length; offset += DECODE_CHUNK_CHARS) {
      const chunk = tryDecodeBase64url(ciphertext.slice(offset, offset + DECODE_CHUNK_CHARS));
      if (chunk === undefined) {
        out.fill(0);
        return undefined;
      }
      written += decipher.update(chunk).copy(out, written);
    }
    try {
      decipher.final();
    } catch {
      // The bytes in `out` were never authenticated: wipe them before the buffer is dropped.
      out.fill(0);
      throw new DecryptionFailedError();
    }
    return out.subarray(0, written);
  },

  async aesGcmEncryptFramed(key, iv, plaintext, aad, header) {
    const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const ciphertext = cipher.update(plaintext);
    const rest = cipher.final();
    // Buffer.concat allocates from the pool without zero-filling: one allocation, one copy per piece.
    return Buffer.concat([header, iv, ciphertext, rest, cipher.getAuthTag()]);
  },

  async aesKeyWrap(kek, key) {
    const cipher = createCipheriv(wrapName(kek), kek, KW_DEFAULT_IV);
    return Buffer.concat([cipher.update(key), cipher.final()]);
  },

  async aesKeyUnwrap(kek, wrapped) {
    if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new DecryptionFailedError();
    try {
      const decipher = createDecipheriv(wrapName(kek), kek, KW_DEFAULT_IV);
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch (error) {
      if (error instanceof KeyError) throw error;
      throw new DecryptionFailedError();
    }
  },

  async rsaOaepEncrypt(publicJwk, hash, data) {
    if (publicJwk.kty !== 'RSA') throw new KeyMismatchError('RSA-OAEP needs an RSA key');
    return publicEncrypt(
      {
        key: publicKeyObject(publicJwk),
        padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: hash === 'SHA-256' ? 'sha256' : 'sha1',
      },
      data,
    );
  },

  async rsaOaepDecrypt(privateJwk, hash, data) {
    if (privateJwk.kty !== 'RSA') throw new KeyMismatchError('RSA-OAEP needs an RSA key');
    // The private-key operation (~4 ms for RSA-4096) runs on the thread pool through WebCrypto, so a server
    // opening RSA-sealed messages does not stall its event loop; node:crypto's privateDecrypt is synchronous.
    const key = await rsaDecryptionKey(privateJwk, hash);
    try {
      return new Uint8Array(await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, data as BufferSource));
    } catch {
      throw new DecryptionFailedError();
    }
  },

  async generateEphemeral(curve: EcdhCurve): Promise<GeneratedPair> {
    return exportPair(generateCurvePair(curve));
  },

  async ecdh(privateJwk, publicJwk) {
    const privateKey = privateKeyObject(privateJwk);
    const publicKey = publicKeyObject(publicJwk);
    let secret: Buffer;
    try {
      secret = diffieHellman({ privateKey, publicKey });
    } catch (cause) {
      throw new KeyInvalidError(`ECDH failed: ${reason(cause)}`, { cause });
    }
    // A low-order X25519 point yields an all-zero secret that any attacker can predict (RFC 7748 §6.1).
    // (On P-256 an all-zero x-coordinate is a legitimate, if rare, result.)
    if (publicJwk.kty === 'OKP' && isAllZero(secret))
      throw new KeyInvalidError('ECDH produced an all-zero secret (low-order point)');
    return secret;
  },

  async sign(alg: SignatureAlg, privateJwk, data) {
    const key = privateKeyObject(privateJwk);
    if (alg === 'EdDSA') return nodeSign(null, data, key);
    return nodeSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  },

  async verify(alg: SignatureAlg, publicJwk, data, signature) {
    const key = publicKeyObject(publicJwk);
    try {
      if (alg === 'EdDSA') return nodeVerify(null, data, key, signature);
      if (signature.length !== 64) return false;
      return nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },

  async generateKeyPair(kind, rsaBits = 3072) {
    if (kind === 'RSA') {
      const pair = await generateKeyPairAsync('rsa', { modulusLength: rsaBits, publicExponent: 0x10001 });
      return exportPair(pair);
    }
    return exportPair(generateCurvePair(kind === 'ES256' ? 'P-256' : kind));
  },

  async validateJwk(jwk, isPrivate) {
    const publicKey = publicKeyObject(jwk);
    if (!isPrivate) return;
    let derived: JsonWebKey;
    if (jwk.kty === 'EC') {
      // OpenSSL keeps the public point given in an EC JWK instead of recomputing it from d: do it here.
      const d = tryDecodeBase64url((jwk as PrivateJwk).d);
      if (d === undefined) throw new KeyInvalidError('invalid P-256 private key: "d" is not base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(d);
      const point = ecdh.getPublicKey();
      derived = {
        kty: 'EC',
        crv: 'P-256',
        x: encodeBase64url(point.subarray(1, 33)),
        y: encodeBase64url(point.subarray(33)),
      };
    } else {
      derived = createPublicKey(privateKeyObject(jwk as PrivateJwk)).export({ format: 'jwk' });
    }
    const given = publicKey.export({ format: 'jwk' });
    // A private JWK whose public members belong to another key would make its thumbprint (kid) lie.
    if (
      JSON.stringify(publicMembers(derived as PublicJwk)) !==
      JSON.stringify(publicMembers(given as PublicJwk))
    ) {
      throw new KeyInvalidError('the private key does not match the public members of its JWK');
    }
  },

  async pemToJwk(pem) {
    try {
      const key = /PRIVATE KEY-----/.test(pem)
        ? createPrivateKey({ key: pem, format: 'pem' })
        : createPublicKey(pem);
      return toJwk(key);
    } catch (cause) {
      throw new KeyInvalidError(`cannot read PEM key: ${reason(cause)}`, { cause });
    }
  },

  async jwkToPem(jwk, type) {
    const key = type === 'pkcs8' ? privateKeyObject(jwk as PrivateJwk) : publicKeyObject(jwk);
    return key.export({ type, format: 'pem' }).toString();
  },

  async spkiDer(jwk) {
    return publicKeyObject(jwk).export({ type: 'spki', format: 'der' });
  },

  scrypt(password, salt, { N, r, p, dkLen }) {
    return new Promise((resolve, reject) => {
      scryptCallback(password, salt, dkLen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
        error ? reject(error) : resolve(key),
      );
    });
  },

  timingSafeEqual(a, b) {
    return a.length === b.length && nodeTimingSafeEqual(a, b);
  },

  chacha20Poly1305Seal(key, nonce, plaintext, aad) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    if (aad !== undefined && aad.length > 0) cipher.setAAD(aad, { plaintextLength: totalLength(plaintext) });
    const out: Bytes[] = [];
    for (const piece of plaintext) out.push(cipher.update(piece));
    cipher.final();
    out.push(cipher.getAuthTag());
    return out;
  },

  chacha20Poly1305Open(key, nonce, ciphertext, tag, aad) {
    if (tag.length !== 16 || nonce.length !== 12) return undefined;
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    if (aad !== undefined && aad.length > 0)
      decipher.setAAD(aad, { plaintextLength: totalLength(ciphertext) });
    // `update` yields bytes before the tag is checked; they stay local until `final` succeeds.
    const out: Buffer[] = [];
    for (const piece of ciphertext) out.push(decipher.update(piece));
    try {
      decipher.final();
    } catch {
      for (const piece of out) piece.fill(0);
      return undefined;
    }
    return out;
  },

  async hmacSha256(key, data) {
    return createHmac('sha256', key).update(data).digest();
  },

  async hkdfSha256(ikm, salt, info, length) {
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
  },

  sha256Stream() {
    const hash = createHash('sha256');
    return {
      update(data: Bytes) {
        hash.update(data);
      },
      digest() {
        return hash.digest();
      },
    };
  },

  async x25519(scalar, point) {
    if (scalar.length !== 32 || (point !== undefined && point.length !== 32))
      throw new KeyInvalidError('X25519 keys are 32 bytes');
    // Imported as JWK, not as PKCS#8/SPKI DER: OpenSSL 3's DER decoders cost ~200 us a key, JWK ~20 us (the
    // placeholder "x" of the private key is ignored: OpenSSL computes it from "d").
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', d: encodeBase64url(scalar), x: '' },
      format: 'jwk',
    });
    if (point === undefined) {
      const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
      // OpenSSL's own export: always canonical base64url.
      return tryDecodeBase64url(x as string) as Bytes;
    }
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: encodeBase64url(point) },
      format: 'jwk',
    });
    let secret: Buffer;
    try {
      secret = diffieHellman({ privateKey, publicKey });
    } catch (cause) {
      throw new KeyInvalidError(`X25519 failed: ${reason(cause)}`, { cause });
    }
    // A low-order point yields an all-zero secret that any attacker can predict (RFC 7748 §6.1).
    if (isAllZero(secret)) throw new KeyInvalidError('X25519 produced an all-zero secret (low-order point)');
    return secret;
  },
};

function totalLength(pieces: readonly Bytes[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return length;
}

/**
 * Curve key pairs from a fresh random private key imported as JWK, never from generateKeyPairSync: on Node 20 a
 * key made by generateKeyPairSync deadlocks the main thread if it is exported as JWK while a garbage collection
 * frees its key-generation job (the job's destructor waits for the key's mutex, which the export holds while it
 * allocates). It hung this project's test suite; a loop of sync generate + JWK export reproduces it within
 * 20,000 iterations, the import route does not in 100,000. The import route is also as fast.
 */
function generateCurvePair(curve: 'X25519' | 'P-256' | 'Ed25519'): {
  publicKey: KeyObject;
  privateKey: KeyObject;
} {
  if (curve === 'P-256') {
    // ECDH keeps no KeyObject and no job: OpenSSL draws the scalar in [1, n-1] and computes the point.
    const ecdh = createECDH('prime256v1');
    const point = ecdh.generateKeys();
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      // The scalar comes back without leading zero bytes (1 in 256 keys); JWK "d" is always 32 bytes.
      d: encodeBase64url(leftPad(ecdh.getPrivateKey(), 32)),
      x: encodeBase64url(point.subarray(1, 33)),
      y: encodeBase64url(point.subarray(33, 65)),
    };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
  // An X25519 or Ed25519 private key is 32 uniformly random bytes (RFC 7748 §5, RFC 8032 §5.1.5); OpenSSL
  // computes the public key from them and ignores the placeholder "x" that Node's JWK import insists on.
  const d = randomFillSync(Buffer.alloc(32));
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: curve, d: encodeBase64url(d), x: '' },
    format: 'jwk',
  });
  d.fill(0);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function leftPad(bytes: Buffer, length: number): Buffer {
  if (bytes.length >= length) return bytes;
  return Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

function exportPair(pair: { publicKey: KeyObject; privateKey: KeyObject }): GeneratedPair {
  const publicJwk = toJwk(pair.publicKey) as PublicJwk;
  const privateJwk = toJwk(pair.privateKey) as PrivateJwk;
  publicCache.set(publicJwk, pair.publicKey);
  privateCache.set(privateJwk, pair.privateKey);
  return { publicJwk, privateJwk };
}
