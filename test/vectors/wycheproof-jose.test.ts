/**
 * Wycheproof's JOSE suites: json_web_encryption_test, json_web_crypto_test, json_web_key_test. Every
 * `invalid` case is rejected; `valid` cases open unless their algorithm is one Sealwire refuses on
 * principle (RSA1_5) or does not sign with (HS*, RS*: Sealwire's signatures are EdDSA and ES256 only).
 * The suites target compact-only APIs, so they run with `serialization: 'compact'`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SealwireError } from 'sealwire/errors';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  KEY_MANAGEMENT_ALGORITHMS,
  type OpenKey,
  type OpenOptions,
  open,
  verify,
} from 'sealwire/seal';
import { loadJson, Tally, toHex, type WycheproofFile, type WycheproofTest } from '../helpers/vectors.ts';

const WIDE: OpenOptions = {
  keyManagementAlgorithms: KEY_MANAGEMENT_ALGORITHMS,
  contentEncryptionAlgorithms: CONTENT_ENCRYPTION_ALGORITHMS,
  maxPBES2Count: 10_000,
  serialization: 'compact',
};

function protectedHeader(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

const headerAlg = (token: string): string => String(protectedHeader(token).alg ?? '');

async function outcome(
  work: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    // Every rejection must be one of Sealwire's typed errors, never a stray TypeError or a jose error.
    assert.ok(error instanceof SealwireError, `untyped error: ${(error as Error).stack}`);
    return { ok: false, code: error.code };
  }
}

function keysOf(group: Record<string, unknown>): Record<string, unknown>[] {
  const container = group.private as { keys?: Record<string, unknown>[] };
  return container.keys ?? [group.private as Record<string, unknown>];
}

async function runJwe(t: WycheproofTest, keys: Record<string, unknown>[], tally: Tally): Promise<void> {
  const jwe = t.jwe as string;
  const key = (keys.length === 1 ? keys[0] : keys) as unknown as OpenKey;
  const result = await outcome(() => open(jwe, key, WIDE));
  if (t.result === 'invalid') {
    assert.equal(result.ok, false, `tcId ${t.tcId} (${t.comment}) must be rejected`);
    tally.add('invalid-rejected');
    return;
  }
  if (!result.ok) {
    // Refusals on principle: RSA1_5 (Bleichenbacher) and compression (`zip`).
    const header = protectedHeader(jwe);
    const reason = header.alg === 'RSA1_5' ? 'RSA1_5' : header.zip !== undefined ? 'zip' : undefined;
    assert.ok(reason !== undefined, `tcId ${t.tcId} (${t.comment}) rejected with ${result.code}`);
    assert.equal(result.code, 'ERR_REFUSED');
    tally.add(`${t.result}-refused-${reason}`);
    return;
  }
  // Some files give the expected plaintext (`pt`), others only say the token is valid.
  if (t.pt !== undefined)
    assert.equal(toHex((result.value as { plaintext: Uint8Array }).plaintext), t.pt, `tcId ${t.tcId}`);
  tally.add(`${t.result}-opened`);
}

async function runJws(t: WycheproofTest, keys: Record<string, unknown>[], tally: Tally): Promise<void> {
  const jws = t.jws as string;
  const result = await outcome(() => verify(jws, keys as never));
  if (t.result === 'invalid') {
    assert.equal(result.ok, false, `tcId ${t.tcId} (${t.comment}) must be rejected`);
    tally.add('invalid-rejected');
    return;
  }
  if (!result.ok) {
    const alg = headerAlg(jws);
    assert.ok(
      /^(HS|RS|PS)/.test(alg),
      `tcId ${t.tcId} (${t.comment}) alg ${alg} rejected with ${result.code}`,
    );
    tally.add(`${t.result}-outside-signature-allow-list`);
    return;
  }
  tally.add(`${t.result}-verified`);
}

for (const name of ['json_web_encryption_test.json', 'json_web_crypto_test.json', 'json_web_key_test.json']) {
  test(`Wycheproof ${name}`, async () => {
    const file = loadJson<WycheproofFile>(`wycheproof/${name}`);
    const tally = new Tally();
    for (const group of file.testGroups) {
      const keys = keysOf(group);
      for (const t of group.tests) {
        // JSON-serialized cases come as objects: hand them over as the JSON text a peer would send.
        const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
        if (t.jwe !== undefined) await runJwe({ ...t, jwe: asText(t.jwe) }, keys, tally);
        else if (t.jws !== undefined) await runJws({ ...t, jws: asText(t.jws) }, keys, tally);
        else assert.fail(`tcId ${t.tcId}: neither jwe nor jws`);
      }
    }
    tally.print(name.replace('_test.json', ''));
    let total = 0;
    for (const count of tally.counts.values()) total += count;
    assert.equal(total, file.numberOfTests);
  });
}
