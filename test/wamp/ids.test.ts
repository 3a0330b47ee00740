/**
 * WAMP IDs live in [1, 2^53] (issue 9, F). Beyond 2^53 a JavaScript number can no longer hold them
 * exactly: 2^53+1 would be read as 2^53 and answered as such, i.e. as another request. Every serializer
 * (json, msgpack, cbor) refuses such an ID, and 0, on both decoding paths: the real router ABORTs the
 * session that sent one, and the client refuses a hostile router's WELCOME or INVOCATION carrying one.
 * 2^53 itself is a valid ID and passes everywhere at the top level. Inside Options and Details (`exclude`,
 * `eligible`, `publisher`, `caller`) a decoder rounds 2^53+1 to 2^53, so there only safe integers count:
 * the router refuses such a list and draws its own session IDs below 2^53; the client does not report
 * such a publisher or caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type SerializerId, type WampClient } from 'sealwire/wamp';
import { startRouter, type TestRouter, waitFor } from './helpers.ts';
import { frameWithBigInts, startHostileRouter } from './hostile-router.ts';
import { rawPeer } from './raw.ts';

const SERIALIZERS: SerializerId[] = ['json', 'msgpack', 'cbor'];
const TOP = 2 ** 53;
const ABOVE = 2n ** 53n + 1n;
const ROLES = { roles: { subscriber: {}, caller: {} } };
const WELCOME_DETAILS = { roles: { broker: {}, dealer: {} }, authid: 'x', authrole: 'anonymous' };

let router: TestRouter;
before(async () => {
  router = await startRouter();
});
after(async () => {
  await router.close();
});

for (const serializer of SERIALIZERS) {
  describe(`IDs on ${serializer}`, () => {
    test('router: a request id above 2^53 or of 0 ends the session; 2^53 is answered as 2^53', async () => {
      for (const bad of [ABOVE, 0n, 2n ** 64n - 1n]) {
        const peer = await rawPeer(router.url, serializer);
        try {
          peer.send([1, 'realm1', ROLES]);
          await peer.next(2);
          peer.sendRaw(frameWithBigInts(serializer, [32, bad, {}, 'com.ids.topic']));
          const abort = await peer.next(3);
          assert.equal(abort[2], 'wamp.error.protocol_violation', `request id ${bad}`);
          assert.equal(
            peer.messages.some((message) => message[0] === 33),
            false,
            'never SUBSCRIBED',
          );
        } finally {
          peer.close();
        }
      }
      const peer = await rawPeer(router.url, serializer);
      try {
        peer.send([1, 'realm1', ROLES]);
        await peer.next(2);
        peer.sendRaw(frameWithBigInts(serializer, [32, BigInt(TOP), {}, 'com.ids.topic']));
        assert.equal((await peer.next(33))[1], TOP);
        peer.sendRaw(frameWithBigInts(serializer, [48, ABOVE, {}, 'com.ids.proc']));
        assert.equal((await peer.next(3))[2], 'wamp.error.protocol_violation');
      } finally {
        peer.close();
      }
    });

    test('client: a WELCOME whose session id is above 2^53 or 0 is refused; 2^53 is accepted', async () => {
      for (const bad of [ABOVE, 0n]) {
        const hostile = await startHostileRouter({
          welcomeFrame: (id) => frameWithBigInts(id, [2, bad, WELCOME_DETAILS]),
        });
        try {
          await assert.rejects(
            connect({
              url: hostile.url,
              realm: 'realm1',
              serializer,
              reconnect: false,
              connectTimeoutMs: 3000,
            }),
            (error: unknown) => (error as { code?: string }).code === 'ERR_PROTOCOL_VIOLATION',
            `session id ${bad}`,
          );
        } finally {
          await hostile.close();
        }
      }
      const hostile = await startHostileRouter({
        welcomeFrame: (id) => frameWithBigInts(id, [2, BigInt(TOP), WELCOME_DETAILS]),
      });
      let client: WampClient | undefined;
      try {
        client = await connect({ url: hostile.url, realm: 'realm1', serializer, reconnect: false });
        assert.equal(client.session?.id, TOP);
      } finally {
        await client?.close(200);
        await hostile.close();
      }
    });

    test('client: an INVOCATION whose request id is above 2^53 is refused, not answered as 2^53', async () => {
      const hostile = await startHostileRouter();
      const errors: Error[] = [];
      const client = await connect({
        url: hostile.url,
        realm: 'realm1',
        serializer,
        reconnect: false,
        onError: (error) => void errors.push(error),
      });
      try {
        let runs = 0;
        await client.register('com.ids.echo', () => {
          runs++;
          return 'answered';
        });
        const registration = hostile.registrationId('com.ids.echo');
        hostile.sendRaw(frameWithBigInts(serializer, [68, ABOVE, BigInt(registration), {}, []]));
        const abort = await hostile.next(3);
        assert.equal(abort[2], 'wamp.error.protocol_violation');
        await waitFor(() => !client.isConnected, 3000, 'the client to leave');
        assert.equal(runs, 0);
        assert.equal(
          hostile.received.some((message) => message[0] === 70),
          false,
          'no YIELD',
        );
        assert.ok(errors.some((error) => (error as { code?: string }).code === 'ERR_PROTOCOL_VIOLATION'));
      } finally {
        await client.close(200);
        await hostile.close();
      }
    });

    test('router: an exclude list naming 2^53+1 is refused with invalid_argument, not rounded', async () => {
      const peer = await rawPeer(router.url, serializer);
      try {
        peer.send([1, 'realm1', { roles: { publisher: {} } }]);
        await peer.next(2);
        peer.sendRaw(
          frameWithBigInts(serializer, [
            16,
            7n,
            { acknowledge: true, exclude: [ABOVE] },
            'com.ids.topic',
            [],
          ]),
        );
        const error = await peer.next(8);
        assert.deepEqual([error[2], error[4]], [7, 'wamp.error.invalid_argument']);
      } finally {
        peer.close();
      }
    });

    test('client: a publisher or caller beyond 2^53 in Details is not reported as some other session', async () => {
      const hostile = await startHostileRouter();
      const client = await connect({ url: hostile.url, realm: 'realm1', serializer, reconnect: false });
      try {
        const seen: Array<number | undefined> = [];
        await client.subscribe('com.ids.topic', (event) => void seen.push(event.publisher));
        await client.register('com.ids.proc', (invocation) => {
          seen.push(invocation.caller);
          return null;
        });
        const subscription = BigInt(hostile.subscriptionId('com.ids.topic'));
        const registration = BigInt(hostile.registrationId('com.ids.proc'));
        hostile.sendRaw(frameWithBigInts(serializer, [36, subscription, 5n, { publisher: ABOVE }, []]));
        hostile.sendRaw(frameWithBigInts(serializer, [36, subscription, 6n, { publisher: 42n }, []]));
        hostile.sendRaw(frameWithBigInts(serializer, [68, 9n, registration, { caller: ABOVE }, []]));
        await hostile.next(70);
        await waitFor(() => seen.length === 3, 3000, 'two events and an invocation');
        assert.deepEqual(seen, [undefined, 42, undefined]);
      } finally {
        await client.close(200);
        await hostile.close();
      }
    });
  });
}
