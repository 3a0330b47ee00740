/**
 * age round trips through every API (buffers, Web streams) and key form (age strings, JWKs, hybrid,
 * passphrase). Runs twice: on node:crypto, and on the WebCrypto/@noble runtime (../web-runtime.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, KeyError } from 'sealwire/errors';
import { generateKeyPair } from 'sealwire/keys';
import {
  AgeDecryptionError,
  AgeDecryptStream,
  AgeEncryptStream,
  CHUNK_SIZE,
  decrypt,
  encrypt,
  generateHybridIdentity,
  generateIdentity,
  identityFromJwk,
  identityToJwk,
  identityToRecipient,
  recipientFromJwk,
  recipientToJwk,
} from 'sealwire/seal/age';
import { runtime } from '#runtime';
import { age as ageFromSeal } from '../../../../src/seal/index.ts';

function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function pipeThrough(
  stream: TransformStream<Uint8Array, Uint8Array>,
  data: Uint8Array,
  pieces: number[],
) {
  const writer = stream.writable.getWriter();
  const reading = (async () => {
    const out: Uint8Array[] = [];
    for await (const chunk of stream.readable as unknown as AsyncIterable<Uint8Array>) out.push(chunk);
    return Buffer.concat(out);
  })();
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = pieces[i % pieces.length]!;
    await writer.write(data.subarray(offset, offset + size));
    offset += size;
  }
  await writer.close();
  return reading;
}

test('age runs on the runtime this process selected', () => {
  assert.equal(runtime.name, process.env.SEALWIRE_EXPECT_RUNTIME ?? 'node');
});

test('age keys: identity and recipient strings', async () => {
  const identity = await generateIdentity();
  assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.match(await identityToRecipient(identity), /^age1[0-9a-z]{58}$/);
  const hybrid = await generateHybridIdentity();
  assert.match(hybrid, /^AGE-SECRET-KEY-PQ-1[0-9A-Z]{58}$/);
  assert.match(await identityToRecipient(hybrid), /^age1pq1[0-9a-z]{1900,2000}$/);
  await assert.rejects(identityToRecipient(identity.toLowerCase()), KeyError);
  // Another last character (one in 32 identities already ends in Q): the checksum no longer matches.
  const typo = identity.endsWith('Q') ? 'P' : 'Q';
  await assert.rejects(identityToRecipient(`${identity.slice(0, -1)}${typo}`), KeyError);
  // The namespace in sealwire/seal is the same module.
  assert.equal(ageFromSeal.encrypt, encrypt);
});

test('age: one recipient, several recipients, each decrypts; no recipient key in the file', async () => {
  const identities = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  const recipients = await Promise.all(identities.map(identityToRecipient));
  const message = 'telemetry batch 42';
  const one = await encrypt(message, recipients[0]!);
  assert.equal(Buffer.from(await decrypt(one, identities[0]!)).toString(), message);
  const many = await encrypt(message, recipients);
  for (const identity of identities)
    assert.equal(Buffer.from(await decrypt(many, identity)).toString(), message);
  // Anonymous: no recipient public key appears in the file, in any encoding.
  for (const recipient of recipients) {
    const { publicKey } = { publicKey: Buffer.from((await recipientToJwk(recipient)).x, 'base64url') };
    assert.equal(Buffer.from(many).indexOf(publicKey), -1);
    assert.equal(
      Buffer.from(many).toString('latin1').includes(publicKey.toString('base64').slice(0, 40)),
      false,
    );
  }
  await assert.rejects(decrypt(many, await generateIdentity()), (error: unknown) => {
    assert.ok(error instanceof AgeDecryptionError);
    assert.equal(error.code, ErrorCodes.NO_MATCHING_RECIPIENT);
    return true;
  });
});

test('age: empty payload and exact multiples of 64 KiB, sizes and contents', async () => {
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  for (const size of [
    0,
    1,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    2 * CHUNK_SIZE,
    3 * CHUNK_SIZE + 17,
  ]) {
    const plaintext = pattern(size, size + 1);
    const file = await encrypt(plaintext, recipient);
    const headerEnd = Buffer.from(file).indexOf('\n---') + 1 + 4 + 43 + 1;
    const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
    assert.equal(file.length - headerEnd, 16 + size + 16 * chunks, `size ${size}`);
    assert.deepEqual(await decrypt(file, identity), plaintext);
  }
});

test('age: ASCII armor round trip, strict PEM layout', async () => {
  const identity = await generateIdentity();
  const plaintext = pattern(100_000);
  const file = await encrypt(plaintext, await identityToRecipient(identity), { armor: true });
  const text = Buffer.from(file).toString('latin1');
  assert.ok(text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n'));
  assert.ok(text.endsWith('\n-----END AGE ENCRYPTED FILE-----\n'));
  const lines = text.split('\n').slice(1, -2);
  assert.ok(lines.slice(0, -1).every((line) => line.length === 64));
  assert.ok(lines.at(-1)!.length <= 64 && lines.at(-1)!.length > 0);
  assert.deepEqual(await decrypt(file, identity), plaintext);
  assert.deepEqual(await decrypt(text, identity), plaintext);
  assert.deepEqual(await decrypt(text.replaceAll('\n', '\r\n'), identity), plaintext);
  assert.deepEqual(
    await decrypt(await encrypt('', await identityToRecipient(identity), { armor: true }), identity),
    new Uint8Array(0),
  );
});

test('age: passphrase recipient (scrypt), wrong passphrase, mixing refused', async () => {
  const file = await encrypt('by passphrase', { passphrase: 'correct horse', workFactor: 10 });
  assert.match(Buffer.from(file).toString('latin1'), /\n-> scrypt [A-Za-z0-9+/]{22} 10\n/);
  assert.equal(Buffer.from(await decrypt(file, { passphrase: 'correct horse' })).toString(), 'by passphrase');
  assert.equal(
    Buffer.from(await decrypt(file, { passphrase: async () => 'correct horse' })).toString(),
    'by passphrase',
  );
  await assert.rejects(decrypt(file, { passphrase: 'wrong' }), { code: ErrorCodes.NO_MATCHING_RECIPIENT });
  await assert.rejects(decrypt(file, await generateIdentity()), { code: ErrorCodes.NO_MATCHING_RECIPIENT });
  await assert.rejects(
    encrypt('x', [{ passphrase: 'a' }, await identityToRecipient(await generateIdentity())]),
    { code: ErrorCodes.INVALID_ARGUMENT },
  );
});

test('age: post-quantum hybrid recipients, alone and mixed with X25519', async () => {
  const hybrid = await generateHybridIdentity();
  const classic = await generateIdentity();
  const file = await encrypt('pq', [await identityToRecipient(hybrid), await identityToRecipient(classic)]);
  assert.match(Buffer.from(file).toString('latin1'), /\n-> mlkem768x25519 [A-Za-z0-9+/]{1494}\n/);
  assert.equal(Buffer.from(await decrypt(file, hybrid)).toString(), 'pq');
  assert.equal(Buffer.from(await decrypt(file, classic)).toString(), 'pq');
  await assert.rejects(decrypt(file, await generateHybridIdentity()), {
    code: ErrorCodes.NO_MATCHING_RECIPIENT,
  });
});

test('age <-> JWK: one key, two encodings', async () => {
  const pair = await generateKeyPair('X25519');
  const recipient = recipientFromJwk(pair.publicJwk);
  assert.equal(recipient, recipientFromJwk(pair.privateJwk));
  const identity = await identityFromJwk(pair.privateJwk);
  assert.equal(await identityToRecipient(identity), recipient);
  const publicJwk = await recipientToJwk(recipient);
  assert.equal(publicJwk.x, (pair.publicJwk as { x: string }).x);
  assert.equal(publicJwk.kid, pair.kid);
  const privateJwk = await identityToJwk(identity);
  assert.equal(privateJwk.d, (pair.privateJwk as { d: string }).d);
  assert.equal(privateJwk.kid, pair.kid);
  // Encrypt to the JWK, decrypt with the age string; and the other way round.
  assert.equal(Buffer.from(await decrypt(await encrypt('a', pair.publicJwk), identity)).toString(), 'a');
  assert.equal(Buffer.from(await decrypt(await encrypt('b', recipient), pair.privateJwk)).toString(), 'b');
  const signing = await generateKeyPair('Ed25519');
  assert.throws(() => recipientFromJwk(signing.publicJwk), { code: ErrorCodes.KEY_MISMATCH });
  await assert.rejects(
    identityFromJwk({ ...(pair.privateJwk as object), x: publicJwk.x.replace(/^./, 'A') } as never),
    KeyError,
  );
  await assert.rejects(recipientToJwk(await identityToRecipient(await generateHybridIdentity())), {
    code: ErrorCodes.KEY_MISMATCH,
  });
});

test('age Web streams: uneven pieces in, same bytes out, armor too', async () => {
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const plaintext = pattern(5 * CHUNK_SIZE + 123);
  for (const armor of [false, true]) {
    const file = await pipeThrough(
      new AgeEncryptStream(recipient, { armor }),
      plaintext,
      [1, 65_535, 3, 200_000, 7],
    );
    assert.deepEqual(await decrypt(file, identity), plaintext);
    const back = await pipeThrough(new AgeDecryptStream(identity), file, [5, 65_552, 1, 131_104, 99]);
    assert.deepEqual(new Uint8Array(back), plaintext);
  }
  const empty = await pipeThrough(new AgeEncryptStream(recipient), new Uint8Array(0), [1]);
  assert.deepEqual(
    new Uint8Array(await pipeThrough(new AgeDecryptStream(identity), empty, [1000])),
    new Uint8Array(0),
  );
});
