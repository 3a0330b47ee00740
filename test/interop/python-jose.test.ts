/**
 * Interop with the Python JOSE libraries Debian ships (python3-authlib 1.2, python3-jwcrypto 1.1), both
 * directions: RSA-OAEP-256 with RSA-4096, ECDH-ES+A256KW with X25519 and P-256, ECDH-ES direct, and a
 * General JSON JWE with three recipients; payloads with NUL and non-UTF-8 bytes. Runs /usr/bin/python3.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair } from 'sealwire/keys';
import { type GeneralJwe, open, seal } from 'sealwire/seal';

const PEER = fileURLToPath(new URL('./python/jose_peer.py', import.meta.url));
type Job = Record<string, unknown>;
type Outcome = { ok: unknown } | { error: string };

function runPeer(jobs: Job[]): Outcome[] {
  const output = execFileSync('/usr/bin/python3', [PEER], {
    input: JSON.stringify(jobs),
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return JSON.parse(output.toString()) as Outcome[];
}

function ok(outcome: Outcome | undefined, label: string): unknown {
  assert.ok(
    outcome !== undefined && 'ok' in outcome,
    `${label}: ${outcome && 'error' in outcome ? outcome.error : 'no result'}`,
  );
  return outcome.ok;
}

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64url');
const PAYLOAD = Uint8Array.from([
  0x00,
  0x61,
  0x00,
  0xff,
  0xfe,
  0xc3,
  0x28,
  0x80,
  0x00,
  ...new TextEncoder().encode(' binary: NUL + invalid UTF-8'),
]);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const keys: Record<string, KeyPair> = {
  rsa: await generateKeyPair('RSA-OAEP-256', { bits: 4096 }),
  x25519: await generateKeyPair('X25519'),
  p256: await generateKeyPair('P-256'),
};
const compactCases: [string, KeyPair, string][] = [
  ['RSA-OAEP-256 RSA-4096', keys.rsa!, 'RSA-OAEP-256'],
  ['ECDH-ES+A256KW X25519', keys.x25519!, 'ECDH-ES+A256KW'],
  ['ECDH-ES+A256KW P-256', keys.p256!, 'ECDH-ES+A256KW'],
  ['ECDH-ES X25519', keys.x25519!, 'ECDH-ES'],
  ['ECDH-ES P-256', keys.p256!, 'ECDH-ES'],
];

for (const lib of ['authlib', 'jwcrypto']) {
  test(`Sealwire -> ${lib}: compact JWEs decrypt to the exact bytes`, async () => {
    const jobs: Job[] = [];
    for (const [, pair, alg] of compactCases) {
      const jwe = await seal(PAYLOAD, pair.publicJwk, alg === 'ECDH-ES' ? { keyManagement: 'ECDH-ES' } : {});
      jobs.push({ op: 'decrypt', lib, jwe, key: pair.privateJwk });
    }
    const results = runPeer(jobs);
    compactCases.forEach(([label], index) => {
      assert.ok(same(Buffer.from(ok(results[index], label) as string, 'base64url'), PAYLOAD), label);
    });
  });

  test(`${lib} -> Sealwire: compact JWEs open to the exact bytes`, async () => {
    const results = runPeer(
      compactCases.map(([, pair, alg]) => ({
        op: 'encrypt',
        lib,
        alg,
        serialization: 'compact',
        recipients: [pair.publicJwk],
        payload: b64(PAYLOAD),
      })),
    );
    for (const [index, [label, pair]] of compactCases.entries()) {
      const jwe = ok(results[index], label) as string;
      const result = await open(jwe, pair.privateJwk);
      assert.ok(same(result.plaintext, PAYLOAD), label);
    }
  });
}

test('General JSON, three recipients: Sealwire -> Authlib (same alg, shared protected "alg") and -> jwcrypto (mixed algs)', async () => {
  const x2 = await generateKeyPair('X25519');
  const sameAlg = [keys.x25519!, keys.p256!, x2];
  const mixed = [keys.rsa!, keys.x25519!, keys.p256!];
  const forAuthlib = (await seal(
    PAYLOAD,
    sameAlg.map((k) => k.publicJwk),
  )) as GeneralJwe;
  const forJwcrypto = (await seal(
    PAYLOAD,
    mixed.map((k) => k.publicJwk),
  )) as GeneralJwe;
  const jobs: Job[] = [
    ...sameAlg.map((k) => ({ op: 'decrypt', lib: 'authlib', jwe: forAuthlib, key: k.privateJwk })),
    ...mixed.map((k) => ({ op: 'decrypt', lib: 'jwcrypto', jwe: forJwcrypto, key: k.privateJwk })),
    ...sameAlg.map((k) => ({ op: 'decrypt', lib: 'jwcrypto', jwe: forAuthlib, key: k.privateJwk })),
  ];
  runPeer(jobs).forEach((outcome, index) => {
    assert.ok(same(Buffer.from(ok(outcome, `job ${index}`) as string, 'base64url'), PAYLOAD), `job ${index}`);
  });
});

test('General JSON, three recipients: Authlib and jwcrypto -> Sealwire, every recipient opens', async () => {
  // Authlib derives every ECDH recipient from one shared ephemeral key, so its recipients must share a curve.
  const sameCurve = [keys.x25519!, await generateKeyPair('X25519'), await generateKeyPair('X25519')];
  const mixed = [keys.rsa!, keys.x25519!, keys.p256!];
  const [fromAuthlib, fromJwcrypto] = runPeer([
    {
      op: 'encrypt',
      lib: 'authlib',
      alg: 'ECDH-ES+A256KW',
      serialization: 'json',
      recipients: sameCurve.map((k) => k.publicJwk),
      payload: b64(PAYLOAD),
    },
    {
      op: 'encrypt',
      lib: 'jwcrypto',
      alg: 'ECDH-ES+A256KW',
      serialization: 'json',
      recipients: mixed.map((k) => k.publicJwk),
      payload: b64(PAYLOAD),
    },
  ]);
  const authlibJwe = ok(fromAuthlib, 'authlib json') as GeneralJwe;
  const jwcryptoJwe = ok(fromJwcrypto, 'jwcrypto json') as GeneralJwe;
  assert.equal(authlibJwe.recipients.length, 3);
  assert.equal(jwcryptoJwe.recipients.length, 3);
  for (const k of sameCurve)
    assert.ok(same((await open(authlibJwe, k.privateJwk)).plaintext, PAYLOAD), `authlib -> ${k.kid}`);
  for (const k of mixed)
    assert.ok(same((await open(jwcryptoJwe, k.privateJwk)).plaintext, PAYLOAD), `jwcrypto -> ${k.kind}`);
});

test('jwcrypto computes the same RFC 7638 thumbprints as Sealwire key ids', () => {
  const pairs = Object.values(keys);
  const results = runPeer(pairs.map((pair) => ({ op: 'thumbprint', key: pair.publicJwk })));
  for (const [index, pair] of pairs.entries()) assert.equal(ok(results[index], pair.kind), pair.kid);
});
