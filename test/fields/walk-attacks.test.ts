/**
 * Hostile and broken input: plaintext next to a ciphertext, tampered, truncated and swapped ciphertexts,
 * replays into another event, oversized trees, and schemas that cannot work. Every failure is a typed
 * error with a stable code, releases no plaintext, and the next call works.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { ErrorCodes, SealwireError } from 'sealwire/errors';
import { FieldEncryption, Keyring, SchemaError } from 'sealwire/fields';
import {
  BadAliasSchema,
  HolderOfBadSchema,
  NoCiphertextSchema,
  RepeatedCiphertextSchema,
  StringCiphertextSchema,
} from './gen/sealwire/test/bad/v1/bad_pb.ts';
import { TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';
import {
  type Holder,
  HolderSchema,
  OtherSecretSchema,
  SecretSchema,
  TwinSchema,
} from './gen/sealwire/test/v1/edge_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, flipBit, keysets, sampleTransaction } from './helpers.ts';

const keys = keysets('edge_key', 'other_key', ADDRESS_KEY, BANKING_KEY);
const fields = new FieldEncryption(new Keyring(keys));
// The same key material under both aliases: only the associated data tells the aliases apart.
const sharedKey = new FieldEncryption(new Keyring({ edge_key: keys.edge_key!, other_key: keys.edge_key! }));

function code(expected: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SealwireError, `expected a SealwireError, got ${String(error)}`);
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

async function sealedHolder(): Promise<Holder> {
  return fields.encrypt(
    HolderSchema,
    create(HolderSchema, { single: { note: 'secret', number: 1 }, twin: { note: 'twin', number: 2 } }),
  );
}

test('plaintext fields next to a ciphertext are rejected, on decrypt and on encrypt', async () => {
  const sealed = await sealedHolder();
  const forged = { ...sealed, single: { ...sealed.single!, note: 'injected' } };
  await assert.rejects(fields.decrypt(HolderSchema, forged), code(ErrorCodes.MALFORMED));
  await assert.rejects(fields.decryptPartially(HolderSchema, forged), code(ErrorCodes.MALFORMED));
  await assert.rejects(fields.encrypt(HolderSchema, forged), code(ErrorCodes.MALFORMED));
  // A service without the key rejects it too: it must not read 'injected' as if it had been encrypted.
  const keyless = new FieldEncryption(new Keyring());
  await assert.rejects(keyless.decryptPartially(HolderSchema, forged), code(ErrorCodes.MALFORMED));
  // An unknown field next to the ciphertext counts as plaintext.
  const withUnknown = {
    ...sealed,
    single: { ...sealed.single!, $unknown: [{ no: 99, wireType: 0, data: Uint8Array.of(1) }] },
  };
  await assert.rejects(fields.decrypt(HolderSchema, withUnknown), code(ErrorCodes.MALFORMED));
});

test('every flipped bit and every truncation of a ciphertext fails to decrypt', async () => {
  const sealed = await sealedHolder();
  const ciphertext = sealed.single!.ciphertext;
  for (let index = 0; index < ciphertext.length; index++) {
    const tampered = { ...sealed, single: { ...sealed.single!, ciphertext: flipBit(ciphertext, index) } };
    await assert.rejects(
      fields.decrypt(HolderSchema, tampered),
      code(ErrorCodes.DECRYPTION_FAILED),
      `byte ${index}`,
    );
  }
  for (const length of [1, 4, 5, 16, 32, ciphertext.length - 1]) {
    const truncated = {
      ...sealed,
      single: { ...sealed.single!, ciphertext: ciphertext.subarray(0, length) },
    };
    await assert.rejects(
      fields.decrypt(HolderSchema, truncated),
      code(ErrorCodes.DECRYPTION_FAILED),
      `length ${length}`,
    );
  }
  // The service keeps serving: the untouched message still decrypts.
  assert.equal((await fields.decrypt(HolderSchema, sealed)).single!.note, 'secret');
});

test('a ciphertext moved to another type (same alias, same fields) does not decrypt', async () => {
  const sealed = await sealedHolder();
  const swapped = {
    ...sealed,
    single: create(SecretSchema, { ciphertext: sealed.twin!.ciphertext }),
    twin: create(TwinSchema, { ciphertext: sealed.single!.ciphertext }),
  };
  await assert.rejects(fields.decrypt(HolderSchema, swapped), code(ErrorCodes.DECRYPTION_FAILED));
});

test('a ciphertext moved to another alias does not decrypt, even under the same key material', async () => {
  const twin = await sharedKey.encrypt(TwinSchema, create(TwinSchema, { note: 'n', number: 5 }));
  const moved = create(OtherSecretSchema, { ciphertext: twin.ciphertext });
  await assert.rejects(sharedKey.decrypt(OtherSecretSchema, moved), code(ErrorCodes.DECRYPTION_FAILED));
  assert.equal((await sharedKey.decrypt(TwinSchema, twin)).note, 'n');
});

test('a part replayed into another event (different context) does not decrypt', async () => {
  const first = await fields.encrypt(TransactionSchema, sampleTransaction(), { context: 'event-1' });
  assert.equal(
    (await fields.decrypt(TransactionSchema, first, { context: 'event-1' })).sender!.mailingAddress!.zip,
    '94103',
  );
  await assert.rejects(
    fields.decrypt(TransactionSchema, first, { context: 'event-2' }),
    code(ErrorCodes.DECRYPTION_FAILED),
  );
  await assert.rejects(fields.decrypt(TransactionSchema, first), code(ErrorCodes.DECRYPTION_FAILED));
  // Splicing event-1's address into event-2's message fails.
  const second = await fields.encrypt(TransactionSchema, sampleTransaction(), { context: 'event-2' });
  const spliced = { ...second, sender: { ...second.sender!, mailingAddress: first.sender!.mailingAddress } };
  await assert.rejects(
    fields.decrypt(TransactionSchema, spliced, { context: 'event-2' }),
    code(ErrorCodes.DECRYPTION_FAILED),
  );
});

test('a failure anywhere releases nothing: one bad part fails the whole call', async () => {
  const sealed = await fields.encrypt(TransactionSchema, sampleTransaction());
  const account = sealed.receiver!.linkedBankAccount!;
  const broken = {
    ...sealed,
    receiver: {
      ...sealed.receiver!,
      linkedBankAccount: { ...account, ciphertext: flipBit(account.ciphertext, 30) },
    },
  };
  await assert.rejects(fields.decrypt(TransactionSchema, broken), code(ErrorCodes.DECRYPTION_FAILED));
  await assert.rejects(
    fields.decryptPartially(TransactionSchema, broken),
    code(ErrorCodes.DECRYPTION_FAILED),
  );
});

test('junk in ciphertext_ and a ciphertext that decrypts to junk are typed errors', async () => {
  const junk = create(HolderSchema, { single: create(SecretSchema, { ciphertext: Uint8Array.of(1, 2, 3) }) });
  await assert.rejects(fields.decrypt(HolderSchema, junk), code(ErrorCodes.DECRYPTION_FAILED));
  // A valid ciphertext (right key, type and alias) of bytes that are not a Secret.
  const aead = new Keyring(keys).aead('edge_key')!;
  const { aadPrefix } = await import('../../src/fields/aad.ts');
  const aad = new Uint8Array([...aadPrefix('sealwire.test.v1.Secret', 'edge_key'), 0, 0, 0, 0]);
  const notASecret = await aead.encrypt(Uint8Array.of(0xff, 0xff, 0xff), aad);
  const bad = create(HolderSchema, { single: create(SecretSchema, { ciphertext: notASecret }) });
  await assert.rejects(fields.decrypt(HolderSchema, bad), code(ErrorCodes.MALFORMED));
  // A decrypted Secret that carries a ciphertext_ of its own is refused.
  const nested = await aead.encrypt(
    toBinary(SecretSchema, create(SecretSchema, { ciphertext: Uint8Array.of(9) })),
    aad,
  );
  const nestedHolder = create(HolderSchema, { single: create(SecretSchema, { ciphertext: nested }) });
  await assert.rejects(fields.decrypt(HolderSchema, nestedHolder), code(ErrorCodes.MALFORMED));
});

test('nesting depth and ciphertext count are capped', async () => {
  let deep = create(HolderSchema, { single: { note: 'bottom' } });
  for (let i = 0; i < 12; i++) deep = create(HolderSchema, { next: deep });
  const shallow = new FieldEncryption(new Keyring(keys), { maxDepth: 8 });
  await assert.rejects(shallow.encrypt(HolderSchema, deep), code(ErrorCodes.LIMIT_EXCEEDED));
  const sealedDeep = await fields.encrypt(HolderSchema, deep);
  await assert.rejects(shallow.decrypt(HolderSchema, sealedDeep), code(ErrorCodes.LIMIT_EXCEEDED));

  const many = create(HolderSchema, { list: Array.from({ length: 5 }, (_, i) => ({ note: `n${i}` })) });
  const few = new FieldEncryption(new Keyring(keys), { maxCiphertexts: 3 });
  await assert.rejects(few.encrypt(HolderSchema, many), code(ErrorCodes.LIMIT_EXCEEDED));
  await assert.rejects(
    few.decrypt(HolderSchema, await fields.encrypt(HolderSchema, many)),
    code(ErrorCodes.LIMIT_EXCEEDED),
  );
  assert.throws(() => new FieldEncryption(new Keyring(), { maxDepth: 0 }), code(ErrorCodes.INVALID_ARGUMENT));
});

test('a key_alias type without a usable ciphertext_ is rejected when the schema is first used', async () => {
  const cases = [
    [HolderOfBadSchema, /NoCiphertext has key_alias "edge_key" but no ciphertext_ field/],
    [NoCiphertextSchema, /no ciphertext_ field/],
    [StringCiphertextSchema, /must be a singular bytes field/],
    [RepeatedCiphertextSchema, /must be a singular bytes field/],
    [BadAliasSchema, /is not a valid alias/],
  ] as const;
  for (const [schema, pattern] of cases) {
    const checker = new FieldEncryption(new Keyring(keys));
    assert.throws(
      () => checker.check(schema),
      (error: unknown) => {
        assert.ok(error instanceof SchemaError);
        assert.equal(error.code, ErrorCodes.SCHEMA_INVALID);
        assert.match(error.message, pattern);
        return true;
      },
    );
    // The same error from the first encrypt or decrypt, before any message content is looked at.
    await assert.rejects(checker.encrypt(schema, create(schema)), code(ErrorCodes.SCHEMA_INVALID));
    await assert.rejects(
      new FieldEncryption(new Keyring()).decrypt(schema, create(schema)),
      code(ErrorCodes.SCHEMA_INVALID),
    );
  }
});

test('a message of another type than the schema is an argument error', async () => {
  await assert.rejects(
    fields.encrypt(HolderSchema, create(SecretSchema) as unknown as Holder),
    code(ErrorCodes.INVALID_ARGUMENT),
  );
});
