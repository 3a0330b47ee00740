/**
 * The directory and a client's lookup against it, honest and lying. The lies are the list: a swapped
 * device key, a card not in the log, a forked log, a rolled-back head, a revoked card served as live; each
 * is refused with ERR_LOG_INCONSISTENT before anything could be encrypted to it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from '../../src/encoding/base64url.ts';
import { utf8 } from '../../src/encoding/bytes.ts';
import { cardId, type DeviceCard } from '../../src/messaging/directory/card.ts';
import { Directory } from '../../src/messaging/directory/directory.ts';
import {
  type DirectoryEvent,
  eventBytes,
  eventId,
  signEvent,
  type UnsignedEvent,
} from '../../src/messaging/directory/event.ts';
import { type LookupAnswer, verifyLookup } from '../../src/messaging/directory/lookup.ts';
import { LogView } from '../../src/messaging/transparency/log-view.ts';
import { ed25519NoteKey } from '../../src/messaging/transparency/note.ts';
import { testCard } from './fixtures.ts';

const ORIGIN = 'sealwire.test/directory';
const logKey = ed25519NoteKey(ORIGIN);
const b64 = encodeBase64url;

class User {
  readonly seed = ed25519.utils.randomSecretKey();
  readonly key = b64(ed25519.getPublicKey(this.seed));
  readonly events: DirectoryEvent[] = [];
  constructor(readonly name: string) {}
  card(device: string, previous: string | null = null): DeviceCard {
    return testCard(this, this.name, device, { previous });
  }
  event(fields: Pick<UnsignedEvent, 'kind' | 'card' | 'revoked'>): Uint8Array {
    const seq = this.events.length;
    const event = signEvent(
      {
        user: this.name,
        seq,
        prior: seq === 0 ? null : eventId(this.events[seq - 1]!),
        time: 1_796_000_000 + seq,
        ...fields,
      },
      this.seed,
    );
    this.events.push(event);
    return eventBytes(event);
  }
}

function setup() {
  const directory = new Directory({ origin: ORIGIN, signer: logKey.signer });
  const alice = new User('alice');
  const bob = new User('bob');
  const laptop = alice.card('laptop');
  directory.append(alice.event({ kind: 'register', card: laptop, revoked: null }));
  directory.append(bob.event({ kind: 'register', card: bob.card('phone'), revoked: null }));
  const phone = alice.card('phone');
  directory.append(alice.event({ kind: 'add', card: phone, revoked: null }));
  return { directory, alice, bob, laptop, phone };
}

const newView = () => new LogView({ origin: ORIGIN, log: logKey.verifier });

test("a lookup gives the user's live cards, proven; an unknown user is proven absent", () => {
  const { directory, laptop, phone } = setup();
  const view = newView();
  const history = verifyLookup(view, 'alice', directory.lookup('alice'))!;
  assert.deepEqual(history.liveCards().map(cardId).sort(), [cardId(laptop), cardId(phone)].sort());
  assert.equal(verifyLookup(view, 'nobody', directory.lookup('nobody', view.checkpoint!.size)), null);
  assert.equal(view.checkpoint!.size, 3);
  // The directory refuses what alice could not have made.
  const mallory = new User('alice');
  assert.throws(
    () => directory.append(mallory.event({ kind: 'register', card: mallory.card('evil'), revoked: null })),
    {
      code: 'ERR_MALFORMED',
    },
  );
  assert.equal(directory.size, 3);
});

test('a swapped device key, or a card not in the log, is refused', () => {
  const { directory } = setup();
  const answer = directory.lookup('alice');
  const swapped = structuredClone(answer);
  const text = new TextDecoder().decode(swapped.events[1]!.entry);
  const event = JSON.parse(text) as DirectoryEvent;
  event.card!.encryptionKey = b64(x25519.getPublicKey(x25519.utils.randomSecretKey()));
  swapped.events[1]!.entry = utf8(JSON.stringify(event));
  assert.throws(() => verifyLookup(newView(), 'alice', swapped), { code: 'ERR_LOG_INCONSISTENT' });
  // An extra (validly signed!) event that was never appended: not in the log.
  const { alice } = setup();
  const extra = structuredClone(answer);
  extra.events.push({
    position: 3,
    entry: alice.event({ kind: 'add', card: alice.card('x'), revoked: null }),
    proof: [],
  });
  assert.throws(() => verifyLookup(newView(), 'alice', extra), { code: 'ERR_LOG_INCONSISTENT' });
});

test('a forked log and a rolled-back head are refused by a client that saw the other', () => {
  const { directory, alice } = setup();
  const view = newView();
  verifyLookup(view, 'alice', directory.lookup('alice'));
  // The same directory key signs a second history: bob's phone replaced by the directory's own device.
  const forked = new Directory({ origin: ORIGIN, signer: logKey.signer, entries: directory.entries(0, 1) });
  const impostor = new User('bob');
  forked.append(impostor.event({ kind: 'register', card: impostor.card('phone'), revoked: null }));
  forked.append(directory.entries(2, 3)[0]!);
  assert.throws(() => verifyLookup(view, 'bob', forked.lookup('bob', 3)), { code: 'ERR_LOG_INCONSISTENT' });
  // Grown on: still not a continuation of what the client saw.
  const carol = new User('carol');
  forked.append(carol.event({ kind: 'register', card: carol.card('a'), revoked: null }));
  assert.throws(() => verifyLookup(view, 'bob', forked.lookup('bob', 3)), { code: 'ERR_LOG_INCONSISTENT' });
  // The honest log grows; an old head afterwards is a rollback.
  const old = directory.lookup('alice');
  alice.events.length = 2;
  directory.append(alice.event({ kind: 'revoke', card: null, revoked: cardId(alice.events[0]!.card!) }));
  verifyLookup(view, 'alice', directory.lookup('alice', 3));
  assert.throws(() => verifyLookup(view, 'alice', old), { code: 'ERR_LOG_INCONSISTENT' });
});

test('a revoked card served as live (the revocation left out of the answer) is refused', () => {
  const { directory, alice, laptop } = setup();
  directory.append(alice.event({ kind: 'revoke', card: null, revoked: cardId(laptop) }));
  const answer: LookupAnswer = directory.lookup('alice');
  const withoutRevoke = { ...answer, events: answer.events.slice(0, -1) };
  assert.throws(() => verifyLookup(newView(), 'alice', withoutRevoke), { code: 'ERR_LOG_INCONSISTENT' });
  const history = verifyLookup(newView(), 'alice', answer)!;
  assert.ok(!history.liveCards().some((card) => cardId(card) === cardId(laptop)));
  // The revoked card is still known, with when it was live: old messages stay verifiable.
  assert.equal(history.card(cardId(laptop))!.until, 1_796_000_002);
});
