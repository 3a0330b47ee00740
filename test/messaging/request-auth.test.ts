/**
 * Signed requests: accepted once from a live device; refused when replayed, moved to another path or
 * method, given another body, too old or too new, from a device that is not live, or malformed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/encoding/bytes.ts';
import { generateKeyPair } from '../../src/keys/index.ts';
import { RequestVerifier, signRequest } from '../../src/messaging/service/request-auth.ts';
import { testCard, testIdentity } from './fixtures.ts';

const signing = await generateKeyPair('Ed25519');
const identity = testIdentity();
const card = testCard(identity, 'alice', 'laptop', { signingKey: (signing.publicJwk as { x: string }).x });
const signer = { user: 'alice', device: 'laptop', signingKey: signing.privateJwk };
const NOW = 1_796_000_000;
const live = new Map([['alice/laptop', card]]);
const verifier = (options: { maxNonces?: number } = {}) =>
  new RequestVerifier({ liveCard: (user, device) => live.get(`${user}/${device}`), ...options });
const request = { method: 'POST', path: '/msg/v1/send', body: utf8('{"to":["bob"]}') };

test('a signed request is accepted once; its replay is refused', async () => {
  const v = verifier();
  const header = await signRequest(request, signer, NOW);
  assert.deepEqual(await v.verify(request, header, NOW + 5), { user: 'alice', device: 'laptop' });
  await assert.rejects(v.verify(request, header, NOW + 6), { code: 'ERR_NOT_AUTHORIZED' });
  // A fresh signature of the same request is a new request.
  assert.deepEqual(await v.verify(request, await signRequest(request, signer, NOW), NOW), {
    user: 'alice',
    device: 'laptop',
  });
});

test('another path, method or body, a time outside the window, or a device not live is refused', async () => {
  const v = verifier();
  const header = await signRequest(request, signer, NOW);
  for (const changed of [
    { ...request, path: '/msg/v1/ack' },
    { ...request, method: 'DELETE' },
    { ...request, body: utf8('{"to":["mallory"]}') },
  ])
    await assert.rejects(v.verify(changed, header, NOW), { code: 'ERR_NOT_AUTHORIZED' });
  await assert.rejects(v.verify(request, await signRequest(request, signer, NOW - 301), NOW), {
    code: 'ERR_NOT_AUTHORIZED',
  });
  await assert.rejects(v.verify(request, await signRequest(request, signer, NOW + 301), NOW), {
    code: 'ERR_NOT_AUTHORIZED',
  });
  await assert.rejects(
    v.verify(request, await signRequest(request, { ...signer, device: 'phone' }, NOW), NOW),
    {
      code: 'ERR_NOT_AUTHORIZED',
    },
  );
  const other = await generateKeyPair('Ed25519');
  await assert.rejects(
    v.verify(request, await signRequest(request, { ...signer, signingKey: other.privateJwk }, NOW), NOW),
    {
      code: 'ERR_NOT_AUTHORIZED',
    },
  );
  await assert.rejects(v.verify(request, undefined, NOW), { code: 'ERR_NOT_AUTHORIZED' });
});

test('malformed headers are refused; a full replay cache refuses rather than forgets', async () => {
  const v = verifier({ maxNonces: 2 });
  const header = await signRequest(request, signer, NOW);
  for (const bad of [
    'Bearer abc',
    header.replace('Sealwire ', 'sealwire '),
    header.replace('user=alice', 'user=Alice'),
    `${header}, extra=1`,
    header.replace(/nonce=[^,]+/, 'nonce=AAAA'),
    header.replace(/sig=.+$/, 'sig=AAAA'),
    header.replace('time=', 'time=-'),
    `${header}${'x'.repeat(1100)}`,
  ])
    await assert.rejects(v.verify(request, bad, NOW), { code: 'ERR_MALFORMED' }, bad.slice(0, 60));
  await v.verify(request, header, NOW);
  await v.verify(request, await signRequest(request, signer, NOW), NOW);
  await assert.rejects(v.verify(request, await signRequest(request, signer, NOW), NOW), {
    code: 'ERR_LIMIT_EXCEEDED',
  });
  // Once the window has passed, the old nonces are forgotten (their requests are too old by then anyway).
  await v.verify(request, await signRequest(request, signer, NOW + 400), NOW + 400);
});
