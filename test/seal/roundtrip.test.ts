/** seal/open round trips over every key kind, serialization and option, checked against jose as the peer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as jose from 'jose';
import { EphemeralKeyPair, generateKeyPair, type KeyPair, type PublicJwk } from 'sealwire/keys';
import { type GeneralJwe, open, seal } from 'sealwire/seal';

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (data: string) => new TextEncoder().encode(data);

/** jose binds keys to one algorithm; strip the JWK's own alg/use before importing it. */
function joseKey(jwk: object, alg: string) {
  const { use: _use, alg: _alg, ...bare } = jwk as Record<string, unknown>;
  return jose.importJWK(bare as jose.JWK, alg);
}

const kinds = ['X25519', 'P-256', 'RSA-OAEP-256'] as const;
const pairs = new Map<string, KeyPair>();
async function pair(kind: (typeof kinds)[number]): Promise<KeyPair> {
  let found = pairs.get(kind);
  if (found === undefined) {
    found = await generateKeyPair(kind, { bits: 2048 });
    pairs.set(kind, found);
  }
  return found;
}

for (const kind of kinds) {
  test(`${kind}: compact seal opens in Sealwire and in jose; jose output opens in Sealwire`, async () => {
    const keys = await pair(kind);
    const alg = kind === 'RSA-OAEP-256' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW';
    const sealed = await seal('hello', keys.publicJwk);
    assert.equal(sealed.split('.').length, 5);
    const header = jose.decodeProtectedHeader(sealed);
    assert.equal(header.alg, alg);
    assert.equal(header.enc, 'A256GCM');
    assert.equal(header.kid, keys.kid);
    const ours = await open(sealed, keys.privateJwk);
    assert.equal(text(ours.plaintext), 'hello');
    assert.equal(ours.recipientKid, keys.kid);
    assert.equal(ours.signature, 'none');
    const theirs = await jose.compactDecrypt(sealed, await joseKey(keys.privateJwk, alg));
    assert.equal(text(theirs.plaintext), 'hello');
    const fromJose = await new jose.CompactEncrypt(bytes('from jose'))
      .setProtectedHeader({ alg, enc: 'A256GCM' })
      .encrypt(await joseKey(keys.publicJwk, alg));
    assert.equal(text((await open(fromJose, keys.privateJwk)).plaintext), 'from jose');
  });
}

for (const kind of ['X25519', 'P-256'] as const) {
  test(`${kind}: direct ECDH-ES, single recipient, both directions with jose`, async () => {
    const keys = await pair(kind);
    const sealed = await seal(bytes('direct'), keys.publicJwk, { keyManagement: 'ECDH-ES' });
    assert.equal(sealed.split('.')[1], '', 'no encrypted key for direct agreement');
    assert.equal(text((await open(sealed, keys.privateJwk)).plaintext), 'direct');
    assert.equal(
      text((await jose.compactDecrypt(sealed, await joseKey(keys.privateJwk, 'ECDH-ES'))).plaintext),
      'direct',
    );
    const fromJose = await new jose.CompactEncrypt(bytes('jose direct'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .encrypt(await joseKey(keys.publicJwk, 'ECDH-ES'));
    assert.equal(text((await open(fromJose, keys.privateJwk)).plaintext), 'jose direct');
  });
}

test('several recipients of mixed kinds: General JSON, each opens its own slot by kid, jose agrees', async () => {
  const all = await Promise.all(kinds.map(pair));
  const sealed = await seal(
    'to all',
    all.map((keys) => keys.publicJwk),
  );
  assert.equal(typeof sealed, 'object');
  const jwe = sealed as GeneralJwe;
  assert.equal(jwe.recipients.length, 3);
  for (const [index, keys] of all.entries()) {
    assert.equal(jwe.recipients[index]?.header?.kid, keys.kid);
    const result = await open(jwe, keys.privateJwk);
    assert.equal(text(result.plaintext), 'to all');
    assert.equal(result.recipientKid, keys.kid);
    const alg = kinds[index] === 'RSA-OAEP-256' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW';
    const theirs = await jose.generalDecrypt(jwe as jose.GeneralJWE, await joseKey(keys.privateJwk, alg));
    assert.equal(text(theirs.plaintext), 'to all');
  }
  // also accepted as JSON text and as bytes of JSON text
  const asText = JSON.stringify(jwe);
  assert.equal(text((await open(asText, all[0]!.privateJwk)).plaintext), 'to all');
  assert.equal(text((await open(bytes(asText), all[1]!.privateJwk)).plaintext), 'to all');
});

test('same-algorithm recipients share "alg" in the protected header (Authlib needs it)', async () => {
  const a = await generateKeyPair('X25519');
  const b = await generateKeyPair('X25519');
  const jwe = await seal('x', [a.publicJwk, b.publicJwk]);
  const protectedHeader = JSON.parse(Buffer.from((jwe as GeneralJwe).protected!, 'base64url').toString());
  assert.equal(protectedHeader.alg, 'ECDH-ES+A256KW');
  assert.equal((jwe as GeneralJwe).recipients[0]?.header?.alg, undefined);
});

test('one recipient in General JSON on request, with AAD bound', async () => {
  const keys = await pair('X25519');
  const aad = bytes('routing: tenant-7');
  const jwe = await seal('json please', keys.publicJwk, { serialization: 'json', aad });
  assert.equal(jwe.aad, Buffer.from(aad).toString('base64url'));
  assert.equal(text((await open(jwe, keys.privateJwk)).plaintext), 'json please');
  const moved = { ...jwe, aad: Buffer.from('routing: tenant-8').toString('base64url') };
  await assert.rejects(open(moved, keys.privateJwk), { code: 'ERR_DECRYPTION_FAILED' });
});

test('anonymous: no kid anywhere, each recipient finds its slot by trial', async () => {
  const all = await Promise.all([
    generateKeyPair('X25519'),
    generateKeyPair('X25519'),
    generateKeyPair('P-256'),
  ]);
  const jwe = (await seal(
    'anon',
    all.map((keys) => keys.publicJwk),
    { anonymous: true },
  )) as GeneralJwe;
  assert.ok(!JSON.stringify(jwe).includes('"kid"'));
  for (const keys of all) {
    const result = await open(jwe, keys.privateJwk);
    assert.equal(text(result.plaintext), 'anon');
    assert.equal(result.recipientKid, undefined);
  }
  const compact = await seal('anon compact', all[0]!.publicJwk, { anonymous: true });
  assert.equal(jose.decodeProtectedHeader(compact).kid, undefined);
  assert.equal(text((await open(compact, all[0]!.privateJwk)).plaintext), 'anon compact');
});

test('binary payloads: NUL bytes, invalid UTF-8, empty, 1 MiB + 1 all survive byte for byte', async () => {
  const keys = await pair('X25519');
  const cases = [
    new Uint8Array(0),
    Uint8Array.from([0, 0xff, 0xfe, 0, 0xc3, 0x28, 0x80]),
    new Uint8Array(1024 * 1024 + 1).map((_, i) => i * 7),
  ];
  for (const payload of cases) {
    const result = await open(await seal(payload, keys.publicJwk), keys.privateJwk);
    assert.equal(Buffer.compare(Buffer.from(result.plaintext), Buffer.from(payload)), 0);
  }
});

test('protected header extras, content type and typ are carried and integrity protected', async () => {
  const keys = await pair('X25519');
  const sealed = await seal('{"a":1}', keys.publicJwk, {
    contentType: 'application/json',
    type: 'sealwire+jwe',
    protectedHeader: { rid: 'req-1', n: 3 },
  });
  const result = await open(sealed, keys.privateJwk);
  assert.equal(result.protectedHeader.cty, 'application/json');
  assert.equal(result.protectedHeader.typ, 'sealwire+jwe');
  assert.equal(result.protectedHeader.rid, 'req-1');
  await assert.rejects(seal('x', keys.publicJwk, { protectedHeader: { alg: 'none' } }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  await assert.rejects(seal('x', keys.publicJwk, { protectedHeader: { zip: 'DEF' } }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
});

test('seal refuses what cannot work, with typed errors', async () => {
  const keys = await pair('X25519');
  const signer = await generateKeyPair('Ed25519');
  await assert.rejects(seal('x', []), { code: 'ERR_INVALID_ARGUMENT' });
  await assert.rejects(seal('x', [keys.publicJwk, keys.publicJwk], { serialization: 'compact' }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  await assert.rejects(seal('x', [keys.publicJwk, keys.publicJwk], { keyManagement: 'ECDH-ES' }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  await assert.rejects(seal('x', keys.publicJwk, { aad: bytes('a') }), { code: 'ERR_INVALID_ARGUMENT' });
  await assert.rejects(seal('x', signer.publicJwk), { code: 'ERR_KEY_MISMATCH' });
  await assert.rejects(seal('x', [keys.publicJwk, keys.publicJwk, keys.publicJwk], { maxRecipients: 2 }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  await assert.rejects(seal('x', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } as PublicJwk), {
    code: 'ERR_KEY_INVALID',
  });
  await assert.rejects(seal('x', keys.publicJwk, { sign: keys.privateJwk }), { code: 'ERR_KEY_MISMATCH' });
});

test('a private JWK given as recipient: only its public half reaches the header', async () => {
  const keys = await pair('X25519');
  const sealed = await seal('x', keys.privateJwk as unknown as PublicJwk);
  assert.ok(!Buffer.from(sealed.split('.')[0]!, 'base64url').toString().includes(keys.privateJwk.d));
  assert.equal(text((await open(sealed, keys.privateJwk)).plaintext), 'x');
});

test('EphemeralKeyPair: opens what was sealed to it; rotation with a grace period; never serialises its private key', async () => {
  const client = await EphemeralKeyPair.create({ graceMs: 60_000 });
  assert.ok(!JSON.stringify(client).includes('"d"'));
  const first = await seal('before rotation', client.publicJwk);
  const firstKid = client.kid;
  await client.rotate();
  assert.notEqual(client.kid, firstKid);
  assert.equal(client.generation, 2);
  assert.equal(text((await open(first, client)).plaintext), 'before rotation');
  const strict = await EphemeralKeyPair.create();
  const old = await seal('gone', strict.publicJwk);
  await strict.rotate();
  await assert.rejects(open(old, strict), { code: 'ERR_NO_MATCHING_RECIPIENT' });
  const { inspect } = await import('node:util');
  assert.ok(!inspect(strict).includes('"d"') && !inspect(strict).includes(' d:'));
  assert.equal(await strict.rotateIfOlderThan(60_000), false);
  assert.equal(await strict.rotateIfOlderThan(0), true);
});
