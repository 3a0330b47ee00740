/**
 * Interop with Debian's Autobahn|Python (22.7.1) through the Sealwire router, cryptobox payloads:
 * Python <-> Python, Python <-> Sealwire, pub/sub and RPC, across json/msgpack/cbor mixes. Every case
 * asserts the decrypted value, bytes included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CryptoboxKeyring, connect, type EventInfo, type WampClient, WampError } from 'sealwire/wamp';
import { deferred, startRouter, type TestRouter, within } from '../wamp/helpers.ts';
import { type CryptoboxPairs, PythonPeer, pythonKeys } from './autobahn/driver.ts';

type Ser = 'json' | 'msgpack' | 'cbor';
const MIXES: Array<[Ser, Ser]> = [
  ['json', 'msgpack'],
  ['msgpack', 'cbor'],
  ['cbor', 'json'],
  ['json', 'json'],
];
const PREFIX = 'com.example';
const BYTES = new Uint8Array([0, 1, 2, 250, 255]);

let router: TestRouter;
let pairs: CryptoboxPairs;
const peers: PythonPeer[] = [];
const clients: WampClient[] = [];

function peer(...args: ConstructorParameters<typeof PythonPeer>): PythonPeer {
  const created = new PythonPeer(...args);
  peers.push(created);
  return created;
}

async function client(serializer: Ser, ring: CryptoboxKeyring): Promise<WampClient> {
  const created = await connect({
    url: router.url,
    realm: 'realm1',
    serializer,
    payloadCodec: ring,
    reconnect: false,
  });
  clients.push(created);
  return created;
}

/** Sealwire as subscriber/callee: the responder halves. */
function responderRing(): CryptoboxKeyring {
  return new CryptoboxKeyring().setKey(PREFIX, {
    originatorPub: pairs.originator.publicKey,
    responderPriv: pairs.responder.privateKey,
  });
}

/** Sealwire as publisher/caller: the originator halves. */
function originatorRing(): CryptoboxKeyring {
  return new CryptoboxKeyring().setKey(PREFIX, {
    originatorPriv: pairs.originator.privateKey,
    responderPub: pairs.responder.publicKey,
  });
}

before(async () => {
  router = await startRouter();
  pairs = { originator: CryptoboxKeyring.generateKey(), responder: CryptoboxKeyring.generateKey() };
});

after(async () => {
  for (const created of peers) created.kill();
  for (const created of clients) await created.close(500).catch(() => {});
  await router.close();
});

describe('Autobahn|Python <-> Autobahn|Python through the Sealwire router', () => {
  for (const [pubSer, subSer] of MIXES) {
    test(`pub/sub cryptobox, publisher ${pubSer} -> subscriber ${subSer}`, async () => {
      const topic = `${PREFIX}.py.${pubSer}.${subSer}`;
      const sub = peer('sub', {
        url: router.url,
        serializer: subSer,
        uri: topic,
        keys: pythonKeys(PREFIX, pairs, 'responder'),
      });
      await sub.waitFor('READY');
      peer('pub', {
        url: router.url,
        serializer: pubSer,
        uri: topic,
        keys: pythonKeys(PREFIX, pairs, 'originator'),
        args: ['hello', 42, BYTES],
        kwargs: { nested: { list: [1, 2] } },
      });
      const event = (await sub.waitFor('EVENT')).value as Record<string, unknown>;
      assert.deepEqual(event.args, ['hello', 42, BYTES]);
      assert.deepEqual(event.kwargs, { nested: { list: [1, 2] } });
      assert.equal(event.enc_algo, 'cryptobox');
    });

    test(`RPC cryptobox, caller ${pubSer} -> callee ${subSer}`, async () => {
      const procedure = `${PREFIX}.proc.${pubSer}.${subSer}`;
      const callee = peer('callee', {
        url: router.url,
        serializer: subSer,
        uri: procedure,
        keys: pythonKeys(PREFIX, pairs, 'responder'),
      });
      await callee.waitFor('READY');
      const caller = peer('caller', {
        url: router.url,
        serializer: pubSer,
        uri: procedure,
        keys: pythonKeys(PREFIX, pairs, 'originator'),
        args: [7, BYTES],
        kwargs: { x: 'y' },
      });
      const result = (await caller.waitFor('RESULT')).value as Record<string, unknown>;
      assert.deepEqual(result.args, ['echo', 7, BYTES]);
      assert.deepEqual(result.kwargs, { seen: 1, x: 'y' });
    });
  }

  test('prefix subscription: the EVENT carries topic and Autobahn accepts the URI inside the ciphertext', async () => {
    const sub = peer('sub', {
      url: router.url,
      serializer: 'cbor',
      uri: `${PREFIX}.pfx.`,
      match: 'prefix',
      keys: pythonKeys(PREFIX, pairs, 'responder'),
    });
    await sub.waitFor('READY');
    peer('pub', {
      url: router.url,
      serializer: 'msgpack',
      uri: `${PREFIX}.pfx.deep.topic`,
      keys: pythonKeys(PREFIX, pairs, 'originator'),
      args: ['p'],
    });
    const event = (await sub.waitFor('EVENT')).value as Record<string, unknown>;
    assert.deepEqual(event.args, ['p']);
    assert.equal(event.topic, `${PREFIX}.pfx.deep.topic`);
  });
});

describe('Autobahn|Python <-> Sealwire client', () => {
  for (const [pySer, swSer] of MIXES.slice(0, 3)) {
    test(`Python pub (${pySer}) -> Sealwire sub (${swSer})`, async () => {
      const topic = `${PREFIX}.to-sw.${pySer}.${swSer}`;
      const sw = await client(swSer, responderRing());
      const got = deferred<EventInfo>();
      await sw.subscribe(topic, (event) => got.resolve(event));
      peer('pub', {
        url: router.url,
        serializer: pySer,
        uri: topic,
        keys: pythonKeys(PREFIX, pairs, 'originator'),
        args: ['from python', BYTES],
        kwargs: { n: 1 },
      });
      const event = await within(got.promise, 15_000, 'event from Python');
      assert.equal(event.encrypted, true);
      assert.deepEqual(event.args, ['from python', BYTES]);
      assert.deepEqual(event.kwargs, { n: 1 });
    });

    test(`Sealwire pub (${swSer}) -> Python sub (${pySer})`, async () => {
      const topic = `${PREFIX}.from-sw.${pySer}.${swSer}`;
      const sub = peer('sub', {
        url: router.url,
        serializer: pySer,
        uri: topic,
        keys: pythonKeys(PREFIX, pairs, 'responder'),
      });
      await sub.waitFor('READY');
      const sw = await client(swSer, originatorRing());
      await sw.publish(topic, ['from sealwire', BYTES], { ok: true }, { acknowledge: true });
      const event = (await sub.waitFor('EVENT')).value as Record<string, unknown>;
      assert.deepEqual(event.args, ['from sealwire', BYTES]);
      assert.deepEqual(event.kwargs, { ok: true });
      assert.equal(event.enc_algo, 'cryptobox');
    });

    test(`Python caller (${pySer}) -> Sealwire callee (${swSer})`, async () => {
      const procedure = `${PREFIX}.sw-callee.${pySer}.${swSer}`;
      const sw = await client(swSer, responderRing());
      let sawEncrypted = false;
      await sw.register(procedure, (invocation) => {
        sawEncrypted = invocation.encrypted;
        return {
          sum: (invocation.args[0] as number) + (invocation.args[1] as number),
          bytes: invocation.args[2],
        };
      });
      const caller = peer('caller', {
        url: router.url,
        serializer: pySer,
        uri: procedure,
        keys: pythonKeys(PREFIX, pairs, 'originator'),
        args: [20, 22, BYTES],
      });
      const result = (await caller.waitFor('RESULT')).value as Record<string, unknown>;
      assert.equal(sawEncrypted, true);
      assert.deepEqual(result.args, [{ sum: 42, bytes: BYTES }]);
    });

    test(`Sealwire caller (${swSer}) -> Python callee (${pySer})`, async () => {
      const procedure = `${PREFIX}.py-callee.${pySer}.${swSer}`;
      const callee = peer('callee', {
        url: router.url,
        serializer: pySer,
        uri: procedure,
        keys: pythonKeys(PREFIX, pairs, 'responder'),
        count: 2,
      });
      await callee.waitFor('READY');
      const sw = await client(swSer, originatorRing());
      const result = await sw.call(procedure, ['ping', BYTES], { k: 'v' });
      assert.equal(result.encrypted, true);
      assert.deepEqual(result.args, ['echo', 'ping', BYTES]);
      assert.deepEqual(result.kwargs, { seen: 1, k: 'v' });
      // Application errors come back encrypted too (Autobahn seals ERROR payloads with the error URI's key).
      await assert.rejects(sw.call(procedure, ['fail']), (error: unknown) => {
        assert.ok(error instanceof WampError);
        assert.equal(error.uri, 'com.example.error.refused');
        assert.deepEqual(error.args, ['callee refused']);
        assert.deepEqual(error.kwargs, { reason: 'asked to fail' });
        return true;
      });
    });
  }
});
