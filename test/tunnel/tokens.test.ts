/** Access tokens: stateless, bound to service id and certificate, proven per TLS channel, never sent whole. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { issueAccessToken, sessionProof, verifySessionProof } from 'sealwire/tunnel';

const key = randomBytes(32);
const expected = { serviceId: 'lab-1', fingerprint: 'AA:BB' };
const channelA = randomBytes(32);
const channelB = randomBytes(32);

test('a proof made on one channel verifies there and nowhere else; the secret is not in it', () => {
  const { token, claims } = issueAccessToken(key, { ...expected, ttlSeconds: 60 });
  assert.match(token, /^swt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  const proof = sessionProof(token, channelA);
  assert.ok(!JSON.stringify(proof).includes(token.split('.')[2]!), 'the token secret never travels');
  assert.deepEqual(verifySessionProof(key, proof, channelA, expected), claims);
  assert.throws(() => verifySessionProof(key, proof, channelB, expected), {
    code: 'ERR_NOT_AUTHORIZED',
    message: /not proven on this channel/,
  });
});

test('wrong service, wrong certificate, expired, foreign key, tampered claims, malformed: all refused', () => {
  const { token } = issueAccessToken(key, { ...expected, ttlSeconds: 60 });
  const proof = sessionProof(token, channelA);
  assert.throws(() => verifySessionProof(key, proof, channelA, { ...expected, serviceId: 'lab-2' }), {
    message: /another service/,
  });
  assert.throws(() => verifySessionProof(key, proof, channelA, { ...expected, fingerprint: 'CC:DD' }), {
    message: /another certificate/,
  });
  const old = issueAccessToken(key, { ...expected, ttlSeconds: 60, now: Date.now() - 120_000 });
  assert.throws(() => verifySessionProof(key, sessionProof(old.token, channelA), channelA, expected), {
    message: /expired/,
  });
  assert.throws(() => verifySessionProof(randomBytes(32), proof, channelA, expected), {
    code: 'ERR_NOT_AUTHORIZED',
  });
  const claims = JSON.parse(Buffer.from(proof.claims, 'base64url').toString());
  const stretched = {
    ...proof,
    claims: Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 10 ** 6 })).toString('base64url'),
  };
  assert.throws(() => verifySessionProof(key, stretched, channelA, expected), { code: 'ERR_NOT_AUTHORIZED' });
  for (const bad of [null, 'x', {}, { claims: 1, proof: 'x' }, { claims: 'x'.repeat(5000), proof: 'x' }]) {
    assert.throws(() => verifySessionProof(key, bad, channelA, expected), { code: 'ERR_NOT_AUTHORIZED' });
  }
  assert.throws(() => sessionProof('not-a-token', channelA), { code: 'ERR_INVALID_ARGUMENT' });
  assert.throws(() => issueAccessToken(key, { ...expected, ttlSeconds: 0 }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
});
