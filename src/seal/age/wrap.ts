/** The file-key wrapping every native stanza shares: ChaCha20-Poly1305 under a one-time key, zero nonce. */
import { runtime } from '#runtime';
import { joinBytes } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';
import { FILE_KEY_SIZE, TAG_SIZE } from './constants.ts';
import { headerError } from './errors.ts';

const ZERO_NONCE = new Uint8Array(12);

/** Every native stanza body is a wrapped 16-byte file key: 32 bytes. */
export const WRAPPED_KEY_SIZE = FILE_KEY_SIZE + TAG_SIZE;

export function sealFileKey(wrapKey: Bytes, fileKey: Bytes, nonce: Bytes = ZERO_NONCE): Bytes {
  const [ciphertext, tag] = runtime.chacha20Poly1305Seal(wrapKey, nonce, [fileKey]);
  const out = new Uint8Array(WRAPPED_KEY_SIZE);
  out.set(ciphertext!);
  out.set(tag!, FILE_KEY_SIZE);
  return out;
}

/** The file key, or `undefined` when the body does not open under this key (the stanza is not ours). */
export function openFileKey(wrapKey: Bytes, body: Bytes, nonce: Bytes = ZERO_NONCE): Bytes | undefined {
  // Checked before any decryption: a body of another length could make the tag check a partitioning oracle.
  if (body.length !== WRAPPED_KEY_SIZE) throw headerError('a wrapped file key must be 32 bytes');
  const pieces = runtime.chacha20Poly1305Open(
    wrapKey,
    nonce,
    [body.subarray(0, FILE_KEY_SIZE)],
    body.subarray(FILE_KEY_SIZE),
  );
  if (pieces === undefined) return undefined;
  return joinBytes(pieces);
}
