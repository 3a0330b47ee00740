/**
 * The seed example (Block's description of its proto encryption library): a Transaction between two Cash
 * App users whose addresses and bank accounts are encrypted under two different keys. A banking service
 * holding both keys reads everything; a web-UI service holding neither reads cash tags and amounts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ErrorCodes } from 'sealwire/errors';
import { FieldEncryption, KeyInaccessibleError, Keyring, keyAliasOf } from 'sealwire/fields';
import { AddressSchema, BankAccountSchema, TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, keysets, sampleTransaction } from './helpers.ts';

const all = keysets(ADDRESS_KEY, BANKING_KEY);
const producer = new FieldEncryption(new Keyring(all));
const banking = new FieldEncryption(new Keyring(all));
const webUi = new FieldEncryption(new Keyring());

test('the key_alias option is read from the generated descriptors', () => {
  assert.equal(keyAliasOf(AddressSchema), ADDRESS_KEY);
  assert.equal(keyAliasOf(BankAccountSchema), BANKING_KEY);
  assert.equal(keyAliasOf(TransactionSchema), undefined);
});

test('encrypt seals the four parts and leaves the rest in the clear', async () => {
  const tx = sampleTransaction();
  const sealed = await producer.encrypt(TransactionSchema, tx);
  for (const user of [sealed.sender!, sealed.receiver!]) {
    assert.equal(user.mailingAddress!.street, '');
    assert.equal(user.mailingAddress!.ciphertext.length > 0, true);
    assert.equal(user.linkedBankAccount!.accountNumber, '');
    assert.equal(user.linkedBankAccount!.ciphertext.length > 0, true);
  }
  assert.equal(sealed.sender!.cashTag, '$alice');
  assert.equal(sealed.receiver!.cashTag, '$bob');
  assert.equal(sealed.amount!.units, 42n);
  // The wire bytes do not contain the secrets.
  const wire = Buffer.from(toBinary(TransactionSchema, sealed));
  for (const secret of ['1455 Market St', '4400123456', 'Seattle', '0099887766', 'Bob B.']) {
    assert.equal(wire.includes(secret), false, `${secret} leaked`);
  }
  // The input is untouched.
  assert.ok(equals(TransactionSchema, tx, sampleTransaction()));
});

test('the banking service, holding both keys, reads everything', async () => {
  const wire = toBinary(TransactionSchema, await producer.encrypt(TransactionSchema, sampleTransaction()));
  const received = fromBinary(TransactionSchema, wire);
  const opened = await banking.decrypt(TransactionSchema, received);
  assert.ok(equals(TransactionSchema, opened, sampleTransaction()));
  const partial = await banking.decryptPartially(TransactionSchema, received);
  assert.deepEqual(partial.missing, []);
  assert.ok(equals(TransactionSchema, partial.message, sampleTransaction()));
});

test('the web-UI service, holding no key, reads cash tags and amounts and learns what it misses', async () => {
  const sealed = fromBinary(
    TransactionSchema,
    toBinary(TransactionSchema, await producer.encrypt(TransactionSchema, sampleTransaction())),
  );
  const { message, missing } = await webUi.decryptPartially(TransactionSchema, sealed);
  assert.deepEqual(missing, [BANKING_KEY, ADDRESS_KEY]);
  assert.equal(message.sender!.cashTag, '$alice');
  assert.equal(message.receiver!.cashTag, '$bob');
  assert.equal(message.amount!.currencyCode, 'USD');
  assert.equal(message.sender!.mailingAddress!.street, '');
  assert.ok(message.sender!.mailingAddress!.ciphertext.length > 0);

  // decrypt with both aliases ignored succeeds and leaves those parts encrypted ...
  const ignored = await webUi.decrypt(TransactionSchema, sealed, { ignore: [ADDRESS_KEY, BANKING_KEY] });
  assert.ok(equals(TransactionSchema, ignored, sealed));
  // ... without `ignore` it throws, naming the alias.
  await assert.rejects(webUi.decrypt(TransactionSchema, sealed), (error: unknown) => {
    assert.ok(error instanceof KeyInaccessibleError);
    assert.equal(error.code, ErrorCodes.KEY_INACCESSIBLE);
    assert.match(error.message, /us_address_aead_key|cashapp_banking_key/);
    return true;
  });
  // Ignoring only one of the two missing aliases is not enough.
  await assert.rejects(
    webUi.decrypt(TransactionSchema, sealed, { ignore: [ADDRESS_KEY] }),
    (error: unknown) => {
      assert.ok(error instanceof KeyInaccessibleError);
      assert.equal(error.alias, BANKING_KEY);
      return true;
    },
  );
});

test('a support service with the address key only reads addresses, not bank accounts', async () => {
  const support = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: all[ADDRESS_KEY]! }));
  const sealed = await producer.encrypt(TransactionSchema, sampleTransaction());
  const { message, missing } = await support.decryptPartially(TransactionSchema, sealed);
  assert.deepEqual(missing, [BANKING_KEY]);
  assert.equal(message.sender!.mailingAddress!.street, '1455 Market St');
  assert.equal(message.receiver!.linkedBankAccount!.accountNumber, '');
  const ignored = await support.decrypt(TransactionSchema, sealed, { ignore: [BANKING_KEY] });
  assert.equal(ignored.receiver!.mailingAddress!.city, 'Seattle');
  assert.ok(ignored.receiver!.linkedBankAccount!.ciphertext.length > 0);
});

test('a producer without a key cannot encrypt that part, and says which alias', async () => {
  const partialProducer = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: all[ADDRESS_KEY]! }));
  await assert.rejects(partialProducer.encrypt(TransactionSchema, sampleTransaction()), (error: unknown) => {
    assert.ok(error instanceof KeyInaccessibleError);
    assert.equal(error.alias, BANKING_KEY);
    assert.equal(error.code, 'ERR_KEY_INACCESSIBLE');
    return true;
  });
});
