/**
 * Field encryption on both runtimes: this file runs on node:crypto, then runs itself again in a child
 * process under `--conditions=sealwire-web` (WebCrypto, the browser path). Known-answer Tink ciphertexts
 * must come out byte for byte the same on both, and whole messages must round-trip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { equals, toBinary } from '@bufbuild/protobuf';
import { FieldEncryption, Keyring, parseKeysetJson } from 'sealwire/fields';
import { runtime } from '#runtime';
import { encryptWithIvForTesting, TinkAead } from '../../../src/fields/tink/aead.ts';
import { validateKeyset } from '../../../src/fields/tink/keyset.ts';
import { TransactionSchema } from '../gen/sealwire/test/v1/bank_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, keysets, sampleTransaction } from '../helpers.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const web = process.execArgv.some((arg) => arg.includes('sealwire-web'));

// Wycheproof aes_gcm_test.json tcId 1 (AES-128) under a TINK key with id 0x11223344, as in Tink's tests.
const KEYSET = `{"primaryKeyId":287454020,"key":[{"keyData":{"typeUrl":"type.googleapis.com/google.crypto.tink.AesGcmKey","value":"GhBblgT+FOrbqTGwzPNIQ9q5","keyMaterialType":"SYMMETRIC"},"status":"ENABLED","keyId":287454020,"outputPrefixType":"TINK"}]}`;
const IV = Buffer.from('028318abc1824029138141a2', 'hex');
const MESSAGE = Buffer.from('001d0c231287c1182784554ca3a21908', 'hex');
const CIPHERTEXT =
  '0111223344028318abc1824029138141a226073cc1d851beff176384dc9896d5ff0a3ea7a5487cb5f7d70fb6c58d038554';

test(`runtime under test is ${web ? 'WebCrypto' : 'node:crypto'}`, () => {
  assert.equal(runtime.name, web ? 'web' : 'node');
});

test('known-answer Tink AES-GCM ciphertext, encrypt and decrypt', async () => {
  const keyset = validateKeyset(parseKeysetJson(KEYSET));
  assert.equal(hex(await encryptWithIvForTesting(keyset, IV, MESSAGE, new Uint8Array(0))), CIPHERTEXT);
  const aead = new TinkAead(keyset, 'kat');
  assert.equal(hex(await aead.decrypt(Buffer.from(CIPHERTEXT, 'hex'), new Uint8Array(0))), hex(MESSAGE));
  await assert.rejects(aead.decrypt(Buffer.from(CIPHERTEXT.replace(/4$/, '5'), 'hex'), new Uint8Array(0)));
});

test('the seed Transaction round-trips and partial decryption works', async () => {
  const keys = keysets(ADDRESS_KEY, BANKING_KEY);
  const fields = new FieldEncryption(new Keyring(keys));
  const sealed = await fields.encrypt(TransactionSchema, sampleTransaction(), { context: 'evt' });
  assert.equal(Buffer.from(toBinary(TransactionSchema, sealed)).includes('4400123456'), false);
  assert.ok(
    equals(
      TransactionSchema,
      await fields.decrypt(TransactionSchema, sealed, { context: 'evt' }),
      sampleTransaction(),
    ),
  );
  const partial = await new FieldEncryption(
    new Keyring({ [BANKING_KEY]: keys[BANKING_KEY]! }),
  ).decryptPartially(TransactionSchema, sealed, { context: 'evt' });
  assert.deepEqual(partial.missing, [ADDRESS_KEY]);
  assert.equal(partial.message.sender!.linkedBankAccount!.accountNumber, '4400123456');
});

if (!web) {
  test('the same tests pass on the WebCrypto runtime (child process, --conditions=sealwire-web)', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--conditions=sealwire-source',
        '--conditions=sealwire-web',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        fileURLToPath(import.meta.url),
      ],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 120_000,
        // Without this the child test runner would report to this one over its own protocol.
        env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT')),
      },
    );
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, /runtime under test is WebCrypto/);
    assert.match(child.stdout, /pass 3/);
  });
}
