/**
 * Device cards: signed by the user's identity key over one fixed byte string, parsed strictly from untrusted
 * JSON (exact fields, one encoding per key), and identified by a hash a rotated card names as `previous`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from '../../src/encoding/base64url.ts';
import { cardId, parseCard, signCard, type UnsignedCard } from '../../src/messaging/directory/card.ts';

const identitySeed = ed25519.utils.randomSecretKey();
const b64 = encodeBase64url;

function unsigned(overrides: Partial<UnsignedCard> = {}): UnsignedCard {
  return {
    user: 'alice',
    device: 'laptop',
    identityKey: b64(ed25519.getPublicKey(identitySeed)),
    encryptionKey: b64(x25519.getPublicKey(x25519.utils.randomSecretKey())),
    signingKey: b64(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
    created: 1_796_000_000,
    previous: null,
    ...overrides,
  };
}

test('a signed card parses back from its JSON; a rotated card names the one it replaces', () => {
  const first = signCard(unsigned(), identitySeed);
  const parsed = parseCard(JSON.parse(JSON.stringify(first)));
  assert.deepEqual(parsed, first);
  const id = cardId(first);
  assert.equal(cardId(parsed), id);
  const rotated = signCard(unsigned({ previous: id, created: 1_796_000_100 }), identitySeed);
  assert.equal(parseCard(rotated).previous, id);
  assert.notEqual(cardId(rotated), id);
});

test('any changed field, another identity key, or a foreign signature is refused', () => {
  const card = signCard(unsigned(), identitySeed);
  for (const [field, value] of [
    ['user', 'mallory'],
    ['device', 'phone'],
    ['created', card.created + 1],
    ['encryptionKey', unsigned().encryptionKey],
    ['signingKey', unsigned().signingKey],
    ['previous', cardId(card)],
  ] as const)
    assert.throws(() => parseCard({ ...card, [field]: value }), { code: 'ERR_SIGNATURE_INVALID' }, field);
  const other = ed25519.utils.randomSecretKey();
  const forged = signCard(unsigned({ identityKey: b64(ed25519.getPublicKey(other)) }), other);
  assert.throws(() => parseCard({ ...forged, identityKey: card.identityKey }), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  assert.throws(() => signCard(unsigned(), other), { code: 'ERR_MALFORMED' });
});

test('malformed cards are refused before the signature is checked', () => {
  const card = signCard(unsigned(), identitySeed);
  // The same 32 bytes spelled another way: 43 characters carry 258 bits, so the last one has two unused
  // low bits; setting one changes the text and not the bytes.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(card.encryptionKey.at(-1)!);
  const respelled = card.encryptionKey.slice(0, -1) + alphabet[last ^ 1];
  for (const bad of [
    null,
    [],
    'card',
    { ...card, extra: 1 },
    (({ previous: _p, ...rest }) => rest)(card),
    { ...card, v: 2 },
    { ...card, user: 'Alice' },
    { ...card, user: '' },
    { ...card, device: 'x'.repeat(65) },
    { ...card, identityKey: `${card.identityKey}AA` },
    { ...card, encryptionKey: respelled },
    { ...card, signature: card.signature.slice(0, -2) },
    { ...card, created: -1 },
    { ...card, created: 1.5 },
    { ...card, previous: 'not-a-hash' },
  ])
    assert.throws(() => parseCard(bad), { code: 'ERR_MALFORMED' }, JSON.stringify(bad)?.slice(0, 80));
});
