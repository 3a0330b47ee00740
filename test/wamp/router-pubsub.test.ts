/** Broker behaviour: matching, exclusion, acknowledgement, disclosure, listing, translation of binary. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type EventInfo, type SerializerId, type WampClient, WampError } from 'sealwire/wamp';
import { startRouter, type TestRouter, waitFor } from './helpers.ts';
import { joinedPeer } from './raw.ts';

let router: TestRouter;
const clients: WampClient[] = [];

async function client(serializer: SerializerId = 'json', authid?: string): Promise<WampClient> {
  const created = await connect({
    url: router.url,
    realm: 'realm1',
    serializer,
    reconnect: false,
    ...(authid === undefined ? {} : { auth: { method: 'anonymous' as const, authid } }),
  });
  clients.push(created);
  return created;
}

function collector(): { events: EventInfo[]; handler: (event: EventInfo) => void } {
  const events: EventInfo[] = [];
  return { events, handler: (event) => void events.push(event) };
}

before(async () => {
  router = await startRouter();
});

after(async () => {
  for (const created of clients) await created.close(500);
  await router.close();
});

test('binary survives every serializer pair, at any depth', async () => {
  const serializers: SerializerId[] = ['json', 'msgpack', 'cbor'];
  const bytes = new Uint8Array([0, 1, 127, 128, 255]);
  for (const from of serializers) {
    for (const to of serializers) {
      const subscriber = await client(to);
      const publisher = await client(from);
      const got = collector();
      await subscriber.subscribe(`com.bin.${from}.${to}`, got.handler);
      await publisher.publish(
        `com.bin.${from}.${to}`,
        [bytes, { deep: [bytes] }],
        { k: bytes, big: 2 ** 40 },
        { acknowledge: true },
      );
      await waitFor(() => got.events.length === 1, 3000, `${from}->${to}`);
      assert.deepEqual(got.events[0]!.args, [bytes, { deep: [bytes] }], `${from}->${to}`);
      assert.deepEqual(got.events[0]!.kwargs, { k: bytes, big: 2 ** 40 }, `${from}->${to}`);
    }
  }
});

test('exact, prefix and wildcard subscriptions; pattern matches carry the topic', async () => {
  const sub = await client();
  const pub = await client('cbor');
  const exact = collector();
  const prefix = collector();
  const wildcard = collector();
  await sub.subscribe('com.match.a.b', exact.handler);
  await sub.subscribe('com.match.', prefix.handler, { match: 'prefix' });
  await sub.subscribe('com.match..b', wildcard.handler, { match: 'wildcard' });
  await pub.publish('com.match.a.b', [1], undefined, { acknowledge: true });
  await pub.publish('com.match.x.b', [2], undefined, { acknowledge: true });
  await pub.publish('com.match.x.y.z', [3], undefined, { acknowledge: true });
  await waitFor(
    () => exact.events.length === 1 && prefix.events.length === 3 && wildcard.events.length === 2,
  );
  assert.equal(exact.events[0]!.details.topic, undefined);
  assert.deepEqual(
    prefix.events.map((event) => event.details.topic),
    ['com.match.a.b', 'com.match.x.b', 'com.match.x.y.z'],
  );
  assert.deepEqual(
    wildcard.events.map((event) => event.topic),
    ['com.match.a.b', 'com.match.x.b'],
  );
});

test('subscribers of one topic share a subscription id', async () => {
  const a = await joinedPeer(router.url);
  const b = await joinedPeer(router.url, 'msgpack');
  a.send([32, 1, {}, 'com.shared.topic']);
  b.send([32, 1, {}, 'com.shared.topic']);
  const [, , idA] = await a.next(33);
  const [, , idB] = await b.next(33);
  assert.equal(idA, idB);
  a.close();
  b.close();
});

test('exclude_me defaults to true; exclude_me false delivers to the publisher', async () => {
  const self = await client();
  const got = collector();
  await self.subscribe('com.self', got.handler);
  await self.publish('com.self', ['skipped'], undefined, { acknowledge: true });
  await self.publish('com.self', ['delivered'], undefined, { acknowledge: true, excludeMe: false });
  await waitFor(() => got.events.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(
    got.events.map((event) => event.args[0]),
    ['delivered'],
  );
});

test('acknowledge returns a publication id; errors are only reported when acknowledged', async () => {
  const pub = await client();
  const id = await pub.publish('com.ack', [], undefined, { acknowledge: true });
  assert.equal(typeof id, 'number');
  await assert.rejects(pub.publish('com..bad', [], undefined, { acknowledge: true }), (error: unknown) => {
    assert.ok(error instanceof WampError);
    assert.equal(error.uri, 'wamp.error.invalid_uri');
    return true;
  });
});

test('publisher disclosure and black/whitelisting by session id, authid and authrole', async () => {
  const alice = await client('json', 'alice');
  const bob = await client('msgpack', 'bob');
  const carol = await client('cbor', 'carol');
  const pub = await client();
  const got = { alice: collector(), bob: collector(), carol: collector() };
  await alice.subscribe('com.list', got.alice.handler);
  await bob.subscribe('com.list', got.bob.handler);
  await carol.subscribe('com.list', got.carol.handler);
  await pub.publish('com.list', ['disclosed'], undefined, { acknowledge: true, discloseMe: true });
  await pub.publish('com.list', ['not bob'], undefined, { acknowledge: true, exclude: [bob.session!.id] });
  await pub.publish('com.list', ['only carol'], undefined, {
    acknowledge: true,
    eligible: [carol.session!.id],
  });
  await pub.publish('com.list', ['not alice'], undefined, { acknowledge: true, excludeAuthid: ['alice'] });
  await pub.publish('com.list', ['only bob'], undefined, { acknowledge: true, eligibleAuthid: ['bob'] });
  await waitFor(() => got.carol.events.length === 4);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seen = (name: keyof typeof got) => got[name].events.map((event) => event.args[0]);
  assert.deepEqual(seen('alice'), ['disclosed', 'not bob']);
  assert.deepEqual(seen('bob'), ['disclosed', 'not alice', 'only bob']);
  assert.deepEqual(seen('carol'), ['disclosed', 'not bob', 'only carol', 'not alice']);
  assert.equal(got.alice.events[0]!.publisher, pub.session!.id);
  assert.equal(got.alice.events[0]!.details.publisher_authrole, 'anonymous');
  assert.equal(got.alice.events[1]!.publisher, undefined);
});

test('unsubscribe stops delivery; unknown subscription ids are an error', async () => {
  const sub = await client();
  const pub = await client();
  const got = collector();
  const subscription = await sub.subscribe('com.unsub', got.handler);
  await pub.publish('com.unsub', [1], undefined, { acknowledge: true });
  await waitFor(() => got.events.length === 1);
  await subscription.unsubscribe();
  await pub.publish('com.unsub', [2], undefined, { acknowledge: true });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(got.events.length, 1);
  const raw = await joinedPeer(router.url);
  raw.send([34, 7, 999_999]);
  const error = await raw.next(8);
  assert.deepEqual(error.slice(0, 2).concat(error.slice(3, 5)), [
    8,
    34,
    {},
    'wamp.error.no_such_subscription',
  ]);
  raw.close();
});

test('both end-to-end wire forms are forwarded untouched: enc_* with a bare binary, ppt_* with [binary]', async () => {
  const sub = await joinedPeer(router.url, 'cbor');
  const pub = await joinedPeer(router.url, 'json');
  sub.send([32, 1, {}, 'com.e2e']);
  const [, , subscription] = await sub.next(33);
  const blob = new Uint8Array([9, 8, 7, 0, 255]);
  pub.send([16, 1, { enc_algo: 'cryptobox', enc_serializer: 'json', enc_key: null }, 'com.e2e', blob]);
  pub.send([
    16,
    2,
    { ppt_scheme: 'x_test', ppt_serializer: 'cbor', ppt_cipher: 'xsalsa20poly1305', ppt_keyid: 'k1' },
    'com.e2e',
    [blob],
  ]);
  const first = await sub.next(36);
  const second = await sub.next(36);
  assert.equal(first[1], subscription);
  assert.deepEqual(first[3], { enc_algo: 'cryptobox', enc_serializer: 'json', enc_key: null });
  assert.deepEqual(new Uint8Array(first[4] as Uint8Array), blob);
  assert.equal(first.length, 5, 'the bare binary is not wrapped in a list');
  assert.deepEqual(second[3], {
    ppt_scheme: 'x_test',
    ppt_serializer: 'cbor',
    ppt_cipher: 'xsalsa20poly1305',
    ppt_keyid: 'k1',
  });
  assert.ok(Array.isArray(second[4]) && (second[4] as unknown[]).length === 1);
  assert.deepEqual(new Uint8Array((second[4] as Uint8Array[])[0]!), blob);
  sub.close();
  pub.close();
});

test('PPT: subscribers that did not announce payload_passthru_mode are skipped', async () => {
  const plain = await joinedPeer(router.url, 'json', { subscriber: {} });
  const ppt = await joinedPeer(router.url, 'json');
  const pub = await joinedPeer(router.url, 'json');
  plain.send([32, 1, {}, 'com.ppt.skip']);
  ppt.send([32, 1, {}, 'com.ppt.skip']);
  await plain.next(33);
  await ppt.next(33);
  pub.send([16, 1, { ppt_scheme: 'x_test', acknowledge: true }, 'com.ppt.skip', [new Uint8Array([1])]]);
  await pub.next(17);
  await ppt.next(36);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(plain.messages.filter((message) => message[0] === 36).length, 0);
  for (const peer of [plain, ppt, pub]) peer.close();
});
