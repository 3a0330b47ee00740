/**
 * The mailbox rules every store must keep (here the in-memory reference): a send reaches every named
 * device once, fetch serves oldest first until acknowledged, duplicates of (sender, message id) are not
 * stored again, quotas and caps refuse all-or-none, expired messages are dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../src/encoding/bytes.ts';
import {
  checkSend,
  DEFAULT_MAILBOX_LIMITS,
  MemoryMailboxStore,
} from '../../src/messaging/service/mailbox.ts';

const limits = { ...DEFAULT_MAILBOX_LIMITS, maxMessagesPerDevice: 3, maxBytesPerDevice: 1000 };
const envelope = utf8('{"ciphertext":"..."}');

test('a send reaches every device; fetch serves until ack; a duplicate is not stored twice', async () => {
  const store = new MemoryMailboxStore();
  const devices = ['bob/phone', 'bob/tablet', 'alice/phone'];
  const stored = await store.put('alice', 'msg-000001', envelope, devices, 100, limits);
  assert.deepEqual([...stored.keys()], devices);
  assert.equal((await store.put('alice', 'msg-000001', envelope, devices, 101, limits)).size, 0);
  // Another sender may use the same message id.
  assert.equal((await store.put('carol', 'msg-000001', envelope, ['bob/phone'], 102, limits)).size, 1);
  const first = await store.fetch('bob/phone', 10, 0);
  assert.deepEqual(
    first.map((m) => [m.sender, m.messageId]),
    [
      ['alice', 'msg-000001'],
      ['carol', 'msg-000001'],
    ],
  );
  // Not acknowledged: served again (at least once).
  assert.equal((await store.fetch('bob/phone', 10, 0)).length, 2);
  // Another device's ids are ignored.
  assert.equal(await store.ack('bob/tablet', [first[0]!.id]), 0);
  assert.equal(await store.ack('bob/phone', [first[0]!.id]), 1);
  assert.deepEqual(
    (await store.fetch('bob/phone', 10, 0)).map((m) => m.sender),
    ['carol'],
  );
  assert.equal((await store.fetch('bob/tablet', 10, 0)).length, 1);
});

test('quotas refuse all or none; sizes and recipient counts are capped; old messages expire', async () => {
  const store = new MemoryMailboxStore();
  for (let i = 0; i < 3; i++)
    await store.put('alice', `msg-00000${i}`, envelope, ['bob/phone'], 100 + i, limits);
  await assert.rejects(store.put('alice', 'msg-000009', envelope, ['bob/tablet', 'bob/phone'], 200, limits), {
    code: 'ERR_LIMIT_EXCEEDED',
  });
  assert.equal((await store.fetch('bob/tablet', 10, 0)).length, 0, 'nothing stored for the other device');
  await assert.rejects(store.put('alice', 'msg-big0001', new Uint8Array(1001), ['carol/x'], 200, limits), {
    code: 'ERR_LIMIT_EXCEEDED',
  });
  assert.throws(
    () => checkSend('msg-000001', new Uint8Array(2 * 1024 * 1024), ['a/b'], DEFAULT_MAILBOX_LIMITS),
    {
      code: 'ERR_LIMIT_EXCEEDED',
    },
  );
  const many = Array.from({ length: 257 }, (_, i) => `u${i}/d`);
  assert.throws(() => checkSend('msg-000001', envelope, many, DEFAULT_MAILBOX_LIMITS), {
    code: 'ERR_LIMIT_EXCEEDED',
  });
  for (const [id, env, devices] of [
    ['short', envelope, ['a/b']],
    ['msg-000001', new Uint8Array(0), ['a/b']],
    ['msg-000001', envelope, []],
    ['msg-000001', envelope, ['a/b', 'a/b']],
  ] as const)
    assert.throws(() => checkSend(id, env, devices, DEFAULT_MAILBOX_LIMITS), { code: 'ERR_MALFORMED' });
  assert.equal(await store.expire(102), 2);
  assert.deepEqual(
    (await store.fetch('bob/phone', 10, 0)).map((m) => m.messageId),
    ['msg-000002'],
  );
  // Freed space is usable again.
  await store.put('alice', 'msg-000010', envelope, ['bob/phone'], 300, limits);
});
