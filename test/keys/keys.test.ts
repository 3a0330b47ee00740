/** Key generation, JWK/PEM import and export (checked against OpenSSL), thumbprints and fingerprints. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  exportPem,
  fingerprint,
  generateKeyPair,
  importJwk,
  importKey,
  isPrivateJwk,
  keyKindOf,
  publicJwkOf,
  thumbprint,
} from 'sealwire/keys';

const dir = mkdtempSync(join(tmpdir(), 'sealwire-keys-'));
const openssl = (args: string[], input?: string | Buffer) =>
  execFileSync('openssl', args, { input: input ?? '' });

test('generateKeyPair: every kind, with kid = RFC 7638 thumbprint and use/alg set', async () => {
  const expected = {
    X25519: { kty: 'OKP', use: 'enc', alg: undefined },
    'P-256': { kty: 'EC', use: 'enc', alg: undefined },
    'RSA-OAEP-256': { kty: 'RSA', use: 'enc', alg: 'RSA-OAEP-256' },
    Ed25519: { kty: 'OKP', use: 'sig', alg: 'EdDSA' },
    ES256: { kty: 'EC', use: 'sig', alg: 'ES256' },
  } as const;
  for (const [kind, shape] of Object.entries(expected)) {
    const pair = await generateKeyPair(kind as keyof typeof expected, { bits: 2048 });
    assert.equal(pair.publicJwk.kty, shape.kty);
    assert.equal(pair.publicJwk.use, shape.use);
    assert.equal(pair.publicJwk.alg, shape.alg);
    assert.equal(pair.kid, await thumbprint(pair.publicJwk));
    assert.equal(pair.kid, await thumbprint(pair.privateJwk), 'both halves share the thumbprint');
    assert.equal(pair.publicJwk.kid, pair.kid);
    assert.ok(isPrivateJwk(pair.privateJwk) && !isPrivateJwk(pair.publicJwk));
    assert.equal(keyKindOf(pair.publicJwk), kind);
  }
  for (const bits of [2048, 3072] as const) {
    const rsa = await generateKeyPair('RSA-OAEP-256', { bits });
    assert.equal(Buffer.from((rsa.publicJwk as { n: string }).n, 'base64url').length * 8, bits);
  }
  await assert.rejects(generateKeyPair('RSA-OAEP-256', { bits: 1024 as never }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  await assert.rejects(generateKeyPair('DSA' as never), { code: 'ERR_INVALID_ARGUMENT' });
});

test('PEM: keys made by OpenSSL import, export back identically, and fingerprints match openssl dgst', async () => {
  const recipes: [string, string[]][] = [
    ['X25519', ['-algorithm', 'X25519']],
    ['Ed25519', ['-algorithm', 'ED25519']],
    ['P-256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
  ];
  for (const [label, args] of recipes) {
    const pem = openssl(['genpkey', ...args]).toString();
    const privateJwk = await importKey(pem);
    assert.ok(isPrivateJwk(privateJwk), label);
    const spki = openssl(['pkey', '-pubout'], pem).toString();
    assert.equal(await exportPem(publicJwkOf(privateJwk)), spki, `${label} SPKI`);
    assert.equal(await exportPem(privateJwk), openssl(['pkey'], pem).toString(), `${label} PKCS#8`);
    const publicJwk = await importKey(spki);
    assert.equal(await thumbprint(publicJwk), await thumbprint(privateJwk));
    const der = openssl(['pkey', '-pubin', '-outform', 'DER'], spki);
    const digest = openssl(['dgst', '-sha256', '-c'], der).toString().trim().split('= ')[1]!.toUpperCase();
    assert.equal(await fingerprint(publicJwk), digest, `${label} fingerprint`);
  }
});

test('importKey refuses what is not a usable key, with ERR_KEY_INVALID', async () => {
  const good = await generateKeyPair('P-256');
  const other = await generateKeyPair('P-256');
  const path = join(dir, 'enc.pem');
  writeFileSync(path, 'pw');
  const encryptedPem = openssl([
    'genpkey',
    '-algorithm',
    'X25519',
    '-aes-256-cbc',
    '-pass',
    `file:${path}`,
  ]).toString();
  const cases: [string, string][] = [
    ['garbage', 'hello'],
    ['not JSON', '{nope'],
    ['JSON array', '[1]'],
    ['symmetric', JSON.stringify({ kty: 'oct', k: 'AAAA' })],
    ['unknown curve', JSON.stringify({ kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' })],
    ['missing y', JSON.stringify({ kty: 'EC', crv: 'P-256', x: (good.publicJwk as { x: string }).x })],
    ['off-curve point', JSON.stringify({ ...good.publicJwk, y: (good.publicJwk as { x: string }).x })],
    ['number member', JSON.stringify({ ...good.publicJwk, x: 5 })],
    ['bad use', JSON.stringify({ ...good.publicJwk, use: 'both' })],
    [
      'private does not match public',
      JSON.stringify({
        ...good.privateJwk,
        x: (other.publicJwk as { x: string }).x,
        y: (other.publicJwk as { y: string }).y,
      }),
    ],
    ['encrypted PKCS#8', encryptedPem],
    ['truncated PEM', '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n'],
  ];
  for (const [label, input] of cases)
    await assert.rejects(importKey(input), { code: 'ERR_KEY_INVALID' }, label);
  await assert.rejects(importJwk('x'), { code: 'ERR_KEY_INVALID' });
  const imported = await importJwk({ ...good.publicJwk, extra: 'dropped' });
  assert.equal((imported as unknown as Record<string, unknown>).extra, undefined);
});
