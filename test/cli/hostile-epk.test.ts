/**
 * `sealwire open` on a JWE whose ephemeral key (`epk`) is hostile: an invalid-curve P-256 point, the P-256
 * "identity" (0, 0), small-order X25519 points (all-zero, one, and an order-8 point). Each is refused as a
 * message that cannot be opened, not as a usage error: exit 1, one line ending [ERR_JWE_INVALID_EPK], no
 * crypto library text, nothing on stdout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const dir = scratch('hostile-epk');
const at = (name: string) => join(dir, name);
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function withEpk(compact: string, change: (epk: Record<string, unknown>) => void): string {
  const [header, ...rest] = compact.split('.');
  const parsed = JSON.parse(Buffer.from(header!, 'base64url').toString());
  change(parsed.epk);
  return [b64(JSON.stringify(parsed)), ...rest].join('.');
}

test('invalid-curve and small-order epk points: exit 1, ERR_JWE_INVALID_EPK, one line', async () => {
  for (const alg of ['X25519', 'P-256']) {
    const made = await sealwire(['keygen', '--alg', alg, '--out', at(alg)]);
    assert.equal(made.code, 0, made.stderr);
  }
  const sealed = async (alg: string) =>
    (await sealwire(['seal', '--to', at(`${alg}.pub.jwk`)], { input: 'secret' })).stdout.toString().trim();
  const x25519 = await sealed('X25519');
  const p256 = await sealed('P-256');
  const cases: [string, string, string][] = [
    [
      'X25519 all-zero point',
      'X25519',
      withEpk(x25519, (epk) => {
        epk.x = b64(new Uint8Array(32));
      }),
    ],
    [
      'X25519 point 1',
      'X25519',
      withEpk(x25519, (epk) => {
        epk.x = b64(Buffer.from(`01${'00'.repeat(31)}`, 'hex'));
      }),
    ],
    [
      'X25519 order-8 point',
      'X25519',
      withEpk(x25519, (epk) => {
        epk.x = b64(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));
      }),
    ],
    [
      'P-256 point off the curve',
      'P-256',
      withEpk(p256, (epk) => {
        epk.y = epk.x;
      }),
    ],
    [
      'P-256 identity (0, 0)',
      'P-256',
      withEpk(p256, (epk) => {
        epk.x = b64(new Uint8Array(32));
        epk.y = b64(new Uint8Array(32));
      }),
    ],
  ];
  for (const [label, alg, jwe] of cases) {
    const result = await sealwire(['open', '--key', at(`${alg}.jwk`)], { input: jwe });
    assert.equal(result.code, 1, `${label}: ${result.stderr}`);
    assert.equal(result.stdout.length, 0, label);
    assert.equal(result.stderr.split('\n').length, 2, `${label}: one line: ${result.stderr}`);
    assert.match(result.stderr, /^sealwire: JWE "epk" is not a valid .* \[ERR_JWE_INVALID_EPK\]\n$/, label);
    assert.ok(!/error:[0-9A-F]{8}|ECDH failed/.test(result.stderr), `${label}: ${result.stderr}`);
  }
});
