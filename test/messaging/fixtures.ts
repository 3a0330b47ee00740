/** Test fixtures for the messaging tests: identities and device cards with fresh random device keys. */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from '../../src/encoding/base64url.ts';
import { type DeviceCard, signCard } from '../../src/messaging/directory/card.ts';

export interface TestIdentity {
  seed: Uint8Array;
  /** The identity public key, base64url. */
  key: string;
}

export function testIdentity(): TestIdentity {
  const seed = ed25519.utils.randomSecretKey();
  return { seed, key: encodeBase64url(ed25519.getPublicKey(seed)) };
}

/** A card for `user`'s `device` signed by `identity`, with fresh device keys (or the ones given). */
export function testCard(
  identity: TestIdentity,
  user: string,
  device: string,
  options: { previous?: string | null; encryptionKey?: string; signingKey?: string } = {},
): DeviceCard {
  return signCard(
    {
      user,
      device,
      identityKey: identity.key,
      encryptionKey:
        options.encryptionKey ?? encodeBase64url(x25519.getPublicKey(x25519.utils.randomSecretKey())),
      signingKey:
        options.signingKey ?? encodeBase64url(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
      created: 1_796_000_000,
      previous: options.previous ?? null,
    },
    identity.seed,
  );
}
