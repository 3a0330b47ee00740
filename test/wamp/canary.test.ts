/**
 * The router never sees plaintext: its receive path is instrumented, and a canary string sent inside
 * encrypted payloads (publish, call arguments, results, error payloads) over every serializer must
 * never appear in any frame it receives — while the same traffic without a codec does show it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPair } from 'sealwire/keys';
import { open, seal } from 'sealwire/seal';
import {
  CryptoboxKeyring,
  connect,
  createJoseCodec,
  type Frame,
  type PayloadCodec,
  type SerializerId,
  type WampClient,
  WampError,
  type WampMessage,
} from 'sealwire/wamp';
import { deferred, startRouter, type TestRouter, within } from './helpers.ts';

const CANARY = 'CANARY-7f3a9c-do-not-route';
const SERIALIZERS: SerializerId[] = ['json', 'msgpack', 'cbor'];

let router: TestRouter;
const seen: Array<{ frame: Frame; message: WampMessage }> = [];
const clients: WampClient[] = [];

/** Every way the canary could show: text frames, bytes of binary frames, strings anywhere in the decoded message. */
function leaked(): boolean {
  const needle = Buffer.from(CANARY);
  for (const { frame, message } of seen) {
    if (typeof frame === 'string' ? frame.includes(CANARY) : Buffer.from(frame).includes(needle)) return true;
    const text = JSON.stringify(message, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    if (text.includes(CANARY)) return true;
  }
  return false;
}

before(async () => {
  router = await startRouter({}, { received: (frame, message) => void seen.push({ frame, message }) });
});

after(async () => {
  for (const created of clients) await created.close(500);
  await router.close();
});

async function roundTrip(
  codecs: { originator?: PayloadCodec; responder?: PayloadCodec },
  serializer: SerializerId,
  tag: string,
): Promise<void> {
  const responder = await connect({
    url: router.url,
    realm: 'realm1',
    serializer,
    reconnect: false,
    ...(codecs.responder ? { payloadCodec: codecs.responder } : {}),
  });
  const originator = await connect({
    url: router.url,
    realm: 'realm1',
    serializer,
    reconnect: false,
    ...(codecs.originator ? { payloadCodec: codecs.originator } : {}),
  });
  clients.push(responder, originator);
  const event = deferred<unknown[]>();
  await responder.subscribe(`com.canary.${tag}.topic`, (info) => event.resolve(info.args));
  await responder.register(`com.canary.${tag}.echo`, ({ args }) => `${args[0]} back`);
  await responder.register(`com.canary.${tag}.fail`, () => {
    throw new WampError(`com.canary.${tag}.error`, [`${CANARY} in an error`]);
  });
  await originator.publish(`com.canary.${tag}.topic`, [CANARY], { secret: CANARY }, { acknowledge: true });
  assert.deepEqual(await within(event.promise, 3000, 'event'), [CANARY]);
  assert.deepEqual((await originator.call(`com.canary.${tag}.echo`, [CANARY])).args, [`${CANARY} back`]);
  await assert.rejects(originator.call(`com.canary.${tag}.fail`), (error: unknown) => {
    assert.ok(error instanceof WampError);
    assert.equal(error.args[0], `${CANARY} in an error`);
    return true;
  });
}

test('control: without a codec the instrumented router does see the canary', async () => {
  seen.length = 0;
  await roundTrip({}, 'json', 'clear');
  assert.equal(leaked(), true);
});

for (const serializer of SERIALIZERS) {
  test(`cryptobox over ${serializer}: the canary never reaches the router`, async () => {
    seen.length = 0;
    const originator = CryptoboxKeyring.generateKey();
    const responder = CryptoboxKeyring.generateKey();
    await roundTrip(
      {
        originator: new CryptoboxKeyring().setKey('com.canary', {
          originatorPriv: originator.privateKey,
          responderPub: responder.publicKey,
        }),
        responder: new CryptoboxKeyring().setKey('com.canary', {
          originatorPub: originator.publicKey,
          responderPriv: responder.privateKey,
        }),
      },
      serializer,
      `box${serializer}`,
    );
    assert.ok(seen.length > 0);
    assert.equal(leaked(), false);
  });

  test(`jose over ${serializer}: the canary never reaches the router`, async () => {
    seen.length = 0;
    const reader = await generateKeyPair('X25519');
    await roundTrip(
      {
        originator: createJoseCodec(
          { seal, open },
          { keySets: [{ prefix: 'com.canary', recipients: [reader.publicJwk] }] },
        ),
        responder: createJoseCodec(
          { seal, open },
          { keySets: [{ prefix: 'com.canary', privateKeys: [reader.privateJwk] }] },
        ),
      },
      serializer,
      `jose${serializer}`,
    );
    assert.ok(seen.length > 0);
    assert.equal(leaked(), false);
  });
}
