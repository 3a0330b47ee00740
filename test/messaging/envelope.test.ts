/**
 * Envelopes: sealed once for every device of every recipient and the sender's other devices; nobody is named
 * in the clear; the sender's signature is checked against the card the directory gives before anything is
 * released; every bit flip and truncation is refused; a device that rotated still reads what was sealed to
 * its old key; Padmé hides exact lengths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from '../../src/encoding/base64url.ts';
import { utf8 } from '../../src/encoding/bytes.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import type { PrivateJwk } from '../../src/keys/types.ts';
import { cardId, type DeviceCard, signCard } from '../../src/messaging/directory/card.ts';
import { type EnvelopeSender, openEnvelope, sealEnvelope } from '../../src/messaging/envelope/envelope.ts';
import { padmeLength } from '../../src/messaging/envelope/padding.ts';

interface Device {
  card: DeviceCard;
  id: string;
  encryption: PrivateJwk;
  signing: PrivateJwk;
}

async function device(
  user: string,
  name: string,
  identitySeed: Uint8Array,
  previous: string | null = null,
): Promise<Device> {
  const encryption = await generateKeyPair('X25519');
  const signing = await generateKeyPair('Ed25519');
  const card = signCard(
    {
      user,
      device: name,
      identityKey: encodeBase64url(ed25519.getPublicKey(identitySeed)),
      encryptionKey: (encryption.publicJwk as { x: string }).x,
      signingKey: (signing.publicJwk as { x: string }).x,
      created: 1_796_000_000,
      previous,
    },
    identitySeed,
  );
  return { card, id: cardId(card), encryption: encryption.privateJwk, signing: signing.privateJwk };
}

const aliceSeed = ed25519.utils.randomSecretKey();
const bobSeed = ed25519.utils.randomSecretKey();
const aliceLaptop = await device('alice', 'laptop', aliceSeed);
const alicePhone = await device('alice', 'phone', aliceSeed);
const bobPhone = await device('bob', 'phone', bobSeed);
const bobTablet = await device('bob', 'tablet', bobSeed);
const directory = new Map([aliceLaptop, alicePhone, bobPhone, bobTablet].map((d) => [d.id, d.card]));
/** What the messaging client does with the verified directory: the card a sender names, or a refusal. */
const senderCard = async (from: EnvelopeSender) => {
  const card = directory.get(from.card);
  if (card === undefined) throw new Error(`no card ${from.card}`);
  return card;
};
const sender = (d: Device) => ({
  user: d.card.user,
  device: d.card.device,
  card: d.id,
  signingKey: d.signing,
});

test("one envelope reaches every recipient device and the sender's other device; nobody is named in it", async () => {
  const envelope = await sealEnvelope(
    utf8('hello bob'),
    sender(aliceLaptop),
    [bobPhone.card, bobTablet.card, alicePhone.card],
    {
      to: ['bob'],
      time: 1_796_000_500,
    },
  );
  for (const reader of [bobPhone, bobTablet, alicePhone]) {
    const opened = await openEnvelope(envelope, [reader.encryption], senderCard);
    assert.equal(new TextDecoder().decode(opened.content), 'hello bob');
    assert.deepEqual(opened.from, { user: 'alice', device: 'laptop', card: aliceLaptop.id });
    assert.deepEqual(opened.to, ['bob']);
    assert.equal(opened.time, 1_796_000_500);
  }
  for (const name of [
    'alice',
    'bob',
    'laptop',
    'tablet',
    '"kid"',
    aliceLaptop.card.encryptionKey,
    bobPhone.card.encryptionKey,
  ])
    assert.ok(!envelope.includes(name), name);
  const carol = await device('carol', 'phone', ed25519.utils.randomSecretKey());
  await assert.rejects(openEnvelope(envelope, [carol.encryption], senderCard), (error: { code?: string }) =>
    ['ERR_NO_MATCHING_RECIPIENT', 'ERR_DECRYPTION_FAILED'].includes(error.code ?? ''),
  );
});

test('a forged sender signature, or a card other than the one named, is refused before anything is released', async () => {
  // Mallory holds bob's device key (a recipient), and claims to be alice's laptop.
  const mallory = await device('alice', 'laptop', ed25519.utils.randomSecretKey());
  const forged = await sealEnvelope(
    utf8('pay mallory'),
    { ...sender(mallory), card: aliceLaptop.id },
    [bobPhone.card],
    {
      to: ['bob'],
    },
  );
  await assert.rejects(openEnvelope(forged, [bobPhone.encryption], senderCard), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  const honest = await sealEnvelope(utf8('hi'), sender(aliceLaptop), [bobPhone.card], { to: ['bob'] });
  await assert.rejects(
    openEnvelope(honest, [bobPhone.encryption], async () => alicePhone.card),
    {
      code: 'ERR_SIGNATURE_INVALID',
    },
  );
});

test('every bit flip and truncation is refused with a typed error', async () => {
  const envelope = await sealEnvelope(
    utf8('x'.repeat(200)),
    sender(aliceLaptop),
    [bobPhone.card, bobTablet.card],
    { to: ['bob'] },
  );
  const jwe = JSON.parse(envelope) as Record<string, unknown> & { recipients: Record<string, string>[] };
  const flips: string[] = [];
  for (const field of ['protected', 'iv', 'ciphertext', 'tag']) {
    const value = jwe[field] as string;
    const at = Math.floor(value.length / 2);
    flips.push(
      JSON.stringify({
        ...jwe,
        [field]: value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1),
      }),
    );
    flips.push(JSON.stringify({ ...jwe, [field]: value.slice(0, -4) }));
  }
  // Every slot's wrapped key changed (a change to another device's slot alone leaves this device's intact).
  const flipKey = (key: string) => `${key.slice(0, 5)}${key[5] === 'A' ? 'B' : 'A'}${key.slice(6)}`;
  flips.push(
    JSON.stringify({
      ...jwe,
      recipients: jwe.recipients.map((r) => ({ ...r, encrypted_key: flipKey(r.encrypted_key!) })),
    }),
  );
  flips.push(envelope.slice(0, envelope.length - 10));
  for (const bad of flips) {
    await assert.rejects(
      openEnvelope(bad, [bobPhone.encryption], senderCard),
      (error: { code?: string }) => typeof error.code === 'string' && error.code.startsWith('ERR_'),
    );
  }
});

test('a device that rotated keeps its old key and still reads what was sealed to it', async () => {
  const old = await sealEnvelope(utf8('before rotation'), sender(aliceLaptop), [bobPhone.card], {
    to: ['bob'],
  });
  const rotated = await device('bob', 'phone', bobSeed, bobPhone.id);
  directory.set(rotated.id, rotated.card);
  const keys = [rotated.encryption, bobPhone.encryption];
  assert.equal(
    new TextDecoder().decode((await openEnvelope(old, keys, senderCard)).content),
    'before rotation',
  );
  const fresh = await sealEnvelope(utf8('after'), sender(aliceLaptop), [rotated.card], { to: ['bob'] });
  assert.equal(new TextDecoder().decode((await openEnvelope(fresh, keys, senderCard)).content), 'after');
});

test('Padmé: lengths are rounded up to a few sizes, at most ~12% more', async () => {
  for (const [length, padded] of [
    [0, 0],
    [1, 1],
    [9, 10],
    [100, 104],
    [1000, 1024],
    [1025, 1088],
    [65537, 67584],
  ] as const)
    assert.equal(padmeLength(length), padded, String(length));
  for (let n = 2; n < 100_000; n += 97)
    assert.ok(padmeLength(n) >= n && padmeLength(n) <= n * 1.125 + 1, String(n));
  const a = await sealEnvelope(utf8('a'.repeat(600)), sender(aliceLaptop), [bobPhone.card], {
    to: ['bob'],
    time: 1,
  });
  const b = await sealEnvelope(utf8('a'.repeat(610)), sender(aliceLaptop), [bobPhone.card], {
    to: ['bob'],
    time: 1,
  });
  assert.equal(
    (JSON.parse(a) as { ciphertext: string }).ciphertext.length,
    (JSON.parse(b) as { ciphertext: string }).ciphertext.length,
  );
});
