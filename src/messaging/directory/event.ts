/**
 * Directory events: every change to a user's devices is one entry of the directory's transparency log.
 * `register` claims a user name for an identity key with the first device's card; `add` publishes another
 * device's card; `rotate` replaces a device's card with one naming it as `previous`; `revoke` ends a card.
 * Each is signed by the user's identity key, so the directory can only publish what the user made: a
 * directory that invents a device has to forge that signature, and the monitor sees anything else.
 *
 * Events chain per user (`seq` counts from 0, `prior` is the id of the user's previous event), so a client
 * that has seen a user's event N refuses a history that has fewer or other events before it.
 *
 * What is signed is a tagged JSON array of the fields, as for cards (card.ts): one byte string, in every
 * language. The log's leaf is the event's JSON exactly as appended (`eventBytes`).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  decodeBase64url,
  encodeBase64url,
  tryDecodeBase64url,
  tryDecodeCanonicalBase64url,
} from '../../encoding/base64url.ts';
import { fromUtf8Strict, utf8 } from '../../encoding/bytes.ts';
import { isPlainObject } from '../../encoding/plain-object.ts';
import { LimitExceededError, MalformedError, SignatureInvalidError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { verifyEd25519 } from '../ed25519.ts';
import { cardId, type DeviceCard, NAME_PATTERN, parseCard } from './card.ts';

export const EVENT_VERSION = 1;
const EVENT_TAG = 'sealwire-event/v1';
export const EVENT_KINDS = ['register', 'add', 'rotate', 'revoke'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
/** An event larger than this is refused before it is parsed (a card event is under 1 KiB). */
export const MAX_EVENT_BYTES = 8 * 1024;

export interface DirectoryEvent {
  v: typeof EVENT_VERSION;
  kind: EventKind;
  user: string;
  /** The user's count of events before this one. */
  seq: number;
  /** The id of the user's previous event, or null for `register`. */
  prior: string | null;
  /** The card published (register, add, rotate), or null (revoke). */
  card: DeviceCard | null;
  /** The id of the card revoked (revoke), or null. */
  revoked: string | null;
  /** Seconds since the epoch, as the user's device stated it. */
  time: number;
  /** The identity key's signature. */
  signature: string;
}

export type UnsignedEvent = Omit<DirectoryEvent, 'v' | 'signature'>;

function signedBytes(event: UnsignedEvent): Bytes {
  return utf8(
    JSON.stringify([
      EVENT_TAG,
      event.kind,
      event.user,
      event.seq,
      event.prior,
      event.card === null ? null : cardId(event.card),
      event.revoked,
      event.time,
    ]),
  );
}

/** The event signed with the identity key's 32-byte seed. */
export function signEvent(event: UnsignedEvent, identitySeed: Bytes): DirectoryEvent {
  checkShape(event);
  return {
    v: EVENT_VERSION,
    ...event,
    signature: encodeBase64url(ed25519.sign(signedBytes(event), identitySeed)),
  };
}

/** The event's log entry: its JSON, fields in a fixed order. */
export function eventBytes(event: DirectoryEvent): Bytes {
  const { v, kind, user, seq, prior, card, revoked, time, signature } = event;
  return utf8(JSON.stringify({ v, kind, user, seq, prior, card, revoked, time, signature }));
}

/** The event id: SHA-256 of its log entry, base64url (what the user's next event names as `prior`). */
export function eventId(event: DirectoryEvent): string {
  return encodeBase64url(sha256(eventBytes(event)));
}

/**
 * An event from a log entry: its exact bytes must be what `eventBytes` writes (one encoding per event, so
 * an entry's hash is the event's), its shape strict, its card well-formed and signed. Whether the identity
 * key is the user's is for `UserHistory` to say (it depends on the user's earlier events).
 */
export function parseEvent(entry: Bytes): DirectoryEvent {
  if (entry.length > MAX_EVENT_BYTES)
    throw new LimitExceededError(`directory event over ${MAX_EVENT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8Strict(entry));
  } catch {
    throw new MalformedError('directory event: not UTF-8 JSON');
  }
  if (!isPlainObject(value)) throw new MalformedError('directory event: not a JSON object');
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'card,kind,prior,revoked,seq,signature,time,user,v')
    throw new MalformedError('directory event: unexpected or missing fields');
  if (value.v !== EVENT_VERSION) throw new MalformedError('directory event: version not supported');
  const event = { ...value, card: value.card === null ? null : parseCard(value.card) } as DirectoryEvent;
  checkShape(event);
  decodeBase64url(event.signature, 'directory event signature');
  const canonical = eventBytes(event);
  if (canonical.length !== entry.length || !canonical.every((byte, i) => byte === entry[i]))
    throw new MalformedError('directory event: not in its one encoding');
  return event;
}

/** Whether the identity key `identityKey` (base64url) signed `event`. */
export function verifyEventSignature(event: DirectoryEvent, identityKey: string): void {
  const signature = tryDecodeBase64url(event.signature);
  const key = tryDecodeBase64url(identityKey);
  if (signature === undefined || key === undefined || !verifyEd25519(signature, signedBytes(event), key))
    throw new SignatureInvalidError(
      `directory event ${event.user}#${event.seq}: the identity key's signature does not verify`,
    );
}

function checkShape(event: UnsignedEvent): void {
  const bad = (why: string) => new MalformedError(`directory event: ${why}`);
  if (!EVENT_KINDS.includes(event.kind)) throw bad('unknown kind');
  if (typeof event.user !== 'string' || !NAME_PATTERN.test(event.user)) throw bad('bad user name');
  if (!Number.isSafeInteger(event.seq) || event.seq < 0) throw bad('seq must be a count');
  if (!Number.isSafeInteger(event.time) || event.time < 0) throw bad('time must be whole seconds');
  if ((event.seq === 0) !== (event.prior === null)) throw bad('prior is null exactly for the first event');
  if (event.prior !== null && !isHashText(event.prior)) throw bad('prior is not an event id');
  const carriesCard = event.kind !== 'revoke';
  if (carriesCard !== (event.card !== null))
    throw bad(`${event.kind} ${carriesCard ? 'needs' : 'takes no'} card`);
  if (carriesCard === (event.revoked !== null)) throw bad(`revoked is set exactly for revoke`);
  if (event.revoked !== null && !isHashText(event.revoked)) throw bad('revoked is not a card id');
  if (event.card !== null && event.card.user !== event.user) throw bad('the card is for another user');
  if ((event.kind === 'register') !== (event.seq === 0)) throw bad('register is exactly the first event');
}

function isHashText(text: unknown): boolean {
  return typeof text === 'string' && tryDecodeCanonicalBase64url(text)?.length === 32;
}
