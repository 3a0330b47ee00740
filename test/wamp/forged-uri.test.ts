/**
 * A hostile router lying about URIs (issue 9, B): the topic in an EVENT's Details and the procedure in an
 * INVOCATION's Details are the router's word. The client checks them against what it subscribed or
 * registered, decides whether a payload must be encrypted from its own subscription/registration, and a
 * callee with a codec never answers a covered procedure in the clear. Each case runs with cryptobox and
 * with JOSE; the forgeries go out from a real WebSocket server speaking WAMP.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { generateKeyPair } from 'sealwire/keys';
import { open, seal } from 'sealwire/seal';
import {
  CryptoboxKeyring,
  connect,
  createJoseCodec,
  type EventInfo,
  type PayloadCodec,
  type WampClient,
} from 'sealwire/wamp';
import { waitFor } from './helpers.ts';
import { type HostileRouter, startHostileRouter } from './hostile-router.ts';

interface Kit {
  name: string;
  /** Subscriber and callee keys for com.example. */
  receiver: PayloadCodec;
  /** Publisher and caller keys for com.example (the honest sender whose ciphertexts the router replays). */
  sender: PayloadCodec;
}

async function kits(): Promise<Kit[]> {
  const originator = CryptoboxKeyring.generateKey();
  const responder = CryptoboxKeyring.generateKey();
  const reader = await generateKeyPair('X25519');
  return [
    {
      name: 'cryptobox',
      receiver: new CryptoboxKeyring().setKey('com.example', {
        originatorPub: originator.publicKey,
        responderPriv: responder.privateKey,
      }),
      sender: new CryptoboxKeyring().setKey('com.example', {
        originatorPriv: originator.privateKey,
        responderPub: responder.publicKey,
      }),
    },
    {
      name: 'jose',
      receiver: createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.example', privateKeys: [reader.privateJwk] }] },
      ),
      sender: createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.example', recipients: [reader.publicJwk] }] },
      ),
    },
  ];
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function setup(kit: Kit): Promise<{ router: HostileRouter; client: WampClient; errors: Error[] }> {
  const router = await startHostileRouter();
  const errors: Error[] = [];
  const client = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: false,
    payloadCodec: kit.receiver,
    onError: (error) => void errors.push(error),
  });
  cleanups.push(
    () => client.close(200),
    () => router.close(),
  );
  return { router, client, errors };
}

/** An EVENT as an honest router would forward the sender's PUBLISH of `args` on `topic`. */
async function encryptedEvent(
  kit: Kit,
  subscription: number,
  topic: string,
  args: unknown[],
  extraDetails: Record<string, unknown> = {},
): Promise<unknown[]> {
  const encoded = await kit.sender.encode({ kind: 'publish', uri: topic, args, kwargs: undefined });
  assert.ok(encoded, `the ${kit.name} sender has a key for ${topic}`);
  return [36, subscription, 77, { ...encoded.options, ...extraDetails }, ...encoded.elements];
}

function violations(errors: Error[]): number {
  return errors.filter((error) => (error as { code?: string }).code === 'ERR_PROTOCOL_VIOLATION').length;
}

for (const kit of await kits()) {
  describe(`hostile router, ${kit.name}`, () => {
    test('exact subscription: a clear EVENT labelled with another topic is refused, never delivered', async () => {
      const { router, client, errors } = await setup(kit);
      const events: EventInfo[] = [];
      await client.subscribe('com.example.a', (event) => void events.push(event));
      const id = router.subscriptionId('com.example.a');
      router.send([36, id, 1, { topic: 'org.attacker.x' }, ['forged']]);
      router.send(await encryptedEvent(kit, id, 'com.example.a', ['genuine']));
      await waitFor(() => events.length >= 1, 3000, 'the genuine event');
      assert.deepEqual(
        events.map((event) => [event.topic, event.args, event.encrypted]),
        [['com.example.a', ['genuine'], true]],
      );
      assert.equal(violations(errors), 1, errors.map((error) => error.message).join('; '));
    });

    test("exact subscription: topic b's ciphertext labelled b is refused by topic a's handler", async () => {
      const { router, client, errors } = await setup(kit);
      const events: EventInfo[] = [];
      await client.subscribe('com.example.a', (event) => void events.push(event));
      const id = router.subscriptionId('com.example.a');
      router.send(await encryptedEvent(kit, id, 'com.example.b', ['for b'], { topic: 'com.example.b' }));
      router.send(await encryptedEvent(kit, id, 'com.example.a', ['for a']));
      await waitFor(() => events.length >= 1, 3000, 'the genuine event');
      assert.deepEqual(
        events.map((event) => event.args),
        [['for a']],
      );
      assert.equal(violations(errors), 1);
    });

    test('prefix and wildcard subscriptions: a reported topic outside the pattern (or none) is refused', async () => {
      const { router, client, errors } = await setup(kit);
      const events: EventInfo[] = [];
      await client.subscribe('com.example.', (event) => void events.push(event), { match: 'prefix' });
      await client.subscribe('com..news', (event) => void events.push(event), { match: 'wildcard' });
      const prefix = router.subscriptionId('com.example.');
      const wildcard = router.subscriptionId('com..news');
      router.send([36, prefix, 1, { topic: 'org.attacker.x' }, ['outside the prefix']]);
      router.send([36, prefix, 2, {}, ['no topic at all']]);
      router.send([36, wildcard, 3, { topic: 'org.attacker.x' }, ['outside the wildcard']]);
      router.send(
        await encryptedEvent(kit, prefix, 'com.example.x', ['in prefix'], { topic: 'com.example.x' }),
      );
      // Matches the wildcard and is covered by the keys (com.example...): clear there is a downgrade.
      router.send([36, wildcard, 4, { topic: 'com.example.news' }, ['clear on a covered topic']]);
      router.send(
        await encryptedEvent(kit, wildcard, 'com.example.news', ['in wildcard'], {
          topic: 'com.example.news',
        }),
      );
      await waitFor(() => events.length >= 2, 3000, 'the genuine events');
      assert.deepEqual(
        events.map((event) => [event.topic, event.args, event.encrypted]),
        [
          ['com.example.x', ['in prefix'], true],
          ['com.example.news', ['in wildcard'], true],
        ],
      );
      assert.equal(violations(errors), 3);
      assert.ok(errors.some((error) => /cleartext payload refused/.test(error.message)));
    });

    test('exact registration: a forged INVOCATION for another procedure gets an ERROR; the callee never runs', async () => {
      const { router, client, errors } = await setup(kit);
      let runs = 0;
      await client.register('com.example.echo', ({ args }) => {
        runs++;
        return args;
      });
      const id = router.registrationId('com.example.echo');
      router.send([68, 501, id, { procedure: 'org.attacker.dump' }, ['secret please']]);
      const answer = await router.next(8);
      assert.deepEqual(answer.slice(0, 3), [8, 68, 501]);
      assert.equal(answer[4], 'wamp.error.protocol_violation');
      assert.equal(answer.length, 5, 'no payload in the ERROR');
      // Another covered procedure's ciphertext, labelled as that procedure, on this registration.
      const call = await kit.sender.encode({
        kind: 'call',
        uri: 'com.example.other',
        args: [1],
        kwargs: undefined,
      });
      router.send([68, 502, id, { ...call!.options, procedure: 'com.example.other' }, ...call!.elements]);
      const second = await router.next(8);
      assert.deepEqual([second[2], second[4]], [502, 'wamp.error.protocol_violation']);
      assert.equal(runs, 0);
      assert.equal(
        router.received.some((message) => message[0] === 70),
        false,
        'no YIELD went out',
      );
      assert.equal(violations(errors), 2);
    });

    test('prefix registration: a procedure outside the prefix, or none, is refused; clear on a covered one too', async () => {
      const { router, client, errors } = await setup(kit);
      let runs = 0;
      await client.register(
        'com.example.',
        ({ args }) => {
          runs++;
          return args;
        },
        { match: 'prefix' },
      );
      const id = router.registrationId('com.example.');
      router.send([68, 601, id, { procedure: 'org.attacker.dump' }, ['outside']]);
      router.send([68, 602, id, {}, ['no procedure']]);
      router.send([68, 603, id, { procedure: 'com.example.dump' }, ['clear on a covered procedure']]);
      const answers = [await router.next(8), await router.next(8), await router.next(8)];
      assert.deepEqual(
        answers.map((message) => [message[2], message[4], message.length]),
        [
          [601, 'wamp.error.protocol_violation', 5],
          [602, 'wamp.error.protocol_violation', 5],
          [603, 'wamp.error.encryption.decrypt_error', 5],
        ],
      );
      // The genuine article still works and is answered encrypted.
      const call = await kit.sender.encode({
        kind: 'call',
        uri: 'com.example.sum',
        args: [2],
        kwargs: undefined,
      });
      router.send([68, 604, id, { ...call!.options, procedure: 'com.example.sum' }, ...call!.elements]);
      const yielded = await router.next(70);
      assert.equal(yielded[1], 604);
      const options = yielded[2] as Record<string, unknown>;
      assert.ok(options.enc_algo !== undefined || options.ppt_scheme !== undefined, 'the YIELD is encrypted');
      assert.equal(runs, 1);
      assert.equal(violations(errors), 2);
    });
  });
}
