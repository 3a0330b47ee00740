/**
 * Hostile and broken age input: every failure is a typed error with a stable code, nothing of a failing
 * chunk is ever released (only chunks that authenticated, in order), one-shot decryption releases nothing
 * at all, and the decryptor keeps serving afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, PolicyError, SealwireError } from 'sealwire/errors';
import {
  AgeDecryptionError,
  AgeDecryptor,
  AgeFormatError,
  type AgeIdentity,
  CHUNK_SIZE,
  DECRYPT_DEFAULTS,
  decrypt,
  encrypt,
  generateIdentity,
  identityToRecipient,
} from 'sealwire/seal/age';

const CHUNK = CHUNK_SIZE + 16;

function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

/** Streams `file` through a decryptor in uneven pieces; returns what was released and the error, if any. */
async function stream(file: Uint8Array, identity: AgeIdentity | AgeIdentity[], options = {}) {
  const released: Uint8Array[] = [];
  try {
    const decryptor = new AgeDecryptor(identity, options);
    const pieces = [4097, 1, 70_000, 333];
    for (let offset = 0, i = 0; offset < file.length; i++) {
      const size = pieces[i % pieces.length]!;
      released.push(...(await decryptor.update(file.subarray(offset, offset + size))));
      offset += size;
    }
    released.push(...(await decryptor.final()));
    return { released: Buffer.concat(released), error: undefined };
  } catch (error) {
    return { released: Buffer.concat(released), error };
  }
}

function headerLength(file: Uint8Array): number {
  const text = Buffer.from(file).toString('latin1');
  return text.indexOf('\n--- ') + 5 + 43 + 1;
}

const identity = await generateIdentity();
const recipient = await identityToRecipient(identity);
const plaintext = pattern(5 * CHUNK_SIZE + 1000);
const file = await encrypt(plaintext, recipient);
const H = headerLength(file);

/** Released plaintext must be whole authenticated chunks from the start, never more than `maxChunks`. */
function assertPrefix(released: Buffer, maxChunks: number): void {
  assert.equal(released.length % CHUNK_SIZE, 0, 'only whole chunks are released before a failure');
  assert.ok(
    released.length <= maxChunks * CHUNK_SIZE,
    `released ${released.length} bytes, at most ${maxChunks} chunks allowed`,
  );
  assert.deepEqual(new Uint8Array(released), plaintext.subarray(0, released.length));
}

test('truncation at every chunk boundary (and inside header and nonce): typed error, only whole chunks out', async () => {
  const cuts = [0, 10, H - 1, H, H + 8, H + 16];
  for (let k = 1; k <= 5; k++) cuts.push(H + 16 + k * CHUNK, H + 16 + k * CHUNK - 1, H + 16 + k * CHUNK + 1);
  cuts.push(file.length - 1);
  for (const cut of cuts) {
    const truncated = file.subarray(0, cut);
    await assert.rejects(decrypt(truncated, identity), SealwireError, `one-shot, cut at ${cut}`);
    const { released, error } = await stream(truncated, identity);
    assert.ok(
      error instanceof AgeFormatError || error instanceof AgeDecryptionError,
      `cut at ${cut}: ${error}`,
    );
    if (cut < H + 16) assert.equal((error as AgeFormatError).part, 'header', `cut at ${cut}`);
    else {
      assert.equal((error as AgeDecryptionError).part, 'payload', `cut at ${cut}`);
      assert.equal((error as AgeDecryptionError).code, ErrorCodes.DECRYPTION_FAILED);
    }
    assertPrefix(released, Math.max(0, Math.floor((cut - H - 16) / CHUNK)));
  }
});

test('every bit flipped in the header: typed error, no plaintext', async () => {
  const codes = new Set<string>();
  for (let i = 0; i < H; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = file.slice();
      bad[i]! ^= 1 << bit;
      const { released, error } = await stream(bad, identity);
      assert.ok(error instanceof SealwireError, `byte ${i} bit ${bit}: ${error}`);
      assert.equal(released.length, 0, `byte ${i} bit ${bit} released plaintext`);
      codes.add(`${error.code}/${(error as AgeFormatError).part ?? ''}`);
    }
  }
  // Malformed header, wrong share (no match) and wrong MAC are all reached.
  assert.ok(codes.has('ERR_MALFORMED/header'), [...codes].join());
  assert.ok(codes.has('ERR_NO_MATCHING_RECIPIENT/header'), [...codes].join());
  assert.ok(codes.has('ERR_DECRYPTION_FAILED/header'), [...codes].join());
});

test('bit flips in the payload nonce, chunk bodies and tags: the failing chunk is never released', async () => {
  const positions = [H, H + 15];
  for (let k = 0; k < 6; k++) {
    const start = H + 16 + k * CHUNK;
    const end = Math.min(file.length, start + CHUNK);
    positions.push(start, start + 1000, end - 17, end - 1);
  }
  for (const position of positions) {
    for (const bit of [0, 7]) {
      const bad = file.slice();
      bad[position]! ^= 1 << bit;
      await assert.rejects(decrypt(bad, identity), { code: ErrorCodes.DECRYPTION_FAILED });
      const { released, error } = await stream(bad, identity);
      assert.ok(error instanceof AgeDecryptionError && error.part === 'payload', `at ${position}: ${error}`);
      const chunk = position < H + 16 ? 0 : Math.floor((position - H - 16) / CHUNK);
      assertPrefix(released, chunk);
    }
  }
});

test('reordered, dropped, duplicated and appended chunks', async () => {
  const chunk = (k: number) =>
    file.subarray(H + 16 + k * CHUNK, Math.min(file.length, H + 16 + (k + 1) * CHUNK));
  const head = file.subarray(0, H + 16);
  const cases: Array<[string, Uint8Array[], number]> = [
    ['swap 1 and 2', [head, chunk(0), chunk(2), chunk(1), chunk(3), chunk(4), chunk(5)], 1],
    ['drop 2', [head, chunk(0), chunk(1), chunk(3), chunk(4), chunk(5)], 2],
    ['repeat 0', [head, chunk(0), chunk(0), chunk(1), chunk(2), chunk(3), chunk(4), chunk(5)], 1],
    ['last chunk moved first', [head, chunk(5), chunk(0)], 0],
    ['appended byte', [file, Uint8Array.of(0)], 5],
    ['appended chunk', [file, chunk(1)], 5],
    ['last chunk twice', [file, chunk(5)], 5],
  ];
  for (const [name, parts, allowed] of cases) {
    const bad = Buffer.concat(parts);
    await assert.rejects(decrypt(bad, identity), { code: ErrorCodes.DECRYPTION_FAILED }, name);
    const { released, error } = await stream(bad, identity);
    assert.ok(error instanceof AgeDecryptionError && error.part === 'payload', `${name}: ${error}`);
    assertPrefix(released, allowed);
  }
});

test('wrong identity: no match, before any payload is read', async () => {
  const other = await generateIdentity();
  const { released, error } = await stream(file, other);
  assert.ok(error instanceof AgeDecryptionError);
  assert.equal(error.code, ErrorCodes.NO_MATCHING_RECIPIENT);
  assert.equal(released.length, 0);
  await assert.rejects(decrypt(file, [other, { passphrase: 'x' }]), {
    code: ErrorCodes.NO_MATCHING_RECIPIENT,
  });
});

test('duplicate and excessive recipient stanzas, oversized headers', async () => {
  const text = Buffer.from(file.subarray(0, H)).toString('latin1');
  const lines = text.split('\n');
  const stanza = `${lines[1]}\n${lines[2]}\n`;
  const rest = file.subarray(H);
  const duplicated = Buffer.concat([
    Buffer.from(`${lines[0]}\n${stanza}${stanza}${lines[3]}\n`, 'latin1'),
    rest,
  ]);
  const dup = await stream(duplicated, identity);
  assert.ok(dup.error instanceof AgeFormatError && dup.error.part === 'header', String(dup.error));
  assert.match(dup.error.message, /duplicate/);

  const grease = Array.from({ length: 300 }, (_, i) => `-> grease-${i}\n\n`).join('');
  const crowded = Buffer.concat([
    Buffer.from(`${lines[0]}\n${grease}${stanza}${lines[3]}\n`, 'latin1'),
    rest,
  ]);
  const many = await stream(crowded, identity);
  assert.ok(many.error instanceof PolicyError, String(many.error));
  assert.equal(many.error.code, ErrorCodes.LIMIT_EXCEEDED);
  // Raising the cap lets the header parse; the inserted stanzas then break the MAC.
  const raised = await stream(crowded, identity, { maxStanzas: 400 });
  assert.ok(
    raised.error instanceof AgeDecryptionError && raised.error.part === 'header',
    String(raised.error),
  );
  assert.equal(raised.error.code, ErrorCodes.DECRYPTION_FAILED);

  // A header that never ends is refused once it passes maxHeaderBytes, not buffered forever.
  const decryptor = new AgeDecryptor(identity);
  await decryptor.update(Buffer.from('age-encryption.org/v1\n-> grease\n'));
  const line = Buffer.from(`${'A'.repeat(64)}\n`);
  const block = Buffer.concat(Array.from({ length: 1024 }, () => line));
  let fed = 0;
  await assert.rejects(
    async () => {
      for (;;) {
        await decryptor.update(block);
        fed += block.length;
        assert.ok(fed < 4 * DECRYPT_DEFAULTS.maxHeaderBytes, 'kept buffering past the header cap');
      }
    },
    { code: ErrorCodes.LIMIT_EXCEEDED },
  );
  assert.ok(fed <= DECRYPT_DEFAULTS.maxHeaderBytes + block.length);
});

test('huge scrypt work factor is refused before any scrypt work', async () => {
  const salt = Buffer.alloc(16, 7).toString('base64').replace(/=+$/, '');
  const body = Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '');
  const mac = Buffer.alloc(32, 2).toString('base64').replace(/=+$/, '');
  for (const workFactor of [21, 22, 40, 64]) {
    const hostile = Buffer.from(
      `age-encryption.org/v1\n-> scrypt ${salt} ${workFactor}\n${body}\n--- ${mac}\n${'x'.repeat(40)}`,
      'latin1',
    );
    const started = performance.now();
    const { error } = await stream(hostile, { passphrase: 'password' });
    assert.ok(error instanceof PolicyError, `${workFactor}: ${error}`);
    assert.equal(error.code, ErrorCodes.LIMIT_EXCEEDED);
    assert.ok(performance.now() - started < 1000, 'no scrypt run');
  }
  const tooHigh = `age-encryption.org/v1\n-> scrypt ${salt} 65\n${body}\n--- ${mac}\n`;
  assert.ok((await stream(Buffer.from(tooHigh), { passphrase: 'p' })).error instanceof AgeFormatError);
  await assert.rejects(decrypt(file, { passphrase: 'p', maxWorkFactor: 23 }), {
    code: ErrorCodes.INVALID_ARGUMENT,
  });
  await assert.rejects(encrypt('x', { passphrase: 'p', workFactor: 30 }), {
    code: ErrorCodes.INVALID_ARGUMENT,
  });
});

test('not an age file: refused at the first bytes', async () => {
  for (const junk of [
    'hello world\n',
    'age-encryption.org/v2\n-> X25519 abc\n',
    '\x00\x01\x02',
    '{"protected":"..."}',
  ]) {
    const decryptor = new AgeDecryptor(identity);
    await assert.rejects(decryptor.update(Buffer.from(junk)), AgeFormatError, JSON.stringify(junk));
  }
  await assert.rejects(decrypt(new Uint8Array(0), identity), AgeFormatError);
  // An armored header over garbage is an armor failure.
  await assert.rejects(
    decrypt('-----BEGIN AGE ENCRYPTED FILE-----\n!!!!\n-----END AGE ENCRYPTED FILE-----\n', identity),
    {
      code: ErrorCodes.MALFORMED,
    },
  );
});

test('a failed decryptor stays failed; the next file decrypts normally', async () => {
  const decryptor = new AgeDecryptor(identity);
  const bad = file.slice();
  bad[H + 20]! ^= 1;
  await assert.rejects(async () => {
    await decryptor.update(bad);
    await decryptor.final();
  }, AgeDecryptionError);
  await assert.rejects(decryptor.update(file), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.deepEqual(await decrypt(file, identity), plaintext);
});

test('bad API input: typed errors', async () => {
  await assert.rejects(encrypt('x', []), { code: ErrorCodes.INVALID_ARGUMENT });
  await assert.rejects(encrypt('x', 'age1notarecipient'), { code: ErrorCodes.KEY_INVALID });
  await assert.rejects(encrypt('x', recipient.toUpperCase()), { code: ErrorCodes.KEY_INVALID });
  await assert.rejects(decrypt(file, []), { code: ErrorCodes.INVALID_ARGUMENT });
  await assert.rejects(decrypt(file, 'AGE-SECRET-KEY-1NOPE'), (error: unknown) => {
    assert.equal((error as SealwireError).code, ErrorCodes.KEY_INVALID);
    assert.doesNotMatch((error as Error).message, /NOPE/, 'a secret never appears in a message');
    return true;
  });
  assert.throws(() => new AgeDecryptor(identity, { maxStanzas: 0 }), { code: ErrorCodes.INVALID_ARGUMENT });
});

test('tiny writes cost linear time: a file in 1-byte pieces, a hostile header in 16-byte pieces', async () => {
  const small = await encrypt(pattern(3 * CHUNK_SIZE + 5), recipient);
  const decryptor = new AgeDecryptor(identity);
  const out: Uint8Array[] = [];
  let started = performance.now();
  for (let i = 0; i < small.length; i++) out.push(...(await decryptor.update(small.subarray(i, i + 1))));
  out.push(...(await decryptor.final()));
  assert.deepEqual(new Uint8Array(Buffer.concat(out)), pattern(3 * CHUNK_SIZE + 5));
  assert.ok(performance.now() - started < 10_000, 'byte-by-byte decryption stays linear');

  const hostile = new AgeDecryptor(identity);
  await hostile.update(Buffer.from('age-encryption.org/v1\n-> grease\n'));
  const piece = Buffer.from('AAAAAAAAAAAAAAAA');
  started = performance.now();
  await assert.rejects(
    async () => {
      for (let i = 0; i < 200_000; i++) await hostile.update(piece);
    },
    { code: ErrorCodes.LIMIT_EXCEEDED },
  );
  assert.ok(performance.now() - started < 5_000, `header buffering took ${performance.now() - started} ms`);
});
