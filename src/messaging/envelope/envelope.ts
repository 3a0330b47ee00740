/**
 * Envelopes: one message sealed once for every device of every recipient (and the sender's other devices),
 * signed by the sending device inside the encryption, padded, with the sender's card and the time inside.
 *
 * Built on the project's own JOSE: the content is first a compact JWS (EdDSA, the sending device's key) over
 * `{ v, from: { user, device, card }, to, time, body, pad }`, then a General JSON JWE to each device's X25519
 * key (ECDH-ES+A256KW, A256GCM) with anonymous slots: no key id, no user id, a fresh ephemeral key per slot,
 * so the ciphertext names nobody and a recipient sees only how many slots there are. The signature is
 * inside, so it is hidden too. `pad` grows the signed payload to a Padmé length.
 *
 * Opening tries the device's keys (its current one and those it kept after rotations) over the slots,
 * capped; then reads the claimed sender from the still-unverified payload only to find that sender's card
 * (the caller resolves it through the verified directory, as of the stated time), and releases the content
 * only once the signature verifies under that card's signing key.
 */

import { decodeBase64url, encodeBase64url } from '../../encoding/base64url.ts';
import { fromUtf8, utf8 } from '../../encoding/bytes.ts';
import { parseJsonObject } from '../../encoding/json.ts';
import { MalformedError, SignatureInvalidError } from '../../errors.ts';
import type { OkpPublicJwk, PrivateJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import { open, seal, sign, verify } from '../../seal/index.ts';
import { cardId, type DeviceCard } from '../directory/card.ts';
import { padmeLength } from './padding.ts';

export const ENVELOPE_VERSION = 1;
/** Slots tried per key when opening; an envelope for more devices than this is refused unopened. */
export const MAX_ENVELOPE_SLOTS = 256;

export interface SendingDevice {
  user: string;
  device: string;
  /** The id of the sending device's current card. */
  card: string;
  /** Its Ed25519 signing key (private JWK). */
  signingKey: PrivateJwk;
}

export interface EnvelopeSender {
  user: string;
  device: string;
  card: string;
}

export interface OpenedEnvelope {
  content: Bytes;
  from: EnvelopeSender;
  /** The user names the sender addressed. */
  to: string[];
  /** Seconds since the epoch, as the sender stated it. */
  time: number;
}

/** An X25519 public JWK from a card's encryption key. */
export function encryptionJwk(card: DeviceCard): OkpPublicJwk {
  return { kty: 'OKP', crv: 'X25519', x: card.encryptionKey };
}

/** An Ed25519 public JWK from a card's signing key. */
export function signingJwk(card: DeviceCard): OkpPublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: card.signingKey };
}

/** Seals `content` from `sender` to every card in `devices` (recipients' and the sender's other devices). */
export async function sealEnvelope(
  content: Bytes,
  sender: SendingDevice,
  devices: readonly DeviceCard[],
  options: { to: readonly string[]; time?: number },
): Promise<string> {
  if (devices.length === 0) throw new MalformedError('an envelope needs at least one device to seal to');
  if (devices.length > MAX_ENVELOPE_SLOTS)
    throw new MalformedError(`an envelope is sealed to at most ${MAX_ENVELOPE_SLOTS} devices`);
  const inner = {
    v: ENVELOPE_VERSION,
    from: { user: sender.user, device: sender.device, card: sender.card },
    to: [...options.to],
    time: options.time ?? Math.floor(Date.now() / 1000),
    body: encodeBase64url(content),
    pad: '',
  };
  const unpadded = utf8(JSON.stringify(inner)).length;
  inner.pad = '0'.repeat(padmeLength(unpadded) - unpadded);
  const jws = await sign(utf8(JSON.stringify(inner)), sender.signingKey);
  const jwe = await seal(utf8(jws), devices.map(encryptionJwk), {
    anonymous: true,
    serialization: 'json',
    contentType: 'JOSE',
    type: 'sealwire-envelope+jwe',
  });
  return JSON.stringify(jwe);
}

/**
 * Opens an envelope with the device's X25519 keys (newest first); `senderCard` returns the verified card a
 * sender claims (from the directory, valid at `time`), or throws. Nothing is returned unless the sender's
 * signature verifies under that card.
 */
export async function openEnvelope(
  envelope: string,
  keys: readonly PrivateJwk[],
  senderCard: (from: EnvelopeSender, time: number) => Promise<DeviceCard>,
): Promise<OpenedEnvelope> {
  const opened = await open(envelope, keys, {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    maxAnonymousTrials: MAX_ENVELOPE_SLOTS,
    maxRecipients: MAX_ENVELOPE_SLOTS,
    serialization: 'json',
  });
  const jws = fromUtf8(opened.plaintext);
  const claimed = readClaim(jws);
  const card = await senderCard(claimed.from, claimed.time);
  if (
    card.user !== claimed.from.user ||
    card.device !== claimed.from.device ||
    cardId(card) !== claimed.from.card
  )
    throw new SignatureInvalidError('envelope: the sender card found is not the one the envelope names');
  const { payload } = await verify(jws, signingJwk(card));
  const inner = parseInner(payload);
  return {
    content: decodeBase64url(inner.body, 'envelope body'),
    from: inner.from,
    to: inner.to,
    time: inner.time,
  };
}

interface Inner {
  v: number;
  from: EnvelopeSender;
  to: string[];
  time: number;
  body: string;
}

/** The claimed sender and time of a not yet verified JWS: used only to find the key that must verify it. */
function readClaim(jws: string): Inner {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new MalformedError('envelope: the content is not a signed message');
  return parseInner(decodeBase64url(parts[1], 'envelope payload'));
}

function parseInner(payload: Bytes): Inner {
  const value = parseJsonObject(fromUtf8(payload), 'envelope payload', 16 * 1024 * 1024);
  const from = value.from as Partial<EnvelopeSender> | undefined;
  if (
    value.v !== ENVELOPE_VERSION ||
    typeof from !== 'object' ||
    from === null ||
    typeof from.user !== 'string' ||
    typeof from.device !== 'string' ||
    typeof from.card !== 'string' ||
    !Array.isArray(value.to) ||
    !value.to.every((name) => typeof name === 'string') ||
    !Number.isSafeInteger(value.time) ||
    typeof value.body !== 'string'
  )
    throw new MalformedError('envelope: the signed payload is not a version 1 envelope');
  return {
    v: ENVELOPE_VERSION,
    from: { user: from.user, device: from.device, card: from.card },
    to: value.to as string[],
    time: value.time as number,
    body: value.body,
  };
}
