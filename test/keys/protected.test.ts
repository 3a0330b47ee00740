/** Password-protected private key files: Argon2id or scrypt + AES-256-GCM, parameters capped on read. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SCRYPT,
  generateKeyPair,
  isProtectedKeyFile,
  protectedKeyPublicJwk,
  protectPrivateKey,
  unprotectPrivateKey,
} from 'sealwire/keys';

const pair = await generateKeyPair('Ed25519');
const file = await protectPrivateKey(pair.privateJwk, 'correct horse battery staple');

test('round trip with Argon2id (default, RFC 9106 parameters stored in the file)', async () => {
  const parsed = JSON.parse(file);
  assert.equal(parsed.sealwire, 'protected-key');
  assert.deepEqual(
    {
      name: parsed.header.kdf.name,
      m: parsed.header.kdf.memoryKiB,
      t: parsed.header.kdf.iterations,
      p: parsed.header.kdf.parallelism,
    },
    { name: 'argon2id', m: 65536, t: 3, p: 4 },
  );
  assert.ok(!file.includes(pair.privateJwk.d), 'the private scalar is not in the file');
  assert.ok(isProtectedKeyFile(file));
  assert.equal(
    (protectedKeyPublicJwk(file) as { x: string }).x,
    (pair.publicJwk as { x: string }).x,
    'public key readable without the password',
  );
  const back = await unprotectPrivateKey(file, 'correct horse battery staple');
  assert.equal(back.d, pair.privateJwk.d);
  assert.equal(back.kid, pair.kid);
});

test('round trip with scrypt; Unicode passwords are NFC-normalised', async () => {
  const scrypted = await protectPrivateKey(pair.privateJwk, 'p\u00e4ss', {
    kdf: { ...DEFAULT_SCRYPT, N: 2 ** 15 },
  });
  const back = await unprotectPrivateKey(scrypted, 'pa\u0308ss');
  assert.equal(back.d, pair.privateJwk.d);
});

test('wrong password and any modification of the header are ERR_WRONG_PASSWORD', async () => {
  await assert.rejects(unprotectPrivateKey(file, 'wrong'), {
    code: 'ERR_WRONG_PASSWORD',
    message: 'wrong password, or the key file was modified',
  });
  const weakened = JSON.parse(file);
  weakened.header.kdf.iterations = 2;
  await assert.rejects(unprotectPrivateKey(JSON.stringify(weakened), 'correct horse battery staple'), {
    code: 'ERR_WRONG_PASSWORD',
  });
  const swapped = JSON.parse(file);
  swapped.header.public.x = (await generateKeyPair('Ed25519')).publicJwk.kid;
  await assert.rejects(unprotectPrivateKey(JSON.stringify(swapped), 'correct horse battery staple'), {
    code: 'ERR_WRONG_PASSWORD',
  });
});

test('hostile KDF parameters are refused before any work is done', async () => {
  for (const [change, code] of [
    [{ memoryKiB: 64 * 1024 * 1024 }, 'ERR_LIMIT_EXCEEDED'],
    [{ iterations: 1_000_000 }, 'ERR_LIMIT_EXCEEDED'],
    [{ parallelism: 255 }, 'ERR_LIMIT_EXCEEDED'],
    [{ iterations: -1 }, 'ERR_MALFORMED'],
    [{ iterations: 1.5 }, 'ERR_MALFORMED'],
    [{ name: 'pbkdf2' }, 'ERR_MALFORMED'],
  ] as const) {
    const hostile = JSON.parse(file);
    Object.assign(hostile.header.kdf, change);
    const started = performance.now();
    await assert.rejects(unprotectPrivateKey(JSON.stringify(hostile), 'x'), { code }, JSON.stringify(change));
    assert.ok(performance.now() - started < 100);
  }
  const scrypt = JSON.parse(
    await protectPrivateKey(pair.privateJwk, 'x', { kdf: { ...DEFAULT_SCRYPT, N: 2 ** 15 } }),
  );
  scrypt.header.kdf.N = 2 ** 30;
  await assert.rejects(unprotectPrivateKey(JSON.stringify(scrypt), 'x'), { code: 'ERR_LIMIT_EXCEEDED' });
  scrypt.header.kdf.N = 1000;
  await assert.rejects(unprotectPrivateKey(JSON.stringify(scrypt), 'x'), { code: 'ERR_MALFORMED' });
});

test('malformed files and weak parameters on write', async () => {
  for (const text of [
    '',
    '{}',
    '{"sealwire":"protected-key"}',
    '{"sealwire":"protected-key","header":{"version":2}}',
    'not json',
  ]) {
    await assert.rejects(unprotectPrivateKey(text, 'x'), { code: 'ERR_MALFORMED' }, text);
  }
  await assert.rejects(unprotectPrivateKey(file, ''), { code: 'ERR_INVALID_ARGUMENT' });
  await assert.rejects(
    protectPrivateKey(pair.privateJwk, 'x', {
      kdf: { name: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 },
    }),
    {
      code: 'ERR_INVALID_ARGUMENT',
    },
  );
  await assert.rejects(protectPrivateKey(pair.publicJwk as never, 'x'), { code: 'ERR_KEY_INVALID' });
});

test('password boxes: round trip, wrong password, wrong purpose, modified header', async () => {
  const { openPasswordBox, sealPasswordBox } = await import('sealwire/keys');
  const secret = new TextEncoder().encode('{"tokenKey":"..."}');
  const box = await sealPasswordBox(secret, 'admin pw', 'service-secrets');
  assert.deepEqual(new Uint8Array(await openPasswordBox(box, 'admin pw', 'service-secrets')), secret);
  await assert.rejects(openPasswordBox(box, 'nope', 'service-secrets'), { code: 'ERR_WRONG_PASSWORD' });
  await assert.rejects(openPasswordBox(box, 'admin pw', 'other'), { code: 'ERR_MALFORMED' });
  const changed = JSON.parse(box);
  changed.header.kdf.parallelism = 1;
  await assert.rejects(openPasswordBox(JSON.stringify(changed), 'admin pw', 'service-secrets'), {
    code: 'ERR_WRONG_PASSWORD',
  });
});
