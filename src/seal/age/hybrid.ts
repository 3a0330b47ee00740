/**
 * The post-quantum hybrid stanza: `-> mlkem768x25519 <enc>`, body = HPKE SealBase of the file key to an
 * MLKEM768-X25519 (X-Wing) public key, info "age-encryption.org/mlkem768x25519", empty aad. Secure if
 * either ML-KEM-768 or X25519 holds.
 */
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { decodeCanonicalBase64Unpadded, encodeBase64Unpadded } from '../../encoding/base64.ts';
import { utf8 } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';
import { HYBRID_STANZA } from './constants.ts';
import { headerError } from './errors.ts';
import type { Stanza } from './header.ts';
import { keySchedule } from './hpke.ts';
import { openFileKey, sealFileKey, WRAPPED_KEY_SIZE } from './wrap.ts';

const INFO = utf8('age-encryption.org/mlkem768x25519');
const ENC_SIZE = 1120;

export async function wrapHybrid(fileKey: Bytes, recipient: Bytes): Promise<Stanza> {
  const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(recipient);
  const { key, nonce } = await keySchedule(sharedSecret, INFO);
  return { args: [HYBRID_STANZA, encodeBase64Unpadded(cipherText)], body: sealFileKey(key, fileKey, nonce) };
}

/** Structural checks, done for every hybrid stanza before any key is tried. */
export function checkHybridStanza(stanza: Stanza): Bytes {
  if (stanza.args.length !== 2) throw headerError('an mlkem768x25519 stanza must have exactly one argument');
  const enc = decodeCanonicalBase64Unpadded(stanza.args[1]!);
  if (enc?.length !== ENC_SIZE)
    throw headerError('an mlkem768x25519 encapsulated key must be canonical base64 of 1120 bytes');
  if (stanza.body.length !== WRAPPED_KEY_SIZE)
    throw headerError('an mlkem768x25519 stanza body must be 32 bytes');
  return enc;
}

/** The file key if this stanza was wrapped for the identity `seed`; `undefined` if not. */
export async function unwrapHybrid(stanza: Stanza, seed: Bytes): Promise<Bytes | undefined> {
  const enc = checkHybridStanza(stanza);
  let sharedSecret: Bytes;
  try {
    // ML-KEM decapsulation never fails (implicit rejection); only the X25519 half can: a low-order point.
    sharedSecret = ml_kem768_x25519.decapsulate(enc, seed);
  } catch {
    throw headerError('the X25519 part of the mlkem768x25519 share is invalid (low-order point)');
  }
  const { key, nonce } = await keySchedule(sharedSecret, INFO);
  return openFileKey(key, stanza.body, nonce);
}
