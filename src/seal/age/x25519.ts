/** The X25519 recipient stanza: `-> X25519 <ephemeral share>`, body = wrapped file key. */
import { runtime } from '#runtime';
import { decodeCanonicalBase64Unpadded, encodeBase64Unpadded } from '../../encoding/base64.ts';
import { concatBytes, utf8 } from '../../encoding/bytes.ts';
import { KeyError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { X25519_STANZA } from './constants.ts';
import { headerError } from './errors.ts';
import type { Stanza } from './header.ts';
import { openFileKey, sealFileKey, WRAPPED_KEY_SIZE } from './wrap.ts';

const INFO = utf8('age-encryption.org/v1/X25519');

async function wrapKey(sharedSecret: Bytes, share: Bytes, recipient: Bytes): Promise<Bytes> {
  return runtime.hkdfSha256(sharedSecret, concatBytes(share, recipient), INFO, 32);
}

export async function wrapX25519(fileKey: Bytes, recipient: Bytes): Promise<Stanza> {
  // A fresh ephemeral secret per stanza and per file (the spec's MUST): shares are never linkable.
  const ephemeral = runtime.randomBytes(32);
  const share = await runtime.x25519(ephemeral);
  const shared = await runtime.x25519(ephemeral, recipient);
  const body = sealFileKey(await wrapKey(shared, share, recipient), fileKey);
  return { args: [X25519_STANZA, encodeBase64Unpadded(share)], body };
}

/** Structural checks, done for every X25519 stanza before any key is tried. */
export function checkX25519Stanza(stanza: Stanza): Bytes {
  if (stanza.args.length !== 2) throw headerError('an X25519 stanza must have exactly one argument');
  const share = decodeCanonicalBase64Unpadded(stanza.args[1]!);
  if (share?.length !== 32) throw headerError('an X25519 share must be canonical base64 of 32 bytes');
  if (stanza.body.length !== WRAPPED_KEY_SIZE) throw headerError('an X25519 stanza body must be 32 bytes');
  return share;
}

/** The file key if this stanza was wrapped for `identity`; `undefined` if not. */
export async function unwrapX25519(
  stanza: Stanza,
  identity: { secretKey: Bytes; publicKey: Bytes },
): Promise<Bytes | undefined> {
  const share = checkX25519Stanza(stanza);
  let shared: Bytes;
  try {
    shared = await runtime.x25519(identity.secretKey, share);
  } catch (error) {
    // An all-zero shared secret (low-order share) must abort, not count as "not ours" (spec MUST).
    if (error instanceof KeyError) throw headerError('the X25519 share is a low-order point');
    throw error;
  }
  return openFileKey(await wrapKey(shared, share, identity.publicKey), stanza.body);
}
