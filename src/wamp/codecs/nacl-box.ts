/**
 * NaCl `crypto_box` (X25519 + HSalsa20 + XSalsa20-Poly1305), the construction PyNaCl's `Box` uses, so
 * ciphertexts are byte-compatible with Autobahn|Python: nonce(24) || tag(16) || ciphertext.
 * Built from @noble primitives; the precomputed key (`crypto_box_beforenm`) is cached per key pair.
 */

import { hsalsa, secretbox } from '@noble/ciphers/salsa.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { runtime } from '#runtime';
import { DecryptionFailedError, KeyInvalidError } from '../../errors.ts';

export const NONCE_BYTES = 24;
const TAG_BYTES = 16;
// "expand 32-byte k" as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function wordsLE(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

function bytesLE(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]!, true);
  return out;
}

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret under a zero input. */
export function boxBeforeNm(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32 || publicKey.length !== 32)
    throw new KeyInvalidError('cryptobox keys are 32-byte X25519 keys');
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch (error) {
    throw new KeyInvalidError('cryptobox public key is not a usable X25519 point', {
      cause: error,
    });
  }
  const out = new Uint32Array(8);
  hsalsa(SIGMA, wordsLE(shared), new Uint32Array(4), out);
  shared.fill(0);
  return bytesLE(out);
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey);
}

export function generateSecretKey(): Uint8Array {
  return runtime.randomBytes(32);
}

/** Precomputed box between one secret and one public key. */
export class NaclBox {
  readonly #key: Uint8Array;

  constructor(secretKey: Uint8Array, publicKey: Uint8Array) {
    this.#key = boxBeforeNm(secretKey, publicKey);
  }

  /** nonce || secretbox(plaintext), with a fresh random nonce. */
  seal(plaintext: Uint8Array): Uint8Array {
    const nonce = runtime.randomBytes(NONCE_BYTES);
    const sealed = secretbox(this.#key, nonce).seal(plaintext);
    const out = new Uint8Array(NONCE_BYTES + sealed.length);
    out.set(nonce, 0);
    out.set(sealed, NONCE_BYTES);
    return out;
  }

  /** Throws `DecryptionError` (no plaintext) when the tag does not verify. */
  open(message: Uint8Array): Uint8Array {
    if (message.length < NONCE_BYTES + TAG_BYTES)
      throw new DecryptionFailedError('cryptobox message is truncated');
    try {
      return secretbox(this.#key, message.subarray(0, NONCE_BYTES)).open(message.subarray(NONCE_BYTES));
    } catch {
      throw new DecryptionFailedError();
    }
  }
}
