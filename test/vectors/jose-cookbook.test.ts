/**
 * RFC 7520 (JOSE Cookbook) and the CFRG curve examples, machine-readable, from ../shared/vectors.
 * Sealwire's strict defaults refuse most of them (other algorithms); with the allow-lists widened to every
 * supported algorithm they must all open, except RSA1_5 and `zip`, which are refused on principle.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  KEY_MANAGEMENT_ALGORITHMS,
  type OpenKey,
  type OpenOptions,
  open,
  verify,
} from 'sealwire/seal';
import { loadJson, Tally, vectorPath } from '../helpers/vectors.ts';

const WIDE: OpenOptions = {
  keyManagementAlgorithms: KEY_MANAGEMENT_ALGORITHMS,
  contentEncryptionAlgorithms: CONTENT_ENCRYPTION_ALGORITHMS,
  maxPBES2Count: 10_000,
};

interface CookbookJwe {
  title: string;
  input: { plaintext: string; key?: unknown; pwd?: string; alg: string | string[]; zip?: string };
  output: { compact?: string; json?: object; json_flat?: object };
}

const text = (data: Uint8Array) => new TextDecoder().decode(data);

function keysOf(example: CookbookJwe): OpenKey[] {
  if (example.input.pwd !== undefined) return [{ password: example.input.pwd }];
  return (Array.isArray(example.input.key) ? example.input.key : [example.input.key]) as OpenKey[];
}

/** RSA1_5 and compression are refused whatever the allow-lists say. */
function refusal(example: CookbookJwe, keyIndex: number): string | undefined {
  const alg = Array.isArray(example.input.alg) ? example.input.alg[keyIndex] : example.input.alg;
  if (alg === 'RSA1_5') return 'ERR_REFUSED';
  if (example.input.zip !== undefined) return 'ERR_REFUSED';
  return undefined;
}

test('RFC 7520 JWE examples: every form opens with widened allow-lists; RSA1_5 and zip refused', async () => {
  const tally = new Tally();
  const files = readdirSync(vectorPath('jose-cookbook/jwe')).filter((name) => name.endsWith('.json'));
  assert.equal(files.length, 13);
  for (const name of files) {
    const example = loadJson<CookbookJwe>(`jose-cookbook/jwe/${name}`);
    const keys = keysOf(example);
    for (const [form, jwe] of Object.entries(example.output)) {
      for (const [index, key] of keys.entries()) {
        const label = `${name} ${form} key ${index}`;
        const expected = refusal(example, index);
        if (expected !== undefined) {
          await assert.rejects(open(jwe as string, key, WIDE), { code: expected }, label);
          tally.add('refused-on-principle');
          continue;
        }
        const result = await open(jwe as string, key, WIDE);
        assert.equal(text(result.plaintext), example.input.plaintext, label);
        tally.add('opened');
        // The defaults accept only what Sealwire itself produces; anything else is an allow-list refusal.
        try {
          await open(jwe as string, key);
          tally.add('opened-with-defaults');
        } catch (error) {
          assert.equal((error as { code?: string }).code, 'ERR_ALG_NOT_ALLOWED', label);
          tally.add('outside-default-allow-list');
        }
      }
    }
  }
  tally.print('jose-cookbook jwe');
  assert.equal(
    tally.get('refused-on-principle'),
    3 + 3 + 1,
    'RSA1_5 (5.1 x3 forms, 5.13 first recipient) and zip (5.9 x3)',
  );
});

test('CFRG X25519 ECDH-ES example opens through the native path', async () => {
  const example = loadJson<CookbookJwe & { input: { enc: string } }>('jose-cookbook/curve25519/ecdh-es.json');
  for (const jwe of Object.values(example.output)) {
    const result = await open(jwe as string, example.input.key as OpenKey, {
      contentEncryptionAlgorithms: ['A128GCM'],
    });
    assert.equal(text(result.plaintext), example.input.plaintext);
    assert.equal(result.recipientKid, 'Bob');
  }
  await assert.rejects(open(example.output.compact!, example.input.key as OpenKey), {
    code: 'ERR_ALG_NOT_ALLOWED',
  });
});

test('CFRG Ed25519 JWS example verifies; a modified one does not', async () => {
  const example = loadJson<{ input: { payload: string; key: { d?: string } }; output: { compact: string } }>(
    'jose-cookbook/curve25519/jws.json',
  );
  const { d: _d, ...publicKey } = example.input.key;
  const result = await verify(example.output.compact, publicKey as never);
  assert.equal(text(result.payload), example.input.payload);
  const tampered = example.output.compact.replace(
    'RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc',
    'RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmd',
  );
  await assert.rejects(verify(tampered, publicKey as never), { code: 'ERR_SIGNATURE_INVALID' });
});

test('RFC 7520 §6 nested JWT: opens to the inner JWS, reported as unverified; PS256 is not a Sealwire signer', async () => {
  const example = loadJson<{
    sign: { output: { compact: string }; input: { key: object } };
    encrypt: { input: { key: OpenKey }; output: Record<string, unknown> };
  }>('jose-cookbook/6.nesting_signatures_and_encryption.json');
  for (const jwe of Object.values(example.encrypt.output)) {
    const result = await open(jwe as string, example.encrypt.input.key, WIDE);
    assert.equal(result.signature, 'unverified');
    assert.equal(text(result.plaintext), example.sign.output.compact);
    await assert.rejects(
      open(jwe as string, example.encrypt.input.key, { ...WIDE, from: example.sign.input.key as never }),
      {
        code: 'ERR_SIGNATURE_INVALID',
      },
    );
  }
});
