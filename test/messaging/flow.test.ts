/**
 * The pieces together, in one process, as the service and two clients will use them: alice and bob register
 * devices in the directory; alice looks bob up (verified against the log), seals one envelope to bob's devices
 * and her own other device, the mailbox holds it for each; every device fetches, resolves the sender's card
 * through its own verified lookup as of the envelope's time, opens, and acknowledges. A message signed with
 * a revoked device's key after its revocation is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/encoding/bytes.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import type { PrivateJwk } from '../../src/keys/types.ts';
import { cardId, type DeviceCard } from '../../src/messaging/directory/card.ts';
import { Directory } from '../../src/messaging/directory/directory.ts';
import {
  type DirectoryEvent,
  eventBytes,
  eventId,
  signEvent,
  type UnsignedEvent,
} from '../../src/messaging/directory/event.ts';
import { verifyLookup } from '../../src/messaging/directory/lookup.ts';
import { type EnvelopeSender, openEnvelope, sealEnvelope } from '../../src/messaging/envelope/envelope.ts';
import { DEFAULT_MAILBOX_LIMITS, MemoryMailboxStore } from '../../src/messaging/service/mailbox.ts';
import { LogView } from '../../src/messaging/transparency/log-view.ts';
import { ed25519NoteKey } from '../../src/messaging/transparency/note.ts';
import { testCard, testIdentity } from './fixtures.ts';

const ORIGIN = 'sealwire.test/directory';
const logKey = ed25519NoteKey(ORIGIN);
const directory = new Directory({ origin: ORIGIN, signer: logKey.signer });
const mailbox = new MemoryMailboxStore();

interface Device {
  user: string;
  name: string;
  card: DeviceCard;
  encryption: PrivateJwk;
  signing: PrivateJwk;
  view: LogView;
}

class User {
  readonly identity = testIdentity();
  readonly events: DirectoryEvent[] = [];
  constructor(readonly name: string) {}
  publish(fields: Pick<UnsignedEvent, 'kind' | 'card' | 'revoked'>, time: number): void {
    const seq = this.events.length;
    const event = signEvent(
      { user: this.name, seq, prior: seq === 0 ? null : eventId(this.events[seq - 1]!), time, ...fields },
      this.identity.seed,
    );
    directory.append(eventBytes(event));
    this.events.push(event);
  }
  async device(name: string, time: number): Promise<Device> {
    const encryption = await generateKeyPair('X25519');
    const signing = await generateKeyPair('Ed25519');
    const card = testCard(this.identity, this.name, name, {
      encryptionKey: (encryption.publicJwk as { x: string }).x,
      signingKey: (signing.publicJwk as { x: string }).x,
    });
    this.publish({ kind: this.events.length === 0 ? 'register' : 'add', card, revoked: null }, time);
    return {
      user: this.name,
      name,
      card,
      encryption: encryption.privateJwk,
      signing: signing.privateJwk,
      view: new LogView({ origin: ORIGIN, log: logKey.verifier }),
    };
  }
}

/** What a client does to learn a user's devices: a lookup verified against its own view of the log. */
function lookup(device: Device, user: string) {
  const since = device.view.checkpoint?.size ?? 0;
  return verifyLookup(device.view, user, directory.lookup(user, since));
}

function senderCardFor(reader: Device) {
  return async (from: EnvelopeSender, time: number) => {
    const card = lookup(reader, from.user)?.cardLiveAt(from.card, time);
    if (card === undefined) throw new Error(`${from.user}'s card ${from.card} was not live at ${time}`);
    return card;
  };
}

test('alice writes to bob: every device of bob and her other device read it, once', async () => {
  const alice = new User('alice');
  const bob = new User('bob');
  const aliceLaptop = await alice.device('laptop', 1000);
  const alicePhone = await alice.device('phone', 1001);
  const bobPhone = await bob.device('phone', 1002);
  const bobTablet = await bob.device('tablet', 1003);
  const recipients = [
    ...lookup(aliceLaptop, 'bob')!.liveCards(),
    ...lookup(aliceLaptop, 'alice')!.liveCards(),
  ].filter((card) => cardId(card) !== cardId(aliceLaptop.card));
  assert.equal(recipients.length, 3);
  const envelope = await sealEnvelope(
    utf8('lunch at noon?'),
    { user: 'alice', device: 'laptop', card: cardId(aliceLaptop.card), signingKey: aliceLaptop.signing },
    recipients,
    { to: ['bob'], time: 2000 },
  );
  const addresses = recipients.map((card) => `${card.user}/${card.device}`);
  await mailbox.put('alice', 'msg-lunch001', utf8(envelope), addresses, 2000, DEFAULT_MAILBOX_LIMITS);
  for (const reader of [bobPhone, bobTablet, alicePhone]) {
    const [message] = await mailbox.fetch(`${reader.user}/${reader.name}`, 10, 0);
    const opened = await openEnvelope(
      new TextDecoder().decode(message!.envelope),
      [reader.encryption],
      senderCardFor(reader),
    );
    assert.equal(new TextDecoder().decode(opened.content), 'lunch at noon?');
    assert.equal(opened.from.device, 'laptop');
    assert.equal(await mailbox.ack(`${reader.user}/${reader.name}`, [message!.id]), 1);
    assert.equal((await mailbox.fetch(`${reader.user}/${reader.name}`, 10, 0)).length, 0);
  }

  // alice revokes her laptop at 3000. Mail it signed before then still verifies; mail claiming a later time
  // (someone holding the old laptop key) does not.
  alice.publish({ kind: 'revoke', card: null, revoked: cardId(aliceLaptop.card) }, 3000);
  const laptopSender = {
    user: 'alice',
    device: 'laptop',
    card: cardId(aliceLaptop.card),
    signingKey: aliceLaptop.signing,
  };
  await openEnvelope(envelope, [bobPhone.encryption], senderCardFor(bobPhone));
  const late = await sealEnvelope(utf8('send money'), laptopSender, [bobPhone.card], {
    to: ['bob'],
    time: 3001,
  });
  await assert.rejects(openEnvelope(late, [bobPhone.encryption], senderCardFor(bobPhone)), /was not live/);
});
