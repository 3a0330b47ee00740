/**
 * Device cards: what the directory publishes about one device of one user. A user has one long-term identity
 * key (Ed25519) that signs a card for each device; each device has its own keys (X25519 to receive
 * envelopes, Ed25519 to sign what it sends) and never shares them, so adding a device never copies a private
 * key. A rotated card names the card it replaces (`previous`), so a chain of cards shows every key a device
 * ever had and old messages stay verifiable against the card valid when they were sent.
 *
 * The signature covers a fixed-order JSON array of the fields behind a domain-separation tag, so there is
 * exactly one byte string to sign and verify (no canonicalization of objects needed), in every language.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeBase64url, tryDecodeCanonicalBase64url } from '../../encoding/base64url.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { isPlainObject } from '../../encoding/plain-object.ts';
import { MalformedError, SignatureInvalidError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { verifyEd25519 } from '../ed25519.ts';

export const CARD_VERSION = 1;
const CARD_TAG = 'sealwire-card/v1';

/** User and device names: lower-case letters, digits, '.', '_' and '-', 1 to 64 of them, a letter or digit first. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A device card as the directory serves it (keys and hashes in unpadded base64url). */
export interface DeviceCard {
  v: typeof CARD_VERSION;
  user: string;
  device: string;
  /** The user's identity key (Ed25519), which signed this card. */
  identityKey: string;
  /** The device's X25519 key: envelopes for this device are sealed to it. */
  encryptionKey: string;
  /** The device's Ed25519 key: what this device sends is signed with it. */
  signingKey: string;
  /** Seconds since the epoch. */
  created: number;
  /** The id of the card this one replaces (a rotation), or null for a device's first card. */
  previous: string | null;
  /** The identity key's Ed25519 signature. */
  signature: string;
}

export type UnsignedCard = Omit<DeviceCard, 'v' | 'signature'>;

function signedBytes(card: UnsignedCard): Bytes {
  return utf8(
    JSON.stringify([
      CARD_TAG,
      card.user,
      card.device,
      card.identityKey,
      card.encryptionKey,
      card.signingKey,
      card.created,
      card.previous,
    ]),
  );
}

/** The card signed with the identity key's 32-byte seed (which must be the seed of `card.identityKey`). */
export function signCard(card: UnsignedCard, identitySeed: Bytes): DeviceCard {
  checkFields(card);
  if (encodeBase64url(ed25519.getPublicKey(identitySeed)) !== card.identityKey)
    throw new MalformedError('card: the identity key is not the one of the signing seed');
  return {
    v: CARD_VERSION,
    ...card,
    signature: encodeBase64url(ed25519.sign(signedBytes(card), identitySeed)),
  };
}

/** The card id: SHA-256 of the signed card's bytes and its signature, base64url (what `previous` names). */
export function cardId(card: DeviceCard): string {
  const signature = decodeKey(card.signature, 64, 'signature');
  const bytes = signedBytes(card);
  const all = new Uint8Array(bytes.length + signature.length);
  all.set(bytes);
  all.set(signature, bytes.length);
  return encodeBase64url(sha256(all));
}

/**
 * A card from untrusted JSON: exactly the fields above, well-formed, and signed by the identity key it
 * names. Whether that identity key is the user's is the directory's business (the log), not the card's.
 */
export function parseCard(value: unknown): DeviceCard {
  if (!isPlainObject(value)) throw new MalformedError('card: not a JSON object');
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'created,device,encryptionKey,identityKey,previous,signature,signingKey,user,v')
    throw new MalformedError('card: unexpected or missing fields');
  if (value.v !== CARD_VERSION)
    throw new MalformedError(`card: version ${String(value.v).slice(0, 10)} is not supported`);
  const card = value as unknown as DeviceCard;
  checkFields(card);
  const signature = decodeKey(card.signature, 64, 'signature');
  if (!verifyEd25519(signature, signedBytes(card), decodeKey(card.identityKey, 32, 'identityKey')))
    throw new SignatureInvalidError(
      `card ${card.user}/${card.device}: the identity key's signature does not verify`,
    );
  return { ...card };
}

function checkFields(card: UnsignedCard): void {
  for (const [field, value] of [
    ['user', card.user],
    ['device', card.device],
  ] as const)
    if (typeof value !== 'string' || !NAME_PATTERN.test(value))
      throw new MalformedError(`card: ${field} must match ${NAME_PATTERN.source}`);
  decodeKey(card.identityKey, 32, 'identityKey');
  decodeKey(card.encryptionKey, 32, 'encryptionKey');
  decodeKey(card.signingKey, 32, 'signingKey');
  if (!Number.isSafeInteger(card.created) || card.created < 0)
    throw new MalformedError('card: created must be whole seconds since the epoch');
  if (card.previous !== null) decodeKey(card.previous, 32, 'previous');
}

function decodeKey(text: unknown, length: number, field: string): Bytes {
  // Only the one encoding of each value: a card served with another spelling of the same key is refused.
  const bytes = typeof text === 'string' ? tryDecodeCanonicalBase64url(text) : undefined;
  if (bytes === undefined || bytes.length !== length)
    throw new MalformedError(`card: ${field} must be ${length} bytes of unpadded base64url`);
  return bytes;
}
