/**
 * The C2SP age conformance suite (npm cctv-age): every vector whose features Sealwire implements must
 * decrypt to the expected payload or fail in the expected place; the counts are printed.
 *
 * For failures, all plaintext released before the error must hash to the vector's `payload` (the suite's
 * rule: authenticated chunks may be released, the failing one never).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import * as vectors from 'cctv-age';
import { ErrorCodes, PolicyError } from 'sealwire/errors';
import {
  AgeDecryptionError,
  AgeDecryptor,
  AgeFormatError,
  type AgeIdentity,
  generateIdentity,
} from 'sealwire/seal/age';

type Expect =
  | 'success'
  | 'no match'
  | 'HMAC failure'
  | 'header failure'
  | 'payload failure'
  | 'armor failure';

interface Vector {
  name: string;
  expect: Expect;
  payload?: string;
  identities: string[];
  passphrases: string[];
  armored: boolean;
  file: Uint8Array;
}

function parseVector(name: string, data: Uint8Array): Vector {
  const bytes = Buffer.from(data);
  const split = bytes.indexOf('\n\n');
  const meta = new Map<string, string[]>();
  for (const line of bytes.subarray(0, split).toString('utf8').split('\n')) {
    const at = line.indexOf(': ');
    const key = line.slice(0, at);
    meta.set(key, [...(meta.get(key) ?? []), line.slice(at + 2)]);
  }
  let file: Uint8Array = bytes.subarray(split + 2);
  if (meta.get('compressed')?.[0] === 'zlib') file = inflateSync(file);
  const payload = meta.get('payload')?.[0];
  return {
    name,
    expect: meta.get('expect')![0] as Expect,
    ...(payload === undefined ? {} : { payload }),
    identities: meta.get('identity') ?? [],
    passphrases: meta.get('passphrase') ?? [],
    armored: meta.get('armored')?.[0] === 'yes',
    file,
  };
}

function classify(error: unknown): Expect | `unexpected: ${string}` {
  if (error instanceof AgeFormatError)
    return error.part === 'armor'
      ? 'armor failure'
      : error.part === 'header'
        ? 'header failure'
        : 'payload failure';
  if (error instanceof PolicyError && error.code === ErrorCodes.LIMIT_EXCEEDED) return 'header failure';
  if (error instanceof AgeDecryptionError) {
    if (error.code === ErrorCodes.NO_MATCHING_RECIPIENT) return 'no match';
    return error.part === 'header' ? 'HMAC failure' : 'payload failure';
  }
  return `unexpected: ${(error as Error)?.name}: ${(error as Error)?.message}`;
}

/** Feeds the file in uneven pieces, so chunk and line boundaries never line up with input boundaries. */
async function run(vector: Vector): Promise<{ outcome: string; released: Buffer }> {
  const identities: AgeIdentity[] = [
    ...vector.identities,
    ...vector.passphrases.map((passphrase) => ({ passphrase })),
  ];
  // A few header-failure vectors name no key: any identity will do, it must never be reached.
  if (identities.length === 0) identities.push(await generateIdentity());
  const released: Uint8Array[] = [];
  try {
    const decryptor = new AgeDecryptor(identities, { armor: vector.armored });
    const sizes = [1, 7, 4096, 65_537, 100_003];
    for (let offset = 0, i = 0; offset < vector.file.length; i++) {
      const size = sizes[i % sizes.length]!;
      released.push(...(await decryptor.update(vector.file.subarray(offset, offset + size))));
      offset += size;
    }
    released.push(...(await decryptor.final()));
    return { outcome: 'success', released: Buffer.concat(released) };
  } catch (error) {
    return { outcome: classify(error), released: Buffer.concat(released) };
  }
}

/** Features Sealwire does not implement (none today): such vectors are counted as not applicable. */
function applicable(_vector: Vector): boolean {
  return true;
}

test('C2SP age vectors (cctv-age)', async () => {
  const all = Object.entries(vectors as unknown as Record<string, Uint8Array>)
    .filter(([name, value]) => name !== 'default' && value instanceof Uint8Array)
    .map(([name, data]) => parseVector(name, data));
  assert.ok(all.length >= 140, `expected the full suite, found ${all.length} vectors`);
  const counts = { passed: 0, failedAsExpected: 0, notApplicable: 0 };
  const mismatches: string[] = [];
  for (const vector of all) {
    if (!applicable(vector)) {
      counts.notApplicable++;
      continue;
    }
    const { outcome, released } = await run(vector);
    const hash = createHash('sha256').update(released).digest('hex');
    if (outcome !== vector.expect) {
      mismatches.push(`${vector.name}: expected ${vector.expect}, got ${outcome}`);
      continue;
    }
    if (vector.payload !== undefined && hash !== vector.payload) {
      mismatches.push(`${vector.name}: released plaintext does not match the payload hash`);
      continue;
    }
    if (vector.expect !== 'success' && vector.expect !== 'payload failure') assert.equal(released.length, 0);
    if (outcome === 'success') counts.passed++;
    else counts.failedAsExpected++;
  }
  console.log(
    `cctv-age: ${all.length} vectors: ${counts.passed} passed, ${counts.failedAsExpected} failed as expected, ${counts.notApplicable} not applicable, ${mismatches.length} mismatches`,
  );
  assert.deepEqual(mismatches, []);
  assert.equal(counts.passed + counts.failedAsExpected, all.length - counts.notApplicable);
});
