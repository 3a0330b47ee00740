/**
 * The walk over every shape a protobuf message can take: nested parts (under the same and other keys),
 * repeated fields, maps, oneofs, recursion, ciphertext_ as an extension, unknown fields, empty messages,
 * and encrypting twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clone,
  create,
  equals,
  fromBinary,
  getExtension,
  hasExtension,
  isFieldSet,
  type MessageInitShape,
  toBinary,
} from '@bufbuild/protobuf';
import { FieldEncryption, Keyring } from 'sealwire/fields';
import { ciphertext_, ExtHolderSchema, ExtSecretSchema } from './gen/sealwire/test/v1/edge_ext_pb.ts';
import {
  EmptySchema,
  type Holder,
  HolderSchema,
  OtherSecretSchema,
  type Secret,
  SecretSchema,
} from './gen/sealwire/test/v1/edge_pb.ts';
import { keysets } from './helpers.ts';

const keys = keysets('edge_key', 'other_key');
const both = new FieldEncryption(new Keyring(keys));
const edgeOnly = new FieldEncryption(new Keyring({ edge_key: keys.edge_key! }));
const otherOnly = new FieldEncryption(new Keyring({ other_key: keys.other_key! }));

function secret(note: string, extra: MessageInitShape<typeof SecretSchema> = {}): Secret {
  return create(SecretSchema, {
    note,
    number: note.length,
    tags: [note, 'x'],
    attributes: { k: note },
    ...extra,
  });
}

function richHolder(): Holder {
  return create(HolderSchema, {
    name: 'root',
    single: secret('single', {
      inner: secret('inner', { inner: secret('innermost') }),
      deep: { label: 'deep', other: { note: 'other-in-secret', number: 7 } },
    }),
    list: [secret('a'), secret('b'), secret('a')],
    byName: { alice: secret('alice'), ['__proto__']: secret('proto-key'), '': secret('empty-key') },
    byId: { 1: { note: 'one' }, 2: { note: 'two' } },
    choice: { case: 'chosen', value: secret('chosen') },
    next: { name: 'level1', next: { name: 'level2', single: secret('deep-recursion') } },
    children: [{ name: 'child', list: [secret('child-item')] }],
    clear: { text: 'stays', values: [1, 2, 3] },
    twin: { note: 'twin' },
  });
}

function wire(message: Holder): Holder {
  return fromBinary(HolderSchema, toBinary(HolderSchema, message));
}

test('nested, repeated, map, oneof and recursive parts all round-trip through the wire', async () => {
  const original = richHolder();
  const sealed = wire(await both.encrypt(HolderSchema, original));
  const bytes = Buffer.from(toBinary(HolderSchema, sealed));
  for (const secretText of [
    'innermost',
    'other-in-secret',
    'proto-key',
    'child-item',
    'deep-recursion',
    'chosen',
  ]) {
    assert.equal(bytes.includes(secretText), false, `${secretText} leaked`);
  }
  // Clear parts stay readable without any key.
  assert.equal(sealed.name, 'root');
  assert.equal(sealed.next!.next!.name, 'level2');
  assert.deepEqual(sealed.clear!.values, [1, 2, 3]);
  assert.deepEqual(Object.keys(sealed.byName).sort(), ['', '__proto__', 'alice']);
  assert.equal(sealed.choice.case, 'chosen');
  // Each list element has its own ciphertext, even identical plaintexts (random IVs).
  const [a1, , a2] = sealed.list;
  assert.notDeepEqual(a1!.ciphertext, a2!.ciphertext);
  const opened = await both.decrypt(HolderSchema, sealed);
  assert.ok(equals(HolderSchema, opened, original));
  assert.equal(Object.getPrototypeOf(opened.byName), Object.prototype, 'a "__proto__" map key stays a key');
});

test('oneof cases: a message case under another alias, and a scalar case left alone', async () => {
  const other = create(HolderSchema, {
    choice: { case: 'otherChoice', value: { note: 'other', number: 2 } },
  });
  const sealedOther = await both.encrypt(HolderSchema, other);
  assert.equal(sealedOther.choice.case, 'otherChoice');
  assert.equal((sealedOther.choice.value as { note: string }).note, '');
  assert.ok(equals(HolderSchema, await both.decrypt(HolderSchema, sealedOther), other));
  const scalar = create(HolderSchema, { choice: { case: 'plainChoice', value: 'visible' } });
  assert.ok(equals(HolderSchema, await both.encrypt(HolderSchema, scalar), scalar));
});

test('an inner part under another key: outer first, then what the outer key reveals', async () => {
  const original = richHolder();
  const sealed = await both.encrypt(HolderSchema, original);
  // The OtherSecret inside single.deep is sealed by other_key, then single by edge_key: a service with
  // only edge_key opens the outer layer and finds the inner part still encrypted.
  const edge = await edgeOnly.decryptPartially(HolderSchema, sealed);
  assert.deepEqual(edge.missing, ['other_key']);
  assert.equal(edge.message.single!.note, 'single');
  assert.equal(edge.message.single!.deep!.label, 'deep');
  assert.ok(edge.message.single!.deep!.other!.ciphertext.length > 0);
  // A service with only other_key cannot see inside single: the part it could open is hidden under
  // edge_key, so it is not reported; the visible by_id entries are decrypted.
  const other = await otherOnly.decryptPartially(HolderSchema, sealed);
  assert.deepEqual(other.missing, ['edge_key']);
  assert.equal(other.message.byId[1]!.note, 'one');
  assert.equal(other.message.single!.note, '');
});

test('ciphertext_ as an extension (proto2): stored in the extension, defaults kept', async () => {
  const original = create(ExtHolderSchema, {
    name: 'ext',
    secret: { note: 'in an extension', count: 3 },
    secrets: [{ note: 'first' }, create(ExtSecretSchema)],
  });
  const sealed = fromBinary(
    ExtHolderSchema,
    toBinary(ExtHolderSchema, await both.encrypt(ExtHolderSchema, original)),
  );
  const part = sealed.secret!;
  assert.ok(hasExtension(part, ciphertext_));
  assert.ok(getExtension(part, ciphertext_).length > 0);
  assert.equal(isFieldSet(part, ExtSecretSchema.field.note!), false);
  assert.equal(part.count, 7, 'the proto2 default shows through the prototype');
  assert.equal(Buffer.from(toBinary(ExtHolderSchema, sealed)).includes('in an extension'), false);
  const opened = await both.decrypt(ExtHolderSchema, sealed);
  assert.ok(equals(ExtHolderSchema, opened, original));
  assert.equal(opened.secret!.count, 3);
  assert.equal(opened.secrets[1]!.count, 7);
  assert.equal(hasExtension(opened.secret!, ciphertext_), false);
});

test('unknown fields are encrypted with their message and come back intact', async () => {
  // Field 99 (varint 150) is unknown to this schema: a newer producer's field.
  const withUnknown = new Uint8Array([...toBinary(SecretSchema, secret('u')), 0x98, 0x06, 0x96, 0x01]);
  const part = fromBinary(SecretSchema, withUnknown);
  assert.equal(part.$unknown?.length, 1);
  const holderBytes = new Uint8Array([
    ...toBinary(HolderSchema, create(HolderSchema, { single: part })),
    0xa0,
    0x06,
    0x01,
  ]);
  const holder = fromBinary(HolderSchema, holderBytes);
  const sealed = await both.encrypt(HolderSchema, holder);
  assert.equal(sealed.single!.$unknown, undefined, 'the unknown field went into the ciphertext');
  assert.equal(sealed.$unknown?.length, 1, "the clear container's unknown field stays in the clear");
  const opened = await both.decrypt(HolderSchema, wire(sealed));
  assert.deepEqual(toBinary(SecretSchema, opened.single!), withUnknown);
  assert.deepEqual(toBinary(HolderSchema, opened), toBinary(HolderSchema, holder));
});

test('empty messages are encrypted too (presence is kept, emptiness is hidden); unset stays unset', async () => {
  const original = create(HolderSchema, { empty: create(EmptySchema), single: create(SecretSchema) });
  const sealed = wire(await both.encrypt(HolderSchema, original));
  assert.ok(sealed.empty!.ciphertext.length >= 5 + 12 + 16);
  assert.ok(sealed.single!.ciphertext.length >= 5 + 12 + 16);
  assert.equal(sealed.twin, undefined);
  assert.equal(sealed.next, undefined);
  const opened = await both.decrypt(HolderSchema, sealed);
  assert.ok(equals(HolderSchema, opened, original));
  assert.notEqual(opened.empty, undefined);
  // The root may itself be an encrypted type.
  const root = await both.encrypt(EmptySchema, create(EmptySchema));
  assert.ok(root.ciphertext.length > 0);
  assert.ok(equals(EmptySchema, await both.decrypt(EmptySchema, root), create(EmptySchema)));
  // A message with no part at all passes through unchanged (same object, nothing to do).
  const bare = create(HolderSchema, { name: 'bare', clear: { text: 't' } });
  assert.equal(await both.encrypt(HolderSchema, bare), bare);
  assert.equal(await both.decrypt(HolderSchema, bare), bare);
});

test('encrypting an encrypted tree again is a no-op (byte for byte)', async () => {
  const sealed = await both.encrypt(HolderSchema, richHolder());
  const again = await both.encrypt(HolderSchema, sealed);
  assert.deepEqual(toBinary(HolderSchema, again), toBinary(HolderSchema, sealed));
  assert.equal(again, sealed);
  // A producer without other_key can re-encrypt a tree whose other_key parts are already sealed.
  const partial = await edgeOnly.decryptPartially(HolderSchema, sealed);
  const resealed = await edgeOnly.encrypt(HolderSchema, partial.message);
  assert.ok(equals(HolderSchema, await both.decrypt(HolderSchema, resealed), richHolder()));
});

test('neither call modifies its input', async () => {
  const original = richHolder();
  const snapshot = clone(HolderSchema, original);
  const sealed = await both.encrypt(HolderSchema, original);
  assert.ok(equals(HolderSchema, original, snapshot));
  const sealedSnapshot = clone(HolderSchema, sealed);
  await both.decrypt(HolderSchema, sealed);
  await edgeOnly.decryptPartially(HolderSchema, sealed);
  assert.ok(equals(HolderSchema, sealed, sealedSnapshot));
});

test('an OtherSecret on its own: root of a different encrypted type', async () => {
  const part = create(OtherSecretSchema, { note: 'alone', number: 1 });
  const sealed = await otherOnly.encrypt(OtherSecretSchema, part);
  assert.equal(sealed.note, '');
  assert.ok(equals(OtherSecretSchema, await both.decrypt(OtherSecretSchema, sealed), part));
});
