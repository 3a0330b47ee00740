/**
 * A client with a payload codec sends clear only where it was told it may (issue 9, item 7): publishing,
 * calling or registering on a URI none of its keys covers fails with ERR_CLEAR_NOT_ALLOWED before anything
 * reaches the router, unless `allowClear` (per client or per request) says so; a clear call to an
 * uncovered procedure of a pattern registration is answered with an ERROR, not a clear result. Cryptobox
 * and JOSE alike, through the real router.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from 'sealwire/keys';
import { open, seal } from 'sealwire/seal';
import {
  CLEAR_NOT_ALLOWED_URI,
  ClearNotAllowedError,
  type ConnectOptions,
  CryptoboxKeyring,
  connect,
  createJoseCodec,
  type EventInfo,
  type PayloadCodec,
  type WampClient,
  WampError,
  type WampMessage,
} from 'sealwire/wamp';
import { startRouter, type TestRouter, waitFor } from './helpers.ts';

let router: TestRouter;
const seen: WampMessage[] = [];
const clients: WampClient[] = [];

before(async () => {
  router = await startRouter({}, { received: (_frame, message) => void seen.push(message) });
});

after(async () => {
  for (const created of clients) await created.close(500).catch(() => {});
  await router.close();
});

async function client(options: Partial<ConnectOptions> = {}): Promise<WampClient> {
  const created = await connect({ url: router.url, realm: 'realm1', reconnect: false, ...options });
  clients.push(created);
  return created;
}

function isClearRefusal(uri: string) {
  return (error: unknown) =>
    error instanceof ClearNotAllowedError &&
    error.code === 'ERR_CLEAR_NOT_ALLOWED' &&
    error.uri === uri &&
    !error.message.includes('\n');
}

/** Both sides' codecs for com.sealed.: the sender's (publish/call) and the receiver's (subscribe/register). */
async function codecs(): Promise<Array<{ name: string; sender: PayloadCodec; receiver: PayloadCodec }>> {
  const originator = CryptoboxKeyring.generateKey();
  const responder = CryptoboxKeyring.generateKey();
  const reader = await generateKeyPair('X25519');
  return [
    {
      name: 'cryptobox',
      sender: new CryptoboxKeyring().setKey('com.sealed.', {
        originatorPriv: originator.privateKey,
        responderPub: responder.publicKey,
      }),
      receiver: new CryptoboxKeyring().setKey('com.sealed.', {
        originatorPub: originator.publicKey,
        responderPriv: responder.privateKey,
      }),
    },
    {
      name: 'jose',
      sender: createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.sealed.', recipients: [reader.publicJwk] }] },
      ),
      receiver: createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.sealed.', privateKeys: [reader.privateJwk] }] },
      ),
    },
  ];
}

for (const kit of await codecs()) {
  describe(`allowClear, ${kit.name}`, () => {
    test('publish and call to an uncovered URI are refused before anything is sent', async () => {
      const sender = await client({ payloadCodec: kit.sender });
      const before = seen.length;
      await assert.rejects(
        sender.publish('com.seald.typo', ['secret'], undefined, { acknowledge: true }),
        isClearRefusal('com.seald.typo'),
      );
      await assert.rejects(sender.publish('com.seald.typo', ['secret']), isClearRefusal('com.seald.typo'));
      await assert.rejects(sender.call('com.seald.proc', ['secret']), isClearRefusal('com.seald.proc'));
      // A covered URI still goes out, encrypted.
      await sender.publish('com.sealed.ok', ['fine'], undefined, { acknowledge: true });
      const sent = seen.slice(before).filter((message) => message[0] === 16 || message[0] === 48);
      assert.deepEqual(
        sent.map((message) => message[3]),
        ['com.sealed.ok'],
      );
    });

    test('allowClear on the client or on the request lets clear go out; encrypt: false is explicit too', async () => {
      const receiver = await client();
      const events: EventInfo[] = [];
      await receiver.subscribe('com.open.', (event) => void events.push(event), { match: 'prefix' });
      const strict = await client({ payloadCodec: kit.sender });
      await strict.publish('com.open.a', ['per request'], undefined, { acknowledge: true, allowClear: true });
      await strict.publish('com.open.b', ['encrypt false'], undefined, { acknowledge: true, encrypt: false });
      const lax = await client({ payloadCodec: kit.sender, allowClear: true });
      await lax.publish('com.open.c', ['per client'], undefined, { acknowledge: true });
      await assert.rejects(
        lax.publish('com.open.d', ['overridden'], undefined, { acknowledge: true, allowClear: false }),
        isClearRefusal('com.open.d'),
      );
      await waitFor(() => events.length === 3);
      assert.deepEqual(
        events.map((event) => [event.topic, event.encrypted]),
        [
          ['com.open.a', false],
          ['com.open.b', false],
          ['com.open.c', false],
        ],
      );
    });

    test('registering an uncovered exact procedure is refused unless clear is allowed', async () => {
      const callee = await client({ payloadCodec: kit.receiver });
      await assert.rejects(
        callee.register('com.seald.echo', ({ args }) => args[0]),
        isClearRefusal('com.seald.echo'),
      );
      await callee.register(`com.open.${kit.name}.echo`, ({ args }) => args[0], { allowClear: true });
      const caller = await client();
      assert.deepEqual((await caller.call(`com.open.${kit.name}.echo`, ['hi'])).args, ['hi']);
    });

    test('a clear call to an uncovered procedure of a pattern registration gets an ERROR, not a clear result', async () => {
      const errors: Error[] = [];
      const callee = await client({
        payloadCodec: kit.receiver,
        onError: (error) => void errors.push(error),
      });
      let runs = 0;
      const registration = await callee.register(
        'com.',
        () => {
          runs++;
          return 'leaked';
        },
        { match: 'prefix' },
      );
      const caller = await client();
      await assert.rejects(
        caller.call('com.other.thing', ['q']),
        (error: unknown) => error instanceof WampError && error.uri === CLEAR_NOT_ALLOWED_URI,
      );
      assert.equal(runs, 0);
      assert.ok(errors.some((error) => (error as { code?: string }).code === 'ERR_CLEAR_NOT_ALLOWED'));
      // The covered part of the pattern answers encrypted calls.
      const sealedCaller = await client({ payloadCodec: kit.sender });
      const result = await sealedCaller.call('com.sealed.thing', ['q']);
      assert.deepEqual([result.args, result.encrypted], [['leaked'], true]);
      assert.equal(runs, 1);
      await registration.unregister();
    });
  });
}
