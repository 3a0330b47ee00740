/**
 * The HPKE (RFC 9180) base-mode key schedule and single-shot seal/open, for the KEM, KDF and AEAD the age
 * hybrid stanza fixes: MLKEM768-X25519 (0x647a), HKDF-SHA256 (0x0001), ChaCha20Poly1305 (0x0003). The KEM
 * itself (encapsulation) is @noble/post-quantum's; this file only turns its shared secret into a key.
 */
import { runtime } from '#runtime';
import { concatBytes, utf8 } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';

const KEM_MLKEM768_X25519 = 0x647a;
const KDF_HKDF_SHA256 = 0x0001;
const AEAD_CHACHA20POLY1305 = 0x0003;
const KEY_SIZE = 32;
const NONCE_SIZE = 12;

const SUITE_ID = concatBytes(
  utf8('HPKE'),
  i2osp(KEM_MLKEM768_X25519, 2),
  i2osp(KDF_HKDF_SHA256, 2),
  i2osp(AEAD_CHACHA20POLY1305, 2),
);
const VERSION_LABEL = utf8('HPKE-v1');
const EMPTY = new Uint8Array(0);

function i2osp(value: number, length: number): Bytes {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

/** LabeledExtract (RFC 9180 §4): HKDF-Extract = HMAC(salt, ikm); an empty salt is an empty HMAC key. */
function labeledExtract(salt: Bytes, label: string, ikm: Bytes): Promise<Bytes> {
  return runtime.hmacSha256(salt, concatBytes(VERSION_LABEL, SUITE_ID, utf8(label), ikm));
}

/** LabeledExpand for outputs of at most one SHA-256 block: HKDF-Expand's T(1), truncated. */
async function labeledExpand(prk: Bytes, label: string, info: Bytes, length: number): Promise<Bytes> {
  const labeledInfo = concatBytes(i2osp(length, 2), VERSION_LABEL, SUITE_ID, utf8(label), info);
  const block = await runtime.hmacSha256(prk, concatBytes(labeledInfo, Uint8Array.of(1)));
  return block.subarray(0, length);
}

/** KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = ""): the AEAD key and base nonce. */
export async function keySchedule(sharedSecret: Bytes, info: Bytes): Promise<{ key: Bytes; nonce: Bytes }> {
  const pskIdHash = await labeledExtract(EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = await labeledExtract(EMPTY, 'info_hash', info);
  const context = concatBytes(Uint8Array.of(0), pskIdHash, infoHash);
  const secret = await labeledExtract(sharedSecret, 'secret', EMPTY);
  return {
    key: await labeledExpand(secret, 'key', context, KEY_SIZE),
    nonce: await labeledExpand(secret, 'base_nonce', context, NONCE_SIZE),
  };
}
