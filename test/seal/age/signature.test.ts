/**
 * Sender signatures: age lets any recipient forge a file for the others; with `from`, Sealwire requires a
 * detached Ed25519 signature by an expected sender over the file, checked before decryption (buffers) or
 * at the end of the stream (streams), and anyone holding the file can check it without the key to read it.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { ErrorCodes, MalformedError, VerificationError } from 'sealwire/errors';
import { generateKeyPair } from 'sealwire/keys';
import {
  AgeDecryptStream,
  AgeEncryptStream,
  decrypt,
  encrypt,
  encryptAndSign,
  generateIdentity,
  identityToRecipient,
  parseSignature,
  SIGNATURE_CONTEXT,
  signFile,
  verifyFileSignature,
} from 'sealwire/seal/age';
import { createDecryptStream, createEncryptStream } from 'sealwire/seal/age/node';

const alice = await generateKeyPair('Ed25519');
const mallory = await generateKeyPair('Ed25519');
const bob = await generateIdentity();
const carol = await generateIdentity();
const recipients = [await identityToRecipient(bob), await identityToRecipient(carol)];

test('encryptAndSign, then decrypt with from: verified before decryption', async () => {
  const { file, signature } = await encryptAndSign('quarterly numbers', recipients, alice.privateJwk);
  assert.match(
    signature,
    new RegExp(
      `^${SIGNATURE_CONTEXT.replaceAll('.', '\\.')} ed25519 [A-Za-z0-9_-]{43} [A-Za-z0-9_-]{86}\\n$`,
    ),
  );
  assert.equal(parseSignature(signature).signer.x, (alice.publicJwk as { x: string }).x);
  const plain = await decrypt(file, carol, { from: [mallory.publicJwk, alice.publicJwk], signature });
  assert.equal(Buffer.from(plain).toString(), 'quarterly numbers');
  // A relay holding no age key can check who sent the file.
  assert.equal(await verifyFileSignature(file, signature, [alice.publicJwk]), alice.publicJwk);
  assert.equal(signature, await signFile(file, alice.privateJwk), 'Ed25519 is deterministic');
});

test('a co-recipient cannot forge a file in the sender name', async () => {
  const { file, signature } = await encryptAndSign('pay 10 to carol', recipients, alice.privateJwk);
  // Bob can read the file, so he can make a new one for Carol with any content; age alone cannot tell.
  const forged = await encrypt('pay 1000 to bob', recipients[1]!);
  assert.equal(Buffer.from(await decrypt(forged, carol)).toString(), 'pay 1000 to bob');
  // With Alice named as the expected sender, neither her old signature nor a missing one passes.
  await assert.rejects(decrypt(forged, carol, { from: [alice.publicJwk], signature }), (error: unknown) => {
    assert.ok(error instanceof VerificationError);
    assert.equal(error.code, ErrorCodes.SIGNATURE_INVALID);
    return true;
  });
  await assert.rejects(decrypt(forged, carol, { from: [alice.publicJwk] }), {
    code: ErrorCodes.SIGNATURE_MISSING,
  });
  // Bob signing it himself does not make him Alice.
  const bobSigned = await signFile(forged, mallory.privateJwk);
  await assert.rejects(decrypt(forged, carol, { from: [alice.publicJwk], signature: bobSigned }), {
    code: ErrorCodes.SIGNATURE_INVALID,
  });
  assert.equal(
    Buffer.from(await decrypt(file, carol, { from: [alice.publicJwk], signature })).toString(),
    'pay 10 to carol',
  );
});

test('any modified byte breaks the signature; armoring does not change it', async () => {
  const { file, signature } = await encryptAndSign('x'.repeat(100_000), recipients, alice.privateJwk, {
    armor: true,
  });
  assert.ok(Buffer.from(file).toString('latin1').startsWith('-----BEGIN AGE'));
  assert.equal(await verifyFileSignature(file, signature, [alice.publicJwk]), alice.publicJwk);
  const binary = await encryptAndSign('y', recipients, alice.privateJwk);
  const bad = binary.file.slice();
  bad[bad.length - 1]! ^= 1;
  await assert.rejects(verifyFileSignature(bad, binary.signature, [alice.publicJwk]), {
    code: ErrorCodes.SIGNATURE_INVALID,
  });
  await assert.rejects(decrypt(bad, bob, { from: [alice.publicJwk], signature: binary.signature }), {
    code: ErrorCodes.SIGNATURE_INVALID,
  });
});

test('streams: signature produced at the end, verified at the end', async () => {
  const data = Buffer.alloc(300_000, 9);
  const encryptor = createEncryptStream(recipients, { sign: alice.privateJwk });
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    encryptor,
    new Writable({
      write(chunk, _encoding, callback) {
        parts.push(chunk);
        callback();
      },
    }),
  );
  const file = Buffer.concat(parts);
  const signature = (await encryptor.signature)!;
  assert.equal(await verifyFileSignature(file, signature, [alice.publicJwk]), alice.publicJwk);

  const out: Buffer[] = [];
  await pipeline(
    Readable.from([file]),
    createDecryptStream(bob, { from: [alice.publicJwk], signature }),
    new Writable({
      write(chunk, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  assert.deepEqual(Buffer.concat(out), data);

  const tampered = Buffer.from(file);
  tampered[tampered.length - 1]! ^= 1;
  await assert.rejects(
    pipeline(
      Readable.from([tampered]),
      createDecryptStream(bob, { from: [alice.publicJwk], signature }),
      new Writable({
        write(_chunk, _encoding, callback) {
          callback();
        },
      }),
    ),
    { code: ErrorCodes.DECRYPTION_FAILED },
  );
  // Web streams expose the signature the same way.
  const web = new AgeEncryptStream(recipients, { sign: alice.privateJwk });
  const bytes = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(web)).arrayBuffer());
  const webSignature = (await web.signature)!;
  const back = new Uint8Array(
    await new Response(
      new Blob([bytes])
        .stream()
        .pipeThrough(new AgeDecryptStream(carol, { from: [alice.publicJwk], signature: webSignature })),
    ).arrayBuffer(),
  );
  assert.deepEqual(Buffer.from(back), data);
  // Valid chunks, corrupted signature: the stream errors at its end.
  await assert.rejects(
    new Response(
      new Blob([bytes]).stream().pipeThrough(
        new AgeDecryptStream(carol, {
          from: [alice.publicJwk, mallory.publicJwk],
          signature: webSignature.replace(/.{10}\n$/, 'AAAAAAAAAA\n'),
        }),
      ),
    ).arrayBuffer(),
    { code: ErrorCodes.SIGNATURE_INVALID },
  );
});

test('signature misuse: typed errors before any decryption', async () => {
  const { file, signature } = await encryptAndSign('z', recipients, alice.privateJwk);
  const x25519 = await generateKeyPair('X25519');
  await assert.rejects(encryptAndSign('z', recipients, x25519.privateJwk), { code: ErrorCodes.KEY_MISMATCH });
  await assert.rejects(encryptAndSign('z', recipients, alice.publicJwk as never), {
    code: ErrorCodes.KEY_INVALID,
  });
  await assert.rejects(createEncryptStream(recipients, { sign: x25519.privateJwk }).signature, {
    code: ErrorCodes.KEY_MISMATCH,
  });
  await assert.rejects(decrypt(file, bob, { signature }), { code: ErrorCodes.INVALID_ARGUMENT });
  await assert.rejects(decrypt(file, bob, { from: [x25519.publicJwk], signature }), {
    code: ErrorCodes.KEY_MISMATCH,
  });
  assert.throws(() => parseSignature('sealwire.dev/age-sig/v1 ed25519 abc def'), MalformedError);
  assert.throws(() => parseSignature(`${signature.trim()} extra`), MalformedError);
  // Unexpected signer is refused by the stream constructor, before reading a byte.
  assert.throws(() => new AgeDecryptStream(bob, { from: [mallory.publicJwk], signature }), {
    code: ErrorCodes.SIGNATURE_INVALID,
  });
  assert.throws(() => new AgeDecryptStream(bob, { from: [alice.publicJwk] }), {
    code: ErrorCodes.SIGNATURE_MISSING,
  });
});
