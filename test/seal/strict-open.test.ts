/**
 * `open` is strict by default: every refusal below happens with a typed error and a stable code, before
 * any plaintext exists, and most before any private-key operation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as jose from 'jose';
import { SealwireError } from 'sealwire/errors';
import { generateKeyPair, type PrivateJwk } from 'sealwire/keys';
import { type GeneralJwe, open, seal } from 'sealwire/seal';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const unb64 = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString());
const CANARY = 'CANARY-7f3a-do-not-leak';

/** Rewrites the protected header of a compact JWE (the tag no longer matches, which must not matter). */
function withHeader(compact: string, change: (header: Record<string, unknown>) => void): string {
  const [protectedB64, ...rest] = compact.split('.');
  const header = unb64(protectedB64!);
  change(header);
  return [b64(header), ...rest].join('.');
}

async function expectCode(work: Promise<unknown>, code: string, label?: string): Promise<void> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof SealwireError, `${label ?? code}: untyped ${(error as Error)?.stack}`);
    assert.equal(error.code, code, `${label ?? code}: ${error.message}`);
    assert.ok(!error.message.includes(CANARY), 'an error message must never carry plaintext');
    assert.ok(!error.message.includes('\n'), 'one-line messages');
    return;
  }
  assert.fail(`${label ?? code}: expected a rejection`);
}

const x25519 = await generateKeyPair('X25519');
const base = await seal(CANARY, x25519.publicJwk);

test('refused on principle: alg none, RSA1_5, zip, unknown crit', async () => {
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.alg = 'none';
      }),
      x25519.privateJwk,
    ),
    'ERR_REFUSED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.alg = 'RSA1_5';
      }),
      x25519.privateJwk,
      { keyManagementAlgorithms: ['RSA-OAEP-256'] },
    ),
    'ERR_REFUSED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.zip = 'DEF';
      }),
      x25519.privateJwk,
    ),
    'ERR_REFUSED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.crit = ['exp'];
        h.exp = 1;
      }),
      x25519.privateJwk,
    ),
    'ERR_REFUSED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.crit = [];
      }),
      x25519.privateJwk,
    ),
    'ERR_MALFORMED',
  );
});

test('allow-lists: algorithms outside them are refused; widening is explicit and bounded', async () => {
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.alg = 'A256KW';
      }),
      x25519.privateJwk,
    ),
    'ERR_ALG_NOT_ALLOWED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.enc = 'A128GCM';
      }),
      x25519.privateJwk,
    ),
    'ERR_ALG_NOT_ALLOWED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.enc = 'A128CBC-HS256';
      }),
      x25519.privateJwk,
    ),
    'ERR_ALG_NOT_ALLOWED',
  );
  await expectCode(
    open(base, x25519.privateJwk, { keyManagementAlgorithms: ['RSA1_5' as never] }),
    'ERR_INVALID_ARGUMENT',
  );
  await expectCode(
    open(base, x25519.privateJwk, { keyManagementAlgorithms: ['ECDH-ES+A128KW'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
  await expectCode(open(base, x25519.privateJwk, { maxPBES2Count: 10_000_000 }), 'ERR_INVALID_ARGUMENT');
});

test('PBES2: refused unless asked for; then the iteration count is capped before any derivation', async () => {
  const password = new TextEncoder().encode('correct horse battery staple');
  const make = (p2c: number) =>
    new jose.CompactEncrypt(new TextEncoder().encode('pbes2'))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM' })
      .setKeyManagementParameters({ p2c })
      .encrypt(password);
  const small = await make(2048);
  await expectCode(open(small, { password: 'correct horse battery staple' }), 'ERR_ALG_NOT_ALLOWED');
  const allowed = { keyManagementAlgorithms: ['PBES2-HS256+A128KW'] as const };
  const result = await open(small, { password: 'correct horse battery staple' }, allowed);
  assert.equal(new TextDecoder().decode(result.plaintext), 'pbes2');
  await expectCode(open(small, { password: 'wrong' }, allowed), 'ERR_DECRYPTION_FAILED');
  // A hostile p2c (a billion iterations) costs nothing: refused from the header.
  const hostile = withHeader(small, (h) => {
    h.p2c = 1_000_000_000;
  });
  const started = performance.now();
  await expectCode(open(hostile, { password: 'x' }, allowed), 'ERR_LIMIT_EXCEEDED');
  assert.ok(performance.now() - started < 200);
  await expectCode(
    open(
      withHeader(small, (h) => {
        h.p2c = 20_000;
      }),
      { password: 'x' },
      { ...allowed, maxPBES2Count: 10_000 },
    ),
    'ERR_LIMIT_EXCEEDED',
  );
});

test('caps: header size, recipients, anonymous trials, plaintext size', async () => {
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.junk = 'x'.repeat(20_000);
      }),
      x25519.privateJwk,
    ),
    'ERR_LIMIT_EXCEEDED',
  );
  const others = await Promise.all(Array.from({ length: 3 }, () => generateKeyPair('X25519')));
  const general = (await seal(CANARY, [x25519.publicJwk, ...others.map((k) => k.publicJwk)], {
    anonymous: true,
  })) as GeneralJwe;
  const many: GeneralJwe = {
    ...general,
    recipients: Array.from({ length: 200 }, () => general.recipients[1]!),
  };
  await expectCode(open(many, x25519.privateJwk), 'ERR_LIMIT_EXCEEDED', 'recipients over 128');
  // 40 decoy slots before ours: over the default of 32 trials, unless the caller raises it.
  const decoys: GeneralJwe = {
    ...general,
    recipients: [...Array.from({ length: 40 }, () => general.recipients[1]!), general.recipients[0]!],
  };
  await expectCode(open(decoys, x25519.privateJwk), 'ERR_LIMIT_EXCEEDED', 'anonymous trials');
  const raised = await open(decoys, x25519.privateJwk, { maxAnonymousTrials: 41 });
  assert.equal(new TextDecoder().decode(raised.plaintext), CANARY);
  const big = await seal(new Uint8Array(4096), x25519.publicJwk);
  await expectCode(open(big, x25519.privateJwk, { maxPlaintextBytes: 1024 }), 'ERR_LIMIT_EXCEEDED');
});

test('serialization can be pinned', async () => {
  await expectCode(open(base, x25519.privateJwk, { serialization: 'json' }), 'ERR_REFUSED');
  const json = await seal('x', x25519.publicJwk, { serialization: 'json' });
  await expectCode(open(json, x25519.privateJwk, { serialization: 'compact' }), 'ERR_REFUSED');
});

test('malformed input of every shape is ERR_MALFORMED', async () => {
  const parts = base.split('.');
  const cases: [string, unknown][] = [
    ['empty', ''],
    ['garbage', 'not a jwe'],
    ['four parts', parts.slice(0, 4).join('.')],
    ['six parts', [...parts, 'x'].join('.')],
    ['protected not base64url', ['e30+', ...parts.slice(1)].join('.')],
    ['protected not JSON', [b64('nope'), ...parts.slice(1)].join('.')],
    ['protected is an array', [b64([1, 2]), ...parts.slice(1)].join('.')],
    ['empty protected', ['', ...parts.slice(1)].join('.')],
    ['iv padded', [...parts.slice(0, 2), `${parts[2]}=`, ...parts.slice(3)].join('.')],
    [
      'ciphertext with space',
      [...parts.slice(0, 3), `${parts[3]!.slice(0, 4)} ${parts[3]!.slice(4)}`, parts[4]].join('.'),
    ],
    ['tag standard alphabet', [...parts.slice(0, 4), `${parts[4]!.slice(0, -1)}+`].join('.')],
    ['JSON not an object', '[1,2,3]'],
    ['JSON without ciphertext', JSON.stringify({ protected: parts[0], iv: parts[2], tag: parts[4] })],
    [
      'JSON recipients empty',
      JSON.stringify({
        protected: parts[0],
        recipients: [],
        iv: parts[2],
        ciphertext: parts[3],
        tag: parts[4],
      }),
    ],
    [
      'JSON recipient not object',
      JSON.stringify({
        protected: parts[0],
        recipients: [5],
        iv: parts[2],
        ciphertext: parts[3],
        tag: parts[4],
      }),
    ],
    ['number', 42],
  ];
  for (const [label, input] of cases)
    await expectCode(open(input as string, x25519.privateJwk), 'ERR_MALFORMED', label);
  const noAlg = withHeader(base, (h) => {
    delete h.alg;
  });
  await expectCode(open(noAlg, x25519.privateJwk), 'ERR_MALFORMED', 'no alg');
  const json = (await seal(CANARY, [
    x25519.publicJwk,
    (await generateKeyPair('X25519')).publicJwk,
  ])) as GeneralJwe;
  const duplicated = { ...json, unprotected: { enc: 'A256GCM' } };
  await expectCode(open(duplicated, x25519.privateJwk), 'ERR_MALFORMED', 'enc in two header layers');
  const critUnprotected = { ...json, unprotected: { crit: ['x'] } };
  await expectCode(
    open(critUnprotected, x25519.privateJwk),
    'ERR_MALFORMED',
    'crit outside the protected header',
  );
});

test('hostile epk: private member, other curve, off-curve point, low-order X25519 point', async () => {
  const p256 = await generateKeyPair('P-256');
  const p256Sealed = await seal(CANARY, p256.publicJwk);
  await expectCode(
    open(
      withHeader(base, (h) => {
        (h.epk as Record<string, unknown>).d = 'AAAA';
      }),
      x25519.privateJwk,
    ),
    'ERR_MALFORMED',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        h.epk = 'x';
      }),
      x25519.privateJwk,
    ),
    'ERR_MALFORMED',
  );
  await expectCode(
    open(
      withHeader(p256Sealed, (h) => {
        h.epk = { kty: 'OKP', crv: 'X25519', x: b64(new Uint8Array(32)) };
      }),
      p256.privateJwk,
    ),
    'ERR_KEY_MISMATCH',
  );
  await expectCode(
    open(
      withHeader(p256Sealed, (h) => {
        (h.epk as Record<string, unknown>).y = (h.epk as Record<string, string>).x;
      }),
      p256.privateJwk,
    ),
    'ERR_JWE_INVALID_EPK',
    'off-curve P-256 point',
  );
  await expectCode(
    open(
      withHeader(base, (h) => {
        (h.epk as Record<string, unknown>).x = b64(new Uint8Array(32));
      }),
      x25519.privateJwk,
    ),
    'ERR_JWE_INVALID_EPK',
    'X25519 point 0 (low order)',
  );
});

test('wrong keys: another key, a public key, a signing key, a key bound to another alg', async () => {
  const other = await generateKeyPair('X25519');
  await expectCode(open(base, other.privateJwk), 'ERR_NO_MATCHING_RECIPIENT');
  const anon = await seal(CANARY, x25519.publicJwk, { anonymous: true });
  await expectCode(open(anon, other.privateJwk), 'ERR_DECRYPTION_FAILED');
  await expectCode(open(base, x25519.publicJwk as unknown as PrivateJwk), 'ERR_KEY_INVALID');
  const rsa = await generateKeyPair('RSA-OAEP-256', { bits: 2048 });
  const rsaSealed = await seal(CANARY, rsa.publicJwk);
  await expectCode(open(rsaSealed, x25519.privateJwk), 'ERR_NO_MATCHING_RECIPIENT');
  const signing = { ...x25519.privateJwk, use: 'sig' as const };
  await expectCode(open(base, signing), 'ERR_KEY_MISMATCH');
  const rsaOaep1 = withHeader(rsaSealed, (h) => {
    h.alg = 'RSA-OAEP';
  });
  await expectCode(
    open(rsaOaep1, rsa.privateJwk, { keyManagementAlgorithms: ['RSA-OAEP', 'RSA-OAEP-256'] }),
    'ERR_KEY_MISMATCH',
  );
});

test('tampering: every bit flip and every truncation of a compact JWE fails with a typed error', async () => {
  const rsa = await generateKeyPair('RSA-OAEP-256', { bits: 2048 });
  for (const [label, jwe, key] of [
    ['x25519', base, x25519.privateJwk],
    ['rsa', await seal(CANARY, rsa.publicJwk), rsa.privateJwk],
  ] as const) {
    const allowed = new Set([
      'ERR_DECRYPTION_FAILED',
      'ERR_MALFORMED',
      'ERR_KEY_INVALID',
      'ERR_JWE_INVALID_EPK',
      'ERR_KEY_MISMATCH',
      'ERR_NO_MATCHING_RECIPIENT',
      'ERR_ALG_NOT_ALLOWED',
      'ERR_REFUSED',
    ]);
    const bytes = Buffer.from(jwe);
    let tried = 0;
    // Flip one bit in a spread of positions across all five parts (every 7th byte, plus both ends).
    for (let i = 0; i < bytes.length; i += i < 8 || i > bytes.length - 8 ? 1 : 7) {
      if (bytes[i] === 0x2e) continue;
      const copy = Buffer.from(bytes);
      copy[i]! ^= 0x01;
      try {
        await open(copy.toString('latin1'), key);
        assert.fail(`${label}: flip at ${i} was accepted`);
      } catch (error) {
        assert.ok(
          error instanceof SealwireError && allowed.has(error.code),
          `${label} flip at ${i}: ${(error as Error).message}`,
        );
      }
      tried++;
    }
    for (const cut of [1, 10, 50, bytes.length - 30, bytes.length - 1]) {
      await assert.rejects(open(jwe.slice(0, cut), key), (error: unknown) => error instanceof SealwireError);
      tried++;
    }
    assert.ok(tried > 50, label);
  }
});

test('tampering in General JSON: each member of each recipient', async () => {
  const other = await generateKeyPair('P-256');
  const jwe = (await seal(CANARY, [x25519.publicJwk, other.publicJwk])) as GeneralJwe;
  const flip = (text: string) => `${text.slice(0, 5)}${text[5] === 'A' ? 'B' : 'A'}${text.slice(6)}`;
  const mutants: [string, GeneralJwe][] = [
    ['iv', { ...jwe, iv: flip(jwe.iv) }],
    ['ciphertext', { ...jwe, ciphertext: flip(jwe.ciphertext) }],
    ['tag', { ...jwe, tag: flip(jwe.tag) }],
    ['protected', { ...jwe, protected: b64({ ...unb64(jwe.protected!), cty: 'x' }) }],
    [
      'encrypted_key',
      {
        ...jwe,
        recipients: [
          { ...jwe.recipients[0]!, encrypted_key: flip(jwe.recipients[0]!.encrypted_key!) },
          jwe.recipients[1]!,
        ],
      },
    ],
    ['aad added', { ...jwe, aad: b64('extra') }],
  ];
  for (const [label, mutant] of mutants)
    await expectCode(open(mutant, x25519.privateJwk), 'ERR_DECRYPTION_FAILED', label);
  // The other recipient's slot is untouched by a change to ours, but the shared parts still protect it.
  await expectCode(open(mutants[1]![1], other.privateJwk), 'ERR_DECRYPTION_FAILED');
});

test('RSA: a corrupted encrypted key and a corrupted tag fail the same way (no padding oracle)', async () => {
  const rsa = await generateKeyPair('RSA-OAEP-256', { bits: 2048 });
  const jwe = await seal(CANARY, rsa.publicJwk);
  const parts = jwe.split('.');
  const badKey = Buffer.from(parts[1]!, 'base64url');
  badKey[10]! ^= 0xff;
  const badTag = Buffer.from(parts[4]!, 'base64url');
  badTag[0]! ^= 1;
  const errors: string[] = [];
  for (const mutant of [
    [parts[0], badKey.toString('base64url'), ...parts.slice(2)].join('.'),
    [...parts.slice(0, 4), badTag.toString('base64url')].join('.'),
  ]) {
    try {
      await open(mutant, rsa.privateJwk);
    } catch (error) {
      errors.push(`${(error as SealwireError).code}: ${(error as Error).message}`);
    }
  }
  assert.equal(errors.length, 2);
  assert.equal(errors[0], errors[1]);
});

test('maxPlaintextBytes is exact: one byte over is refused after the tag check, and nothing is released', async () => {
  const sealed = await seal('12345', x25519.publicJwk);
  assert.equal(
    Buffer.from((await open(sealed, x25519.privateJwk, { maxPlaintextBytes: 5 })).plaintext).toString(),
    '12345',
  );
  await expectCode(open(sealed, x25519.privateJwk, { maxPlaintextBytes: 4 }), 'ERR_LIMIT_EXCEEDED');
});
