/** Sender authentication: sign-then-encrypt (nested JWS), verified on open when expected senders are named. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as jose from 'jose';
import { generateKeyPair, type PrivateJwk, type PublicJwk } from 'sealwire/keys';
import { open, seal, sign, verify } from 'sealwire/seal';

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (data: string) => new TextEncoder().encode(data);

function joseKey(jwk: object, alg: string) {
  const { use: _use, alg: _alg, ...bare } = jwk as Record<string, unknown>;
  return jose.importJWK(bare as jose.JWK, alg);
}

const recipient = await generateKeyPair('X25519');
const ed = await generateKeyPair('Ed25519');
const es = await generateKeyPair('ES256');

for (const signer of [ed, es]) {
  test(`${signer.kind}: signed then sealed; open with from verifies and names the signer`, async () => {
    const jwe = await seal('signed data', recipient.publicJwk, { sign: signer.privateJwk });
    assert.equal(jose.decodeProtectedHeader(jwe).cty, 'JOSE');
    const result = await open(jwe, recipient.privateJwk, { from: [ed.publicJwk, es.publicJwk] });
    assert.equal(text(result.plaintext), 'signed data');
    assert.equal(result.signature, 'verified');
    assert.equal(result.signer?.kid, signer.kid);
    assert.equal(result.signer?.alg, signer.kind === 'Ed25519' ? 'EdDSA' : 'ES256');
    // jose reads the same structure: decrypt, then verify the inner JWS.
    const outer = await jose.compactDecrypt(jwe, await joseKey(recipient.privateJwk, 'ECDH-ES+A256KW'));
    const inner = await jose.compactVerify(
      text(outer.plaintext),
      await joseKey(signer.publicJwk, signer.kind === 'Ed25519' ? 'EdDSA' : 'ES256'),
    );
    assert.equal(text(inner.payload), 'signed data');
  });
}

test('without from, a signed message opens to the JWS itself and says it is unverified', async () => {
  const jwe = await seal('payload', recipient.publicJwk, { sign: ed.privateJwk });
  const result = await open(jwe, recipient.privateJwk);
  assert.equal(result.signature, 'unverified');
  assert.equal(text(result.plaintext).split('.').length, 3);
  assert.equal(result.signer, undefined);
});

test('with from: unsigned content, an unknown signer and a forged signature are all refused', async () => {
  const unsigned = await seal('plain', recipient.publicJwk);
  await assert.rejects(open(unsigned, recipient.privateJwk, { from: ed.publicJwk }), {
    code: 'ERR_SIGNATURE_MISSING',
  });
  const mallory = await generateKeyPair('Ed25519');
  const byMallory = await seal('hi', recipient.publicJwk, { sign: mallory.privateJwk });
  await assert.rejects(open(byMallory, recipient.privateJwk, { from: [ed.publicJwk, es.publicJwk] }), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  // Mallory reuses Alice's kid: the signature still has to verify under Alice's key.
  const forgedJws = await sign(bytes('forged'), mallory.privateJwk);
  const [, payload, signature] = forgedJws.split('.');
  const relabelled = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: ed.kid })).toString('base64url')}.${payload}.${signature}`;
  const sealedForgery = await seal(relabelled, recipient.publicJwk, { contentType: 'JOSE' });
  await assert.rejects(open(sealedForgery, recipient.privateJwk, { from: ed.publicJwk }), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  // A payload changed inside a genuine JWS.
  const genuine = await sign(bytes('amount=10'), ed.privateJwk);
  const parts = genuine.split('.');
  const altered = [parts[0], Buffer.from('amount=99').toString('base64url'), parts[2]].join('.');
  await assert.rejects(
    open(await seal(altered, recipient.publicJwk, { contentType: 'JOSE' }), recipient.privateJwk, {
      from: ed.publicJwk,
    }),
    {
      code: 'ERR_SIGNATURE_INVALID',
    },
  );
  // alg none inside.
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('x').toString('base64url')}.`;
  await assert.rejects(
    open(await seal(none, recipient.publicJwk), recipient.privateJwk, { from: ed.publicJwk }),
    { code: 'ERR_SIGNATURE_INVALID' },
  );
});

test('a nested JWT made by jose (cty JWT) opens and verifies', async () => {
  const jwt = await new jose.SignJWT({ sub: 'alice', scope: 'read' })
    .setProtectedHeader({ alg: 'EdDSA', kid: ed.kid })
    .sign(await joseKey(ed.privateJwk, 'EdDSA'));
  const jwe = await new jose.CompactEncrypt(bytes(jwt))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
    .encrypt(await joseKey(recipient.publicJwk, 'ECDH-ES+A256KW'));
  const result = await open(jwe, recipient.privateJwk, { from: ed.publicJwk });
  assert.deepEqual(JSON.parse(text(result.plaintext)), { sub: 'alice', scope: 'read' });
  assert.equal((await open(jwe, recipient.privateJwk)).signature, 'unverified');
});

test('sign/verify standalone; keys marked for encryption or bound to another alg do not sign or verify', async () => {
  const jws = await sign('hello', es.privateJwk);
  assert.equal(text((await verify(jws, es.publicJwk)).payload), 'hello');
  const theirs = await jose.compactVerify(jws, await joseKey(es.publicJwk, 'ES256'));
  assert.equal(text(theirs.payload), 'hello');
  const encryptionKey = { ...es.publicJwk, use: 'enc' as const } as PublicJwk;
  await assert.rejects(verify(jws, encryptionKey), { code: 'ERR_SIGNATURE_INVALID' });
  await assert.rejects(sign('x', { ...es.privateJwk, use: 'enc' } as PrivateJwk), {
    code: 'ERR_KEY_MISMATCH',
  });
  await assert.rejects(sign('x', recipient.privateJwk), { code: 'ERR_KEY_MISMATCH' });
  await assert.rejects(sign('x', ed.publicJwk as unknown as PrivateJwk), { code: 'ERR_KEY_INVALID' });
  await assert.rejects(verify('a.b', ed.publicJwk), { code: 'ERR_SIGNATURE_MISSING' });
});
