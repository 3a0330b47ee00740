/**
 * Hostile and broken input: every case ends (at most) the offending session with ABORT and a close
 * reason, and the router keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type WampClient, WampError } from 'sealwire/wamp';
import WebSocket from 'ws';
import { startRouter, type TestRouter } from './helpers.ts';
import { joinedPeer, rawPeer } from './raw.ts';

let router: TestRouter;
let witness: WampClient;
const errors: string[] = [];

before(async () => {
  router = await startRouter(
    { limits: { maxMessageBytes: 64 * 1024, maxSubscriptionsPerSession: 5, maxSessions: 50 } },
    {
      error: (kind) => errors.push(kind),
    },
  );
  witness = await connect({ url: router.url, realm: 'realm1', reconnect: false });
  await witness.register('com.witness.ping', () => 'pong');
});

after(async () => {
  await witness.close(500);
  await router.close();
});

/** The router still serves other sessions. */
async function stillServing(): Promise<void> {
  const probe = await connect({ url: router.url, realm: 'realm1', serializer: 'cbor', reconnect: false });
  assert.deepEqual((await probe.call('com.witness.ping')).args, ['pong']);
  await probe.close(500);
}

async function expectAbort(
  send: (peer: Awaited<ReturnType<typeof rawPeer>>) => void,
  reason: string,
  joined = true,
): Promise<void> {
  const peer = joined ? await joinedPeer(router.url) : await rawPeer(router.url);
  send(peer);
  const abort = await peer.next(3);
  assert.equal(abort[2], reason);
  const closed = await peer.closed;
  assert.ok(closed.code === 1002 || closed.code === 1009, `close code ${closed.code}`);
  await stillServing();
}

test('malformed frames: not JSON, not a list, empty list, unknown type, binary garbage on msgpack', async () => {
  await expectAbort((peer) => peer.sendRaw('{not json'), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.sendRaw('{"a":1}'), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.sendRaw('[]'), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.sendRaw('[999, 1, {}]'), 'wamp.error.protocol_violation');
  await expectAbort(
    (peer) => peer.sendRaw('[16, 1, {}, "com.x", ["\\u0000!!notbase64"]]'),
    'wamp.error.protocol_violation',
  );
  const msgpack = await rawPeer(router.url, 'msgpack');
  msgpack.sendRaw(Buffer.from([0xc1, 0xc1, 0xc1]));
  assert.equal((await msgpack.next(3))[2], 'wamp.error.protocol_violation');
  const cbor = await rawPeer(router.url, 'cbor');
  cbor.sendRaw('text frame on a binary subprotocol', false);
  assert.equal((await cbor.next(3))[2], 'wamp.error.protocol_violation');
  await stillServing();
});

test('wrong types: string ids, list options, numeric URIs, ids beyond 2^53, arguments that are not lists', async () => {
  await expectAbort((peer) => peer.send([16, '1', {}, 'com.x']), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([16, 1, [], 'com.x']), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([32, 1, {}, 42]), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([48, 2 ** 54, {}, 'com.x']), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([16, 1, {}, 'com.x', 'not a list']), 'wamp.error.protocol_violation');
  await expectAbort(
    (peer) => peer.send([16, 1, {}, 'com.x', [], 'not a dict']),
    'wamp.error.protocol_violation',
  );
  // enc_algo promises a bare binary; ppt_scheme promises exactly one element and no kwargs.
  await expectAbort(
    (peer) => peer.send([16, 1, { enc_algo: 'cryptobox' }, 'com.x', ['clear']]),
    'wamp.error.protocol_violation',
  );
  await expectAbort(
    (peer) => peer.send([16, 1, { ppt_scheme: 'x_a' }, 'com.x', [1, 2]]),
    'wamp.error.protocol_violation',
  );
  await expectAbort(
    (peer) => peer.send([16, 1, { ppt_scheme: 'x_a' }, 'com.x', [1], { k: 1 }]),
    'wamp.error.protocol_violation',
  );
  await expectAbort(
    (peer) => peer.send([1, 'realm1', { roles: {} }]),
    'wamp.error.protocol_violation',
    false,
  );
  // A second HELLO on an established session.
  await expectAbort(
    (peer) => peer.send([1, 'realm1', { roles: { caller: {} } }]),
    'wamp.error.protocol_violation',
  );
});

test('router-only messages from a client are protocol violations', async () => {
  await expectAbort((peer) => peer.send([36, 1, 2, {}]), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([2, 1, {}]), 'wamp.error.protocol_violation');
  await expectAbort((peer) => peer.send([8, 48, 1, {}, 'wamp.error.x']), 'wamp.error.protocol_violation');
});

test('oversized messages: ABORT with payload_size_exceeded (and a hard close far above the limit)', async () => {
  const big = 'x'.repeat(70 * 1024);
  await expectAbort((peer) => peer.send([16, 1, {}, 'com.big', [big]]), 'wamp.error.payload_size_exceeded');
  const huge = await joinedPeer(router.url);
  huge.sendRaw(JSON.stringify([16, 1, {}, 'com.big', ['y'.repeat(512 * 1024)]]));
  const closed = await huge.closed;
  assert.equal(closed.code, 1009);
  await stillServing();
  assert.ok(errors.includes('oversized'));
});

test('PPT without announcing payload_passthru_mode: ABORT protocol_violation', async () => {
  const peer = await rawPeer(router.url);
  peer.send([1, 'realm1', { roles: { publisher: {}, caller: {} } }]);
  await peer.next(2);
  peer.send([16, 1, { ppt_scheme: 'x_test' }, 'com.ppt', [new Uint8Array([1])]]);
  assert.equal((await peer.next(3))[2], 'wamp.error.protocol_violation');
  await stillServing();
});

test('PPT call to a callee without the feature: ERROR feature_not_supported to the caller', async () => {
  const callee = await rawPeer(router.url);
  callee.send([1, 'realm1', { roles: { callee: {} } }]);
  await callee.next(2);
  callee.send([64, 1, {}, 'com.ppt.plain']);
  await callee.next(65);
  const caller = await joinedPeer(router.url, 'cbor');
  caller.send([48, 5, { ppt_scheme: 'x_test' }, 'com.ppt.plain', [new Uint8Array([1])]]);
  const error = await caller.next(8);
  assert.deepEqual([error[1], error[2], error[4]], [48, 5, 'wamp.error.feature_not_supported']);
  assert.equal(callee.messages.filter((message) => message[0] === 68).length, 0);
  callee.close();
  caller.close();
});

test('limits: subscriptions per session, and a second call with a request id in flight', async () => {
  const client = await connect({ url: router.url, realm: 'realm1', reconnect: false });
  for (let i = 0; i < 5; i++) await client.subscribe(`com.limit.${i}`, () => {});
  await assert.rejects(
    client.subscribe('com.limit.6', () => {}),
    (error: unknown) => error instanceof WampError && error.uri === 'wamp.error.limit_exceeded',
  );
  await client.close(500);
  const callee = await joinedPeer(router.url);
  callee.send([64, 1, {}, 'com.dup']);
  await callee.next(65);
  await expectAbort((peer) => {
    peer.send([48, 9, {}, 'com.dup']);
    peer.send([48, 9, {}, 'com.dup']);
  }, 'wamp.error.protocol_violation');
  callee.close();
});

test('max sessions: HELLO beyond the limit is refused with a reason', async () => {
  const small = await startRouter({ limits: { maxSessions: 2 } });
  try {
    const a = await joinedPeer(small.url);
    const b = await joinedPeer(small.url);
    const c = await rawPeer(small.url);
    c.send([1, 'realm1', { roles: { caller: {} } }]);
    assert.equal((await c.next(3))[2], 'wamp.error.limit_exceeded');
    a.close();
    b.close();
  } finally {
    await small.close();
  }
});

test('a connection without a WAMP subprotocol is refused at the upgrade', async () => {
  const ws = new WebSocket(router.url, ['chat']);
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => {});
  });
  assert.equal(status, 400);
  ws.terminate();
});
