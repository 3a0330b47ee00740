/**
 * Keyset life cycle and validation: rotation (a new primary encrypts, enabled old keys still decrypt),
 * disabled keys refuse with a clear error, and keysets outside the allow-list or with broken structure are
 * rejected before any use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clone, create, toBinary } from '@bufbuild/protobuf';
import { ErrorCodes, SealwireError } from 'sealwire/errors';
import {
  disableKey,
  enableKey,
  FieldEncryption,
  generateKeyset,
  KeyDisabledError,
  Keyring,
  KeyStatusType,
  KeysetSchema,
  keysetToJson,
  parseKeysetJson,
  rotateKeyset,
} from 'sealwire/fields';
import { AesGcmKeySchema } from '../../src/fields/gen/google/crypto/tink/keyset_pb.ts';
import { AES_GCM_TYPE_URL, validateKeyset } from '../../src/fields/tink/keyset.ts';
import { AddressSchema, TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, sampleTransaction } from './helpers.ts';

function code(expected: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SealwireError, String(error));
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

function keyIdOf(ciphertext: Uint8Array): number {
  assert.equal(ciphertext[0], 0x01, 'TINK prefix');
  return new DataView(ciphertext.buffer, ciphertext.byteOffset).getUint32(1, false);
}

test('rotation: the new primary encrypts, data under the old key still decrypts', async () => {
  const v1 = generateKeyset();
  const banking = generateKeyset();
  const before = await new FieldEncryption(
    new Keyring({ [ADDRESS_KEY]: v1, [BANKING_KEY]: banking }),
  ).encrypt(TransactionSchema, sampleTransaction());
  const v2 = rotateKeyset(v1);
  assert.equal(v2.key.length, 2);
  assert.notEqual(v2.primaryKeyId, v1.primaryKeyId);
  assert.equal(v1.key.length, 1, 'rotateKeyset does not modify its argument');
  const rotated = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: v2, [BANKING_KEY]: banking }));
  const after = await rotated.encrypt(TransactionSchema, sampleTransaction());
  assert.equal(keyIdOf(before.sender!.mailingAddress!.ciphertext), v1.primaryKeyId);
  assert.equal(keyIdOf(after.sender!.mailingAddress!.ciphertext), v2.primaryKeyId);
  assert.equal((await rotated.decrypt(TransactionSchema, before)).sender!.mailingAddress!.zip, '94103');
  assert.equal((await rotated.decrypt(TransactionSchema, after)).sender!.mailingAddress!.zip, '94103');
  // A service still on the old keyset cannot read data under the new key: deploy keysets before rotating
  // producers.
  const stale = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: v1, [BANKING_KEY]: banking }));
  await assert.rejects(stale.decrypt(TransactionSchema, after), code(ErrorCodes.DECRYPTION_FAILED));
});

test('disabled keys refuse with ERR_KEY_DISABLED naming alias and key; enabling restores them', async () => {
  const v1 = generateKeyset();
  const old = await new FieldEncryption(new Keyring({ [ADDRESS_KEY]: v1 })).encrypt(
    AddressSchema,
    create(AddressSchema, { street: 'old street' }),
  );
  const v2 = rotateKeyset(v1);
  const v2disabled = disableKey(v2, v1.primaryKeyId);
  assert.equal(v2disabled.key.find((key) => key.keyId === v1.primaryKeyId)!.status, KeyStatusType.DISABLED);
  const fields = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: v2disabled }));
  for (const call of [
    () => fields.decrypt(AddressSchema, old),
    () => fields.decryptPartially(AddressSchema, old),
  ]) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof KeyDisabledError);
      assert.equal(error.code, ErrorCodes.KEY_DISABLED);
      assert.equal(error.alias, ADDRESS_KEY);
      assert.equal(error.keyId, v1.primaryKeyId);
      assert.match(error.message, /disabled/);
      return true;
    });
  }
  // New data still flows under the primary.
  const fresh = await fields.encrypt(AddressSchema, create(AddressSchema, { street: 'new street' }));
  assert.equal((await fields.decrypt(AddressSchema, fresh)).street, 'new street');
  const reenabled = new FieldEncryption(
    new Keyring({ [ADDRESS_KEY]: enableKey(v2disabled, v1.primaryKeyId) }),
  );
  assert.equal((await reenabled.decrypt(AddressSchema, old)).street, 'old street');
  // A destroyed key (material gone) refuses the same way.
  const destroyed = clone(KeysetSchema, v2disabled);
  const gone = destroyed.key.find((key) => key.keyId === v1.primaryKeyId)!;
  gone.status = KeyStatusType.DESTROYED;
  gone.keyData = undefined;
  await assert.rejects(
    new FieldEncryption(new Keyring({ [ADDRESS_KEY]: destroyed })).decrypt(AddressSchema, old),
    code(ErrorCodes.KEY_DISABLED),
  );
});

test('the primary cannot be disabled; unknown key ids are argument errors', () => {
  const keyset = generateKeyset();
  assert.throws(() => disableKey(keyset, keyset.primaryKeyId), /primary: rotate first/);
  assert.throws(() => disableKey(keyset, keyset.primaryKeyId + 1), code(ErrorCodes.INVALID_ARGUMENT));
});

test('AES-128 keysets work; the key ids are random, non-zero and 31-bit', async () => {
  let keyset = generateKeyset(16);
  for (let i = 0; i < 20; i++) keyset = rotateKeyset(keyset, i % 2 === 0 ? 16 : 32);
  const ids = keyset.key.map((key) => key.keyId);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.ok(id > 0 && id < 2 ** 31);
  const validated = validateKeyset(keyset);
  assert.equal(validated.keys[0]!.keyValue!.length, 16);
  const fields = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: generateKeyset(16) }));
  const sealed = await fields.encrypt(AddressSchema, create(AddressSchema, { city: 'x' }));
  assert.equal((await fields.decrypt(AddressSchema, sealed)).city, 'x');
});

function keyWith(typeUrl: string, keyValue: Uint8Array, version = 0) {
  return {
    keyData: {
      typeUrl,
      value: toBinary(AesGcmKeySchema, create(AesGcmKeySchema, { version, keyValue })),
      keyMaterialType: 1,
    },
    status: KeyStatusType.ENABLED,
    keyId: 5,
    outputPrefixType: 1,
  };
}

test('keysets outside the allow-list or with broken structure are rejected', () => {
  const ok = new Uint8Array(32).fill(7);
  const cases: [string, () => unknown, string][] = [
    ['empty keyset', () => validateKeyset(create(KeysetSchema)), ErrorCodes.KEY_INVALID],
    [
      'another key type',
      () =>
        validateKeyset(
          create(KeysetSchema, {
            primaryKeyId: 5,
            key: [keyWith('type.googleapis.com/google.crypto.tink.AesGcmSivKey', ok)],
          }),
        ),
      ErrorCodes.ALG_NOT_ALLOWED,
    ],
    [
      'AES-192',
      () =>
        validateKeyset(
          create(KeysetSchema, { primaryKeyId: 5, key: [keyWith(AES_GCM_TYPE_URL, ok.subarray(0, 24))] }),
        ),
      ErrorCodes.KEY_INVALID,
    ],
    [
      'key version 1',
      () =>
        validateKeyset(create(KeysetSchema, { primaryKeyId: 5, key: [keyWith(AES_GCM_TYPE_URL, ok, 1)] })),
      ErrorCodes.KEY_INVALID,
    ],
    [
      'duplicate key id',
      () =>
        validateKeyset(
          create(KeysetSchema, {
            primaryKeyId: 5,
            key: [keyWith(AES_GCM_TYPE_URL, ok), keyWith(AES_GCM_TYPE_URL, ok)],
          }),
        ),
      ErrorCodes.KEY_INVALID,
    ],
    [
      'primary not in keyset',
      () => validateKeyset(create(KeysetSchema, { primaryKeyId: 6, key: [keyWith(AES_GCM_TYPE_URL, ok)] })),
      ErrorCodes.KEY_INVALID,
    ],
    [
      'primary disabled',
      () =>
        validateKeyset(
          create(KeysetSchema, {
            primaryKeyId: 5,
            key: [{ ...keyWith(AES_GCM_TYPE_URL, ok), status: KeyStatusType.DISABLED }],
          }),
        ),
      ErrorCodes.KEY_INVALID,
    ],
    [
      'key data not an AesGcmKey',
      () =>
        validateKeyset(
          create(KeysetSchema, {
            primaryKeyId: 5,
            key: [
              {
                ...keyWith(AES_GCM_TYPE_URL, ok),
                keyData: { typeUrl: AES_GCM_TYPE_URL, value: Uint8Array.of(0xff) },
              },
            ],
          }),
        ),
      ErrorCodes.MALFORMED,
    ],
    ['not JSON', () => parseKeysetJson('{not json'), ErrorCodes.MALFORMED],
    ['unknown JSON field', () => parseKeysetJson('{"primaryKeyId":1,"keys":[]}'), ErrorCodes.MALFORMED],
    ['oversized file', () => parseKeysetJson(`{"x":"${'a'.repeat(1 << 20)}"}`), ErrorCodes.LIMIT_EXCEEDED],
    [
      'too many keys',
      () =>
        parseKeysetJson(JSON.stringify({ primaryKeyId: 1, key: Array.from({ length: 1001 }, () => ({})) })),
      ErrorCodes.LIMIT_EXCEEDED,
    ],
  ];
  for (const [name, run, expected] of cases) assert.throws(run, code(expected), name);
  // A Keyring validates at construction, naming the alias.
  assert.throws(() => new Keyring({ [ADDRESS_KEY]: create(KeysetSchema) }), /us_address_aead_key/);
  assert.throws(() => new Keyring({ '../evil': generateKeyset() }), code(ErrorCodes.INVALID_ARGUMENT));
});

test('a keyset survives its JSON form', async () => {
  const keyset = rotateKeyset(generateKeyset());
  const fields = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: keyset }));
  const sealed = await fields.encrypt(AddressSchema, create(AddressSchema, { state: 'NY' }));
  const reloaded = new FieldEncryption(new Keyring({ [ADDRESS_KEY]: parseKeysetJson(keysetToJson(keyset)) }));
  assert.equal((await reloaded.decrypt(AddressSchema, sealed)).state, 'NY');
});
