/**
 * Directory events and one user's history replayed from them: what a user can do (register, add a device,
 * rotate a device's keys, revoke a device) and what a directory cannot pass off as the user's doing (an
 * event out of order or unsigned, a device under another identity key, a rotation of a card that is not
 * live). Each refusal leaves the history as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/encoding/bytes.ts';
import { cardId, type DeviceCard } from '../../src/messaging/directory/card.ts';
import {
  type DirectoryEvent,
  eventBytes,
  eventId,
  parseEvent,
  signEvent,
  type UnsignedEvent,
} from '../../src/messaging/directory/event.ts';
import { UserHistory } from '../../src/messaging/directory/user-history.ts';
import { testCard, testIdentity } from './fixtures.ts';

const identity = testIdentity;

const alice = identity();

function card(device: string, previous: string | null = null, who = alice, user = 'alice'): DeviceCard {
  return testCard(who, user, device, { previous });
}

/** The events a user makes, each naming the one before. */
class Author {
  readonly events: DirectoryEvent[] = [];
  constructor(
    readonly who = alice,
    readonly user = 'alice',
  ) {}
  next(fields: Pick<UnsignedEvent, 'kind' | 'card' | 'revoked'>, overrides: Partial<UnsignedEvent> = {}) {
    const seq = this.events.length;
    const event = signEvent(
      {
        user: this.user,
        seq,
        prior: seq === 0 ? null : eventId(this.events[seq - 1]!),
        time: 1_796_000_000 + seq,
        ...fields,
        ...overrides,
      },
      this.who.seed,
    );
    return event;
  }
  push(event: DirectoryEvent) {
    this.events.push(event);
    return event;
  }
}

test('register, add, rotate, revoke: the live cards and every past card with its span', () => {
  const author = new Author();
  const laptop = card('laptop');
  const phone = card('phone');
  author.push(author.next({ kind: 'register', card: laptop, revoked: null }));
  author.push(author.next({ kind: 'add', card: phone, revoked: null }));
  const phone2 = card('phone', cardId(phone));
  author.push(author.next({ kind: 'rotate', card: phone2, revoked: null }));
  author.push(author.next({ kind: 'revoke', card: null, revoked: cardId(laptop) }));
  // Through the log's bytes and back, as a client gets them.
  const history = new UserHistory(
    'alice',
    author.events.map((e) => parseEvent(eventBytes(e))),
  );
  assert.equal(history.identityKey, alice.key);
  assert.equal(history.length, 4);
  assert.deepEqual(
    history.liveCards().map((c) => cardId(c)),
    [cardId(phone2)],
  );
  assert.deepEqual(history.card(cardId(phone)), {
    id: cardId(phone),
    card: phone,
    from: 1_796_000_001,
    until: 1_796_000_002,
  });
  assert.equal(history.card(cardId(laptop))!.until, 1_796_000_003);
});

test('what the user could not have made is refused, and the history stays as it was', () => {
  const author = new Author();
  const laptop = card('laptop');
  author.push(author.next({ kind: 'register', card: laptop, revoked: null }));
  const history = new UserHistory('alice', author.events);
  const mallory = identity();
  const cases: [string, DirectoryEvent, string][] = [
    [
      'wrong seq',
      author.next({ kind: 'add', card: card('phone'), revoked: null }, { seq: 2 }),
      'ERR_MALFORMED',
    ],
    [
      'wrong prior',
      author.next({ kind: 'add', card: card('phone'), revoked: null }, { prior: cardId(laptop) }),
      'ERR_MALFORMED',
    ],
    [
      'signed by another key',
      new Author(mallory).next(
        { kind: 'add', card: card('phone'), revoked: null },
        {
          seq: 1,
          prior: eventId(author.events[0]!),
        },
      ),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      "a card under another identity key (the directory's own device)",
      author.next({ kind: 'add', card: card('evil', null, mallory), revoked: null }),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'a second card for a live device',
      author.next({ kind: 'add', card: card('laptop'), revoked: null }),
      'ERR_MALFORMED',
    ],
    [
      'a rotation that does not name the live card',
      author.next({ kind: 'rotate', card: card('laptop', cardId(card('laptop'))), revoked: null }),
      'ERR_MALFORMED',
    ],
    [
      'a revocation of a card that is not there',
      author.next({ kind: 'revoke', card: null, revoked: cardId(card('phone')) }),
      'ERR_MALFORMED',
    ],
  ];
  for (const [label, event, code] of cases) {
    assert.throws(() => history.apply(event), { code }, label);
    assert.equal(history.length, 1, label);
    assert.deepEqual(history.liveCards(), [laptop], label);
  }
  const bob = new Author(identity(), 'bob');
  assert.throws(
    () => history.apply(bob.next({ kind: 'register', card: card('x', null, bob.who, 'bob'), revoked: null })),
    { code: 'ERR_MALFORMED' },
  );
});

test('an event entry must be in its one encoding, of the right shape and size', () => {
  const author = new Author();
  const event = author.next({ kind: 'register', card: card('laptop'), revoked: null });
  const bytes = eventBytes(event);
  assert.deepEqual(parseEvent(bytes), event);
  const spaced = utf8(JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)), null, 1));
  assert.throws(() => parseEvent(spaced), { code: 'ERR_MALFORMED' });
  const { v, ...rest } = event;
  const reordered = utf8(JSON.stringify({ ...rest, v }));
  assert.throws(() => parseEvent(reordered), { code: 'ERR_MALFORMED' });
  assert.throws(() => parseEvent(new Uint8Array(9000)), { code: 'ERR_LIMIT_EXCEEDED' });
  assert.throws(() => parseEvent(utf8('[]')), { code: 'ERR_MALFORMED' });
  assert.throws(() => parseEvent(utf8(JSON.stringify({ ...event, kind: 'delete' }))), {
    code: 'ERR_MALFORMED',
  });
  assert.throws(
    () =>
      signEvent(
        { user: 'alice', seq: 0, prior: null, time: 1, kind: 'revoke', card: null, revoked: null },
        alice.seed,
      ),
    { code: 'ERR_MALFORMED' },
  );
});
