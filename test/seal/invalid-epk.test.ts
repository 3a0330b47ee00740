/**
 * A hostile sender's ephemeral key (`epk`) is refused with one typed error, `ERR_JWE_INVALID_EPK`, whatever
 * the curve and whichever path opens the message (native ECDH or the jose delegate): off-curve and
 * out-of-range P-256 points, the P-256 "identity" (0, 0), and every small-order X25519 point (Wycheproof's
 * zero-shared-secret cases, 0 and 1 among them). Runs on node:crypto here and again, in a child process,
 * on the WebCrypto/@noble runtime.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SealwireError } from 'sealwire/errors';
import { generateKeyPair, type PrivateJwk } from 'sealwire/keys';
import { type GeneralJwe, type OpenOptions, open, seal } from 'sealwire/seal';
import { loadJson, type WycheproofFile } from '../helpers/vectors.ts';

const b64 = (value: Uint8Array | string) => Buffer.from(value).toString('base64url');
const unb64 = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString());
const CANARY = 'CANARY-epk-do-not-leak';
const CHILD = process.env.SEALWIRE_EPK_CHILD === '1';

/** Replaces the `epk` of a compact JWE's protected header (the tag no longer matches: it must not matter). */
function withEpk(compact: string, change: (epk: Record<string, unknown>) => void): string {
  const [protectedB64, ...rest] = compact.split('.');
  const header = unb64(protectedB64!);
  change(header.epk);
  return [b64(JSON.stringify(header)), ...rest].join('.');
}

async function expectInvalidEpk(work: Promise<unknown>, label: string): Promise<void> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof SealwireError, `${label}: untyped ${(error as Error)?.stack}`);
    assert.equal(error.code, ErrorCodes.INVALID_EPK, `${label}: ${error.code} ${error.message}`);
    assert.ok(!error.message.includes('\n'), `${label}: one line`);
    assert.ok(!/error:[0-9A-F]{8}/.test(error.message), `${label}: no raw OpenSSL string: ${error.message}`);
    assert.ok(!error.message.includes(CANARY));
    return;
  }
  assert.fail(`${label}: expected a rejection`);
}

const x25519 = await generateKeyPair('X25519');
const p256 = await generateKeyPair('P-256');
const x25519Sealed = (await seal(CANARY, x25519.publicJwk)) as string;
const p256Sealed = (await seal(CANARY, p256.publicJwk)) as string;

/** The X25519 public keys Wycheproof lists as giving an all-zero shared secret (small order, any encoding). */
function smallOrderX25519(): string[] {
  const file = loadJson<WycheproofFile>('wycheproof/x25519_test.json');
  const points = new Set<string>();
  for (const group of file.testGroups)
    for (const t of group.tests) if (t.flags.includes('ZeroSharedSecret')) points.add(String(t.public));
  return [...points];
}

test('small-order X25519 epk points (0, 1 and every Wycheproof zero-shared-secret point)', async () => {
  const points = smallOrderX25519();
  assert.ok(points.length >= 10, `${points.length} points`);
  assert.ok(points.includes('00'.repeat(32)) && points.includes(`01${'00'.repeat(31)}`));
  for (const point of points) {
    await expectInvalidEpk(
      open(
        withEpk(x25519Sealed, (epk) => {
          epk.x = b64(Buffer.from(point, 'hex'));
        }),
        x25519.privateJwk,
      ),
      `X25519 ${point}`,
    );
  }
});

test('off-curve, out-of-range and identity P-256 epk points', async () => {
  const p = Buffer.from('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff', 'hex');
  const cases: [string, (epk: Record<string, unknown>) => void][] = [
    [
      'y = x (off the curve)',
      (epk) => {
        epk.y = epk.x;
      },
    ],
    [
      'y with one bit flipped (off the curve)',
      (epk) => {
        const y = Buffer.from(String(epk.y), 'base64url');
        y[31]! ^= 1;
        epk.y = b64(y);
      },
    ],
    [
      'identity (0, 0)',
      (epk) => {
        epk.x = b64(new Uint8Array(32));
        epk.y = b64(new Uint8Array(32));
      },
    ],
    [
      'x = p (out of range)',
      (epk) => {
        epk.x = b64(p);
      },
    ],
  ];
  for (const [label, change] of cases)
    await expectInvalidEpk(open(withEpk(p256Sealed, change), p256.privateJwk), `P-256 ${label}`);
});

test('a hostile epk in one slot of a General JSON JWE (ECDH-ES+A256KW)', async () => {
  const general = (await seal(CANARY, [x25519.publicJwk, p256.publicJwk])) as GeneralJwe;
  for (const recipient of general.recipients) {
    const epk = (recipient.header as { epk: Record<string, unknown> }).epk;
    if (epk.crv === 'X25519') epk.x = b64(new Uint8Array(32));
    else epk.y = epk.x;
  }
  await expectInvalidEpk(open(structuredClone(general), x25519.privateJwk), 'JSON, X25519 slot');
  await expectInvalidEpk(open(structuredClone(general), p256.privateJwk), 'JSON, P-256 slot');
});

test('the jose path (AES-CBC-HMAC, allowed explicitly): Wycheproof rejectsInvalidCurvePoint', async () => {
  const file = loadJson<WycheproofFile>('wycheproof/json_web_encryption_test.json');
  let seen = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      if (t.comment !== 'rejectsInvalidCurvePoint') continue;
      seen++;
      const options: OpenOptions = {
        keyManagementAlgorithms: ['ECDH-ES+A128KW'],
        contentEncryptionAlgorithms: ['A128CBC-HS256'],
      };
      await expectInvalidEpk(
        open(t.jwe as string, group.private as unknown as PrivateJwk, options),
        `tcId ${t.tcId}`,
      );
    }
  }
  assert.ok(seen > 0, 'the vector file has the invalid-curve case');
  // Same message with `enc` changed to a jose-path algorithm: the epk check must come first there too.
  const [header, ...rest] = withEpk(x25519Sealed, (epk) => {
    epk.x = b64(new Uint8Array(32));
  }).split('.');
  const parsed = unb64(header!);
  parsed.enc = 'A128CBC-HS256';
  const cbc = [b64(JSON.stringify(parsed)), ...rest].join('.');
  await expectInvalidEpk(
    open(cbc, x25519.privateJwk, { contentEncryptionAlgorithms: ['A128CBC-HS256'] }),
    'X25519 zero point on the jose path',
  );
});

test('a valid epk still opens, and a bad private key is not blamed on the epk', async () => {
  assert.equal(Buffer.from((await open(x25519Sealed, x25519.privateJwk)).plaintext).toString(), CANARY);
  const broken = { ...p256.privateJwk, d: b64(new Uint8Array(32)) } as PrivateJwk;
  try {
    await open(p256Sealed, broken);
    assert.fail('a zero private scalar must be refused');
  } catch (error) {
    assert.ok(error instanceof SealwireError);
    assert.notEqual(error.code, ErrorCodes.INVALID_EPK, error.message);
  }
});

// The child run is this file again on the web runtime; it must not start another child.
if (!CHILD)
  test('the same refusals on the WebCrypto/@noble runtime', { timeout: 120_000 }, () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Without NODE_TEST_CONTEXT the child runner reports in plain TAP instead of to this runner.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const result = spawnSync(
      process.execPath,
      [
        '--conditions=sealwire-web',
        '--conditions=sealwire-source',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=tap',
        fileURLToPath(import.meta.url),
      ],
      { cwd: root, encoding: 'utf8', timeout: 110_000, env: { ...env, SEALWIRE_EPK_CHILD: '1' } },
    );
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /# fail 0/);
  });
