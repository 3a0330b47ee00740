/**
 * Key backup: what the server stores opens only with the password (and, in recovery mode, the code the
 * server never sees); the access key the client proves matches the server's verifier; parameters below
 * RFC 9106's memory-constrained choice, as a hostile server might offer on restore, are refused before the
 * password is used; every change to the blob, and a typo in the code, is caught.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/encoding/bytes.ts';
import {
  accessVerifier,
  deriveBackupKeys,
  newRecoveryCode,
  openBackup,
  parseBackupBlob,
  parseRecoveryCode,
  sealBackup,
} from '../../src/messaging/backup/backup.ts';

const secret = utf8('identity seed and device keys');

test('password only: opens with the password, the access key matches the verifier, a wrong password does not', async () => {
  const { blob, accessKey, verifier } = await sealBackup(secret, 'correct horse battery staple');
  assert.equal(accessVerifier(accessKey), verifier);
  // On a new device: the blob's parameters from the server, the same keys from the password.
  const stored = parseBackupBlob(JSON.parse(JSON.stringify(blob)));
  const keys = await deriveBackupKeys('correct horse battery staple', stored.kdf);
  assert.equal(accessVerifier(keys.accessKey), verifier);
  assert.deepEqual(await openBackup(stored, 'correct horse battery staple'), secret);
  await assert.rejects(openBackup(stored, 'correct horse battery stapler'), { code: 'ERR_WRONG_PASSWORD' });
  const wrong = await deriveBackupKeys('wrong', stored.kdf);
  assert.notEqual(accessVerifier(wrong.accessKey), verifier);
});

test('recovery mode: the password alone, or with another code, opens nothing', async () => {
  const recovery = newRecoveryCode();
  assert.match(recovery.code, /^([0-9A-Z]{5}-){10}[0-9A-Z]{5}$/);
  const { blob, verifier } = await sealBackup(secret, 'pw', { recovery: recovery.bytes });
  assert.equal(blob.recovery, true);
  await assert.rejects(openBackup(blob, 'pw'), { code: 'ERR_INVALID_ARGUMENT' });
  await assert.rejects(openBackup(blob, 'pw', newRecoveryCode().bytes), { code: 'ERR_WRONG_PASSWORD' });
  // What the server holds (the blob and the verifier) with the right password is still not enough.
  const serverGuess = await deriveBackupKeys('pw', blob.kdf);
  assert.notEqual(accessVerifier(serverGuess.accessKey), verifier);
  const typed = recovery.code.toLowerCase().replace(/-/g, ' ');
  assert.deepEqual(await openBackup(blob, 'pw', parseRecoveryCode(typed)), secret);
});

test('weak parameters from the server are refused before the password is used; changes are caught', async () => {
  const { blob } = await sealBackup(secret, 'pw');
  for (const kdf of [
    { ...blob.kdf, memoryKiB: 19456 },
    { ...blob.kdf, iterations: 1 },
    { name: 'scrypt', N: 2 ** 17, r: 8, p: 1, salt: blob.kdf.salt },
  ])
    assert.throws(
      () => parseBackupBlob({ ...blob, kdf }),
      (error: { code?: string }) => ['ERR_REFUSED', 'ERR_MALFORMED'].includes(error.code ?? ''),
    );
  await assert.rejects(deriveBackupKeys('pw', { ...blob.kdf, memoryKiB: 8192 }), { code: 'ERR_REFUSED' });
  assert.throws(() => parseBackupBlob({ ...blob, kdf: { ...blob.kdf, memoryKiB: 4 * 1024 * 1024 } }), {
    code: 'ERR_LIMIT_EXCEEDED',
  });
  const flipped = {
    ...blob,
    ciphertext: `${blob.ciphertext.slice(0, -2)}${blob.ciphertext.endsWith('AA') ? 'AQ' : 'AA'}`,
  };
  await assert.rejects(openBackup(flipped, 'pw'), { code: 'ERR_WRONG_PASSWORD' });
  const otherSalt = { ...blob, kdf: { ...blob.kdf, salt: 'AAAAAAAAAAAAAAAAAAAAAA' } };
  await assert.rejects(openBackup(otherSalt, 'pw'), { code: 'ERR_WRONG_PASSWORD' });
  assert.throws(() => parseBackupBlob({ ...blob, extra: 1 }), { code: 'ERR_MALFORMED' });
});

test('a typo in a recovery code is caught by its check', () => {
  const { code, bytes } = newRecoveryCode();
  assert.deepEqual(parseRecoveryCode(code), bytes);
  const i = 7;
  const typo = code.slice(0, i) + (code[i] === '0' ? '1' : '0') + code.slice(i + 1);
  assert.throws(() => parseRecoveryCode(typo), { code: 'ERR_INVALID_ARGUMENT' });
  assert.throws(() => parseRecoveryCode(code.slice(0, -5)), { code: 'ERR_INVALID_ARGUMENT' });
  assert.throws(() => parseRecoveryCode('not a code!'), { code: 'ERR_INVALID_ARGUMENT' });
});
