/**
 * Runtime primitives on WebCrypto, for browsers and any runtime without node:crypto. Where WebCrypto
 * lacks an algorithm (X25519 and Ed25519 in older browsers, AES-KW on raw bytes, scrypt), the audited
 * @noble libraries fill in.
 */
import { aeskw } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64, encodeBase64 } from '../encoding/base64.ts';
import { encodeBase64url, tryDecodeBase64url } from '../encoding/base64url.ts';
import { joinBytes } from '../encoding/bytes.ts';
import { DecryptionFailedError, KeyError, KeyInvalidError, KeyMismatchError } from '../errors.ts';
import type { PrivateJwk, PublicJwk } from '../keys/types.ts';
import type { Bytes, EcdhCurve, GeneratedPair, Runtime, SignatureAlg } from './types.ts';

const subtle = globalThis.crypto.subtle;

// The curves load on first use, each on its own: a bundler splits them out of the code that never calls
// them (`sealwire/fields` needs none), and an app loads Ed25519/X25519 or P-256 only if it uses them.
type Curve25519Module = typeof import('./web-curve25519.ts');
type P256Module = typeof import('./web-p256.ts');
let curve25519Module: Promise<Curve25519Module> | undefined;
let p256Module: Promise<P256Module> | undefined;
const loadCurve25519 = (): Promise<Curve25519Module> => (curve25519Module ??= import('./web-curve25519.ts'));
const loadP256 = (): Promise<P256Module> => (p256Module ??= import('./web-p256.ts'));

// ---- helpers ------------------------------------------------------------------------------------------

function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
}

/** Decodes a JWK member; an invalid one becomes an empty array, which every caller rejects by length. */
const b64 = (text: string): Bytes => tryDecodeBase64url(text) ?? new Uint8Array(0);

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** JWK without the members WebCrypto would reject for a usage it was not declared with. */
function bareJwk(jwk: PublicJwk | PrivateJwk, includePrivate: boolean): JsonWebKey {
  const out: Record<string, string> = {};
  const members =
    jwk.kty === 'RSA'
      ? ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']
      : jwk.kty === 'EC'
        ? ['kty', 'crv', 'x', 'y', 'd']
        : ['kty', 'crv', 'x', 'd'];
  for (const name of members) {
    if (
      !includePrivate &&
      name !== 'kty' &&
      name !== 'crv' &&
      name !== 'n' &&
      name !== 'e' &&
      name !== 'x' &&
      name !== 'y'
    )
      continue;
    const value = (jwk as unknown as Record<string, unknown>)[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out as JsonWebKey;
}

function isAllZero(data: Bytes): boolean {
  let acc = 0;
  for (const byte of data) acc |= byte;
  return acc === 0;
}

async function tryImport(
  format: 'jwk',
  data: JsonWebKey,
  algorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams,
  usages: KeyUsage[],
  what: string,
): Promise<CryptoKey> {
  try {
    return await subtle.importKey(format, data, algorithm, false, usages);
  } catch (cause) {
    throw new KeyInvalidError(`invalid ${what}: ${reason(cause)}`, { cause });
  }
}

// Some browsers still lack X25519/Ed25519 in WebCrypto; probe once and fall back to @noble/curves.
let okpSupport: Promise<boolean> | undefined;
function webCryptoHasOkp(): Promise<boolean> {
  okpSupport ??= subtle
    .generateKey({ name: 'Ed25519' }, false, ['sign'])
    .then(() => subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']))
    .then(
      () => true,
      () => false,
    );
  return okpSupport;
}

async function okpPublicFromPrivate(crv: 'X25519' | 'Ed25519', d: Bytes): Promise<Bytes> {
  const { ed25519, x25519 } = await loadCurve25519();
  return crv === 'X25519' ? x25519.getPublicKey(d) : ed25519.getPublicKey(d);
}

// ---- the runtime -------------------------------------------------------------------------------------

/** WebCrypto AES-GCM: ciphertext and 16-byte tag in one array, as WebCrypto returns them. */
async function gcmSeal(key: Bytes, iv: Bytes, plaintext: Bytes, aad: Bytes): Promise<Uint8Array> {
  const cryptoKey = await subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(
    await subtle.encrypt(
      { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
      cryptoKey,
      plaintext as BufferSource,
    ),
  );
}

export const runtime: Runtime = {
  name: 'web',

  randomBytes,
  base64urlEncode: encodeBase64url,
  base64urlDecode: tryDecodeBase64url,

  async sha256(data) {
    return new Uint8Array(await subtle.digest('SHA-256', data as BufferSource));
  },

  async aesGcmEncrypt(key, iv, plaintext, aad) {
    const sealed = await gcmSeal(key, iv, plaintext, aad);
    return { ciphertext: sealed.subarray(0, sealed.length - 16), tag: sealed.subarray(sealed.length - 16) };
  },

  async aesGcmDecrypt(key, iv, ciphertext, tag, aad) {
    if (iv.length !== 12 || tag.length !== 16) throw new DecryptionFailedError();
    const cryptoKey = await subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, ['decrypt']);
    const sealed = new Uint8Array(ciphertext.length + 16);
    sealed.set(ciphertext);
    sealed.set(tag, ciphertext.length);
    try {
      return new Uint8Array(
        await subtle.decrypt(
          { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
          cryptoKey,
          sealed,
        ),
      );
    } catch {
      throw new DecryptionFailedError();
    }
  },

  async aesGcmEncryptToBase64url(key, iv, plaintext, aad) {
    const { ciphertext, tag } = await runtime.aesGcmEncrypt(key, iv, plaintext, aad);
    return { ciphertext: encodeBase64url(ciphertext), tag };
  },

  async aesGcmDecryptFromBase64url(key, iv, ciphertext, tag, aad) {
    const bytes = tryDecodeBase64url(ciphertext);
    return bytes === undefined ? undefined : runtime.aesGcmDecrypt(key, iv, bytes, tag, aad);
  },

  async aesGcmEncryptFramed(key, iv, plaintext, aad, header) {
    const sealed = await gcmSeal(key, iv, plaintext, aad);
    const out = new Uint8Array(header.length + iv.length + sealed.length);
    out.set(header, 0);
    out.set(iv, header.length);
    out.set(sealed, header.length + iv.length);
    return out;
  },

  async aesKeyWrap(kek, key) {
    return aeskw(kek).encrypt(key);
  },

  async aesKeyUnwrap(kek, wrapped) {
    if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new DecryptionFailedError();
    try {
      return aeskw(kek).decrypt(wrapped);
    } catch {
      throw new DecryptionFailedError();
    }
  },

  async rsaOaepEncrypt(publicJwk, hash, data) {
    if (publicJwk.kty !== 'RSA') throw new KeyMismatchError('RSA-OAEP needs an RSA key');
    const key = await tryImport(
      'jwk',
      bareJwk(publicJwk, false),
      { name: 'RSA-OAEP', hash },
      ['encrypt'],
      'RSA key',
    );
    return new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, key, data as BufferSource));
  },

  async rsaOaepDecrypt(privateJwk, hash, data) {
    if (privateJwk.kty !== 'RSA') throw new KeyMismatchError('RSA-OAEP needs an RSA key');
    const key = await tryImport(
      'jwk',
      bareJwk(privateJwk, true),
      { name: 'RSA-OAEP', hash },
      ['decrypt'],
      'RSA key',
    );
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'RSA-OAEP' }, key, data as BufferSource));
    } catch {
      throw new DecryptionFailedError();
    }
  },

  async generateEphemeral(curve: EcdhCurve): Promise<GeneratedPair> {
    return runtime.generateKeyPair(curve);
  },

  async ecdh(privateJwk, publicJwk) {
    let secret: Bytes;
    if (
      privateJwk.kty === 'OKP' &&
      publicJwk.kty === 'OKP' &&
      privateJwk.crv === 'X25519' &&
      publicJwk.crv === 'X25519'
    ) {
      if (await webCryptoHasOkp()) {
        const priv = await tryImport(
          'jwk',
          bareJwk(privateJwk, true),
          { name: 'X25519' },
          ['deriveBits'],
          'X25519 key',
        );
        const pub = await tryImport('jwk', bareJwk(publicJwk, false), { name: 'X25519' }, [], 'X25519 key');
        try {
          secret = new Uint8Array(
            await subtle.deriveBits({ name: 'X25519', public: pub } as AlgorithmIdentifier, priv, 256),
          );
        } catch (cause) {
          throw new KeyInvalidError(`ECDH failed: ${reason(cause)}`, { cause });
        }
      } else {
        const { x25519 } = await loadCurve25519();
        try {
          secret = x25519.getSharedSecret(b64(privateJwk.d), b64(publicJwk.x));
        } catch (cause) {
          throw new KeyInvalidError(`ECDH failed: ${reason(cause)}`, { cause });
        }
      }
    } else if (privateJwk.kty === 'EC' && publicJwk.kty === 'EC') {
      const params = { name: 'ECDH', namedCurve: 'P-256' };
      const priv = await tryImport('jwk', bareJwk(privateJwk, true), params, ['deriveBits'], 'P-256 key');
      const pub = await tryImport('jwk', bareJwk(publicJwk, false), params, [], 'P-256 key');
      secret = new Uint8Array(
        await subtle.deriveBits({ name: 'ECDH', public: pub } as AlgorithmIdentifier, priv, 256),
      );
    } else {
      throw new KeyMismatchError('ECDH needs two keys on the same curve (X25519 or P-256)');
    }
    // A low-order X25519 point yields an all-zero secret that any attacker can predict (RFC 7748 §6.1).
    // (On P-256 an all-zero x-coordinate is a legitimate, if rare, result.)
    if (publicJwk.kty === 'OKP' && isAllZero(secret))
      throw new KeyInvalidError('ECDH produced an all-zero secret (low-order point)');
    return secret;
  },

  async sign(alg: SignatureAlg, privateJwk, data) {
    if (alg === 'EdDSA') {
      if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519')
        throw new KeyMismatchError('EdDSA needs an Ed25519 key');
      if (!(await webCryptoHasOkp())) return (await loadCurve25519()).ed25519.sign(data, b64(privateJwk.d));
      const key = await tryImport(
        'jwk',
        bareJwk(privateJwk, true),
        { name: 'Ed25519' },
        ['sign'],
        'Ed25519 key',
      );
      return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, data as BufferSource));
    }
    if (privateJwk.kty !== 'EC') throw new KeyMismatchError('ES256 needs a P-256 key');
    const key = await tryImport(
      'jwk',
      bareJwk(privateJwk, true),
      { name: 'ECDSA', namedCurve: 'P-256' },
      ['sign'],
      'P-256 key',
    );
    return new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data as BufferSource));
  },

  async verify(alg: SignatureAlg, publicJwk, data, signature) {
    try {
      if (alg === 'EdDSA') {
        if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519') return false;
        if (!(await webCryptoHasOkp()))
          return (await loadCurve25519()).ed25519.verify(signature, data, b64(publicJwk.x));
        const key = await tryImport(
          'jwk',
          bareJwk(publicJwk, false),
          { name: 'Ed25519' },
          ['verify'],
          'Ed25519 key',
        );
        return await subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, data as BufferSource);
      }
      if (publicJwk.kty !== 'EC' || signature.length !== 64) return false;
      const key = await tryImport(
        'jwk',
        bareJwk(publicJwk, false),
        { name: 'ECDSA', namedCurve: 'P-256' },
        ['verify'],
        'P-256 key',
      );
      return await subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        key,
        signature as BufferSource,
        data as BufferSource,
      );
    } catch (error) {
      if (error instanceof KeyError) throw error;
      return false;
    }
  },

  async generateKeyPair(kind, rsaBits = 3072) {
    if ((kind === 'X25519' || kind === 'Ed25519') && !(await webCryptoHasOkp())) {
      const d = randomBytes(32);
      const x = await okpPublicFromPrivate(kind, d);
      const publicJwk = { kty: 'OKP', crv: kind, x: encodeBase64url(x) } as PublicJwk;
      return { publicJwk, privateJwk: { ...publicJwk, d: encodeBase64url(d) } as PrivateJwk };
    }
    let params: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
    let usages: KeyUsage[];
    if (kind === 'RSA') {
      params = {
        name: 'RSA-OAEP',
        modulusLength: rsaBits,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
      usages = ['encrypt', 'decrypt'];
    } else if (kind === 'P-256') {
      params = { name: 'ECDH', namedCurve: 'P-256' };
      usages = ['deriveBits'];
    } else if (kind === 'ES256') {
      params = { name: 'ECDSA', namedCurve: 'P-256' };
      usages = ['sign', 'verify'];
    } else {
      params = { name: kind };
      usages = kind === 'X25519' ? ['deriveBits'] : ['sign', 'verify'];
    }
    const pair = (await subtle.generateKey(params, true, usages)) as CryptoKeyPair;
    const publicJwk = bareJwk(
      (await subtle.exportKey('jwk', pair.publicKey)) as PublicJwk,
      false,
    ) as PublicJwk;
    const privateJwk = bareJwk(
      (await subtle.exportKey('jwk', pair.privateKey)) as PrivateJwk,
      true,
    ) as PrivateJwk;
    return { publicJwk, privateJwk };
  },

  async validateJwk(jwk, isPrivate) {
    if (jwk.kty === 'OKP') {
      if (jwk.crv !== 'X25519' && jwk.crv !== 'Ed25519') throw new KeyInvalidError('unsupported OKP curve');
      const x = b64(jwk.x);
      if (x.length !== 32) throw new KeyInvalidError(`invalid ${jwk.crv} public key: x must be 32 bytes`);
      if (jwk.crv === 'Ed25519') {
        const { ed25519 } = await loadCurve25519();
        try {
          ed25519.Point.fromBytes(x);
        } catch {
          throw new KeyInvalidError('invalid Ed25519 public key: not a curve point');
        }
      }
      if (isPrivate) {
        const d = b64((jwk as PrivateJwk).d);
        if (d.length !== 32) throw new KeyInvalidError(`invalid ${jwk.crv} private key: d must be 32 bytes`);
        const derived = await okpPublicFromPrivate(jwk.crv, d);
        if (!runtime.timingSafeEqual(derived, x)) {
          throw new KeyInvalidError('the private key does not match the public members of its JWK');
        }
      }
      return;
    }
    if (jwk.kty === 'EC') {
      const { p256, bytesToNumberBE } = await loadP256();
      let point: ReturnType<typeof p256.Point.fromAffine>;
      try {
        point = p256.Point.fromAffine({ x: bytesToNumberBE(b64(jwk.x)), y: bytesToNumberBE(b64(jwk.y)) });
        point.assertValidity();
      } catch {
        throw new KeyInvalidError('invalid P-256 public key: not a curve point');
      }
      if (isPrivate) {
        const derived = p256.getPublicKey(b64((jwk as PrivateJwk).d), false);
        if (!runtime.timingSafeEqual(derived, point.toBytes(false))) {
          throw new KeyInvalidError('the private key does not match the public members of its JWK');
        }
      }
      return;
    }
    if (jwk.kty === 'RSA') {
      await tryImport(
        'jwk',
        bareJwk(jwk, isPrivate),
        { name: 'RSA-OAEP', hash: 'SHA-256' },
        [isPrivate ? 'decrypt' : 'encrypt'],
        'RSA key',
      );
      return;
    }
    throw new KeyInvalidError('unsupported key type');
  },

  async pemToJwk(pem) {
    const match = /-----BEGIN (PUBLIC KEY|PRIVATE KEY)-----([\s\S]+?)-----END \1-----/.exec(pem);
    if (!match) throw new KeyInvalidError('cannot read PEM key: expected a PUBLIC KEY or PRIVATE KEY block');
    const der = decodeBase64(match[2]!.replace(/\s+/g, ''));
    if (der === undefined) throw new KeyInvalidError('cannot read PEM key: the body is not base64');
    const format = match[1] === 'PUBLIC KEY' ? 'spki' : 'pkcs8';
    const candidates: [AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams, KeyUsage[]][] = [
      [{ name: 'RSA-OAEP', hash: 'SHA-256' }, format === 'spki' ? ['encrypt'] : ['decrypt']],
      [{ name: 'ECDH', namedCurve: 'P-256' }, format === 'spki' ? [] : ['deriveBits']],
      [{ name: 'X25519' }, format === 'spki' ? [] : ['deriveBits']],
      [{ name: 'Ed25519' }, format === 'spki' ? ['verify'] : ['sign']],
    ];
    for (const [algorithm, usages] of candidates) {
      try {
        const key = await subtle.importKey(format, der as BufferSource, algorithm, true, usages);
        const jwk = (await subtle.exportKey('jwk', key)) as PublicJwk;
        return bareJwk(jwk, format === 'pkcs8') as PublicJwk | PrivateJwk;
      } catch {
        // try the next key type
      }
    }
    throw new KeyInvalidError('cannot read PEM key: not an RSA, P-256, X25519 or Ed25519 key');
  },

  async jwkToPem(jwk, type) {
    const includePrivate = type === 'pkcs8';
    const algorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams =
      jwk.kty === 'RSA'
        ? { name: 'RSA-OAEP', hash: 'SHA-256' }
        : jwk.kty === 'EC'
          ? { name: 'ECDH', namedCurve: 'P-256' }
          : { name: jwk.crv };
    const usages: KeyUsage[] =
      jwk.kty === 'RSA'
        ? [includePrivate ? 'decrypt' : 'encrypt']
        : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
          ? [includePrivate ? 'sign' : 'verify']
          : includePrivate
            ? ['deriveBits']
            : [];
    let key: CryptoKey;
    try {
      key = await subtle.importKey('jwk', bareJwk(jwk, includePrivate), algorithm, true, usages);
    } catch (cause) {
      throw new KeyInvalidError(`invalid key: ${reason(cause)}`, { cause });
    }
    const der = new Uint8Array(await subtle.exportKey(type, key));
    const body = encodeBase64(der).replace(/.{64}/g, '$&\n');
    const label = includePrivate ? 'PRIVATE KEY' : 'PUBLIC KEY';
    return `-----BEGIN ${label}-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
  },

  async spkiDer(jwk) {
    const pem = await runtime.jwkToPem(jwk, 'spki');
    const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    // The body is our own encoding of WebCrypto's DER: it always decodes.
    return decodeBase64(body) ?? new Uint8Array(0);
  },

  async scrypt(password, salt, { N, r, p, dkLen }) {
    return scryptAsync(password, salt, { N, r, p, dkLen, maxmem: 256 * N * r + 1024 * 1024 });
  },

  timingSafeEqual(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
    return diff === 0;
  },

  // WebCrypto has no ChaCha20-Poly1305: the audited pure-TS @noble/ciphers implementation runs instead.
  chacha20Poly1305Seal(key, nonce, plaintext, aad) {
    const sealed = chacha20poly1305(key, nonce, aad).encrypt(
      plaintext.length === 1 ? plaintext[0]! : joinBytes(plaintext),
    );
    return [sealed.subarray(0, sealed.length - 16), sealed.subarray(sealed.length - 16)];
  },

  chacha20Poly1305Open(key, nonce, ciphertext, tag, aad) {
    if (tag.length !== 16 || nonce.length !== 12) return undefined;
    const joined = joinBytes([...ciphertext, tag]);
    try {
      return [chacha20poly1305(key, nonce, aad).decrypt(joined)];
    } catch {
      return undefined;
    }
  },

  // @noble/hashes rather than WebCrypto: WebCrypto refuses the empty HMAC key that HKDF-Extract with an
  // empty salt needs, and these run once per file, not per chunk.
  async hmacSha256(key, data) {
    return hmac(sha256, key, data);
  },

  async hkdfSha256(ikm, salt, info, length) {
    return hkdf(sha256, ikm, salt, info, length);
  },

  sha256Stream() {
    const hash = sha256.create();
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
    const { x25519 } = await loadCurve25519();
    if (point === undefined) return x25519.getPublicKey(scalar);
    let secret: Bytes;
    try {
      secret = x25519.getSharedSecret(scalar, point);
    } catch (cause) {
      throw new KeyInvalidError(`X25519 failed: ${reason(cause)}`, { cause });
    }
    // A low-order point yields an all-zero secret that any attacker can predict (RFC 7748 §6.1).
    if (isAllZero(secret)) throw new KeyInvalidError('X25519 produced an all-zero secret (low-order point)');
    return secret;
  },
};
