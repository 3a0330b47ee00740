/**
 * Interop with typage (npm `age-encryption`, the TypeScript age by age's author), both directions. Debian's
 * age 1.1.1 predates the post-quantum hybrid recipients (mlkem768x25519), so typage is their live peer;
 * X25519, passphrases and armor are exercised too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  armor,
  Decrypter,
  Encrypter,
  generateHybridIdentity as typageHybridIdentity,
  identityToRecipient as typageRecipient,
  generateX25519Identity as typageX25519Identity,
} from 'age-encryption';
import {
  AgeDecryptStream,
  AgeEncryptStream,
  decrypt,
  encrypt,
  generateHybridIdentity,
  generateIdentity,
  identityToRecipient,
} from 'sealwire/seal/age';

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const SIZES = [0, 1, 65_536, 65_537, 3 * 65_536];

test('hybrid ML-KEM-768 + X25519: keys derive identically', async () => {
  for (let i = 0; i < 3; i++) {
    const fromTypage = await typageHybridIdentity();
    assert.equal(await identityToRecipient(fromTypage), await typageRecipient(fromTypage));
    const fromSealwire = await generateHybridIdentity();
    assert.equal(await typageRecipient(fromSealwire), await identityToRecipient(fromSealwire));
  }
});

test('hybrid: typage -> sealwire and sealwire -> typage, every size', async () => {
  const ours = await generateHybridIdentity();
  const theirs = await typageHybridIdentity();
  for (const size of SIZES) {
    const plaintext = pattern(size, size + 1);
    const encrypter = new Encrypter();
    encrypter.addRecipient(await identityToRecipient(ours));
    const byTypage = await encrypter.encrypt(plaintext);
    assert.match(Buffer.from(byTypage).toString('latin1'), /\n-> mlkem768x25519 /);
    assert.deepEqual(await decrypt(byTypage, ours), plaintext, `typage -> sealwire, ${size}`);

    const bySealwire = await encrypt(plaintext, [
      await typageRecipient(theirs),
      await identityToRecipient(ours),
    ]);
    const decrypter = new Decrypter();
    decrypter.addIdentity(theirs);
    assert.deepEqual(await decrypter.decrypt(bySealwire), plaintext, `sealwire -> typage, ${size}`);
  }
});

test('hybrid through streams on both sides, armored', async () => {
  const ours = await generateHybridIdentity();
  const theirs = await typageHybridIdentity();
  const plaintext = pattern(400_000, 77);
  // Sealwire Web stream -> typage.
  const encrypted = new Uint8Array(
    await new Response(
      new Blob([plaintext as BlobPart])
        .stream()
        .pipeThrough(new AgeEncryptStream(await typageRecipient(theirs), { armor: true })),
    ).arrayBuffer(),
  );
  const decrypter = new Decrypter();
  decrypter.addIdentity(theirs);
  assert.deepEqual(await decrypter.decrypt(armor.decode(new TextDecoder().decode(encrypted))), plaintext);
  // typage stream -> Sealwire Web stream.
  const encrypter = new Encrypter();
  encrypter.addRecipient(await identityToRecipient(ours));
  const stream = await encrypter.encrypt(new Blob([plaintext as BlobPart]).stream());
  const back = new Uint8Array(
    await new Response(stream.pipeThrough(new AgeDecryptStream(ours))).arrayBuffer(),
  );
  assert.deepEqual(back, plaintext);
});

test('X25519 and passphrases, both directions', async () => {
  const ours = await generateIdentity();
  const theirs = await typageX25519Identity();
  assert.equal(await identityToRecipient(theirs), await typageRecipient(theirs));
  const plaintext = pattern(100_000, 5);
  const encrypter = new Encrypter();
  encrypter.addRecipient(await identityToRecipient(ours));
  encrypter.addRecipient(await typageRecipient(theirs));
  const byTypage = await encrypter.encrypt(plaintext);
  assert.deepEqual(await decrypt(byTypage, ours), plaintext);
  assert.deepEqual(await decrypt(armor.encode(byTypage), ours), plaintext, 'typage armor');
  const decrypter = new Decrypter();
  decrypter.addIdentity(theirs);
  assert.deepEqual(
    await decrypter.decrypt(await encrypt(plaintext, await typageRecipient(theirs))),
    plaintext,
  );
  const armored = await encrypt(plaintext, await typageRecipient(theirs), { armor: true });
  assert.deepEqual(
    await decrypter.decrypt(armor.decode(new TextDecoder().decode(armored))),
    plaintext,
    'Sealwire armor',
  );

  const withPassphrase = new Encrypter();
  withPassphrase.setPassphrase('swordfish');
  withPassphrase.setScryptWorkFactor(12);
  assert.deepEqual(
    await decrypt(await withPassphrase.encrypt(plaintext), { passphrase: 'swordfish' }),
    plaintext,
  );
  const passDecrypter = new Decrypter();
  passDecrypter.addPassphrase('swordfish');
  assert.deepEqual(
    await passDecrypter.decrypt(await encrypt(plaintext, { passphrase: 'swordfish', workFactor: 12 })),
    plaintext,
  );
});
