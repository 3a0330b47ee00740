/**
 * wampy (npm) through the Sealwire router: spec Payload PassThru Mode (`ppt_*`, one binary argument)
 * forwarded untouched between serializers, and plain interop with the Sealwire client.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type EventInfo, type WampClient, type WampMessage } from 'sealwire/wamp';
import { Wampy } from 'wampy';
import { CborSerializer } from 'wampy/CborSerializer.js';
import { JsonSerializer } from 'wampy/JsonSerializer.js';
import { MsgpackSerializer } from 'wampy/MsgpackSerializer.js';
import WebSocket from 'ws';
import { deferred, startRouter, type TestRouter, waitFor, within } from '../wamp/helpers.ts';
import { joinedPeer } from '../wamp/raw.ts';

let router: TestRouter;
const received: WampMessage[] = [];
const wampies: Wampy[] = [];
const clients: WampClient[] = [];
const PPT = {
  ppt_scheme: 'wamp',
  ppt_serializer: 'cbor',
  ppt_cipher: 'xsalsa20poly1305',
  ppt_keyid: 'key-1',
};

type Transport = 'json' | 'msgpack' | 'cbor';
// wampy does not export these types; derive them from its methods.
type EventData = Parameters<Parameters<Wampy['subscribe']>[1]>[0];
type InvocationData = Parameters<Parameters<Wampy['register']>[1]>[0];
type WampyOptions = NonNullable<ConstructorParameters<typeof Wampy>[1]>;
function serializer(name: Transport) {
  return name === 'json'
    ? new JsonSerializer()
    : name === 'msgpack'
      ? new MsgpackSerializer()
      : new CborSerializer();
}

async function wampy(transport: Transport): Promise<Wampy> {
  const client = new Wampy(router.url, {
    realm: 'realm1',
    ws: WebSocket as unknown as WampyOptions['ws'],
    serializer: serializer(transport),
    payloadSerializers: { cbor: new CborSerializer() },
    autoReconnect: false,
  });
  await client.connect();
  wampies.push(client);
  return client;
}

before(async () => {
  router = await startRouter({}, { received: (_frame, message) => void received.push(message) });
});

after(async () => {
  for (const client of wampies) await client.disconnect().catch(() => {});
  for (const client of clients) await client.close(500);
  await router.close();
});

test('the router announces payload_passthru_mode and wampy accepts it', async () => {
  const client = await wampy('json');
  assert.equal(client.getOpStatus().code, 0);
});

// wampy's JSON serializer has no binary support (no \0+base64), so its PPT runs over msgpack and cbor;
// JSON subscribers of PPT events are covered below with a raw JSON peer.
for (const [from, to] of [
  ['msgpack', 'cbor'],
  ['cbor', 'msgpack'],
  ['msgpack', 'msgpack'],
] as Array<[Transport, Transport]>) {
  test(`wampy PPT pub/sub, publisher on ${from}, subscriber on ${to}`, async () => {
    const subscriber = await wampy(to);
    const publisher = await wampy(from);
    const got = deferred<EventData>();
    const topic = `com.wampy.ppt.${from}.${to}`;
    await subscriber.subscribe(topic, (event: EventData) => got.resolve(event));
    received.length = 0;
    await publisher.publish(
      topic,
      { argsList: ['opaque', 7], argsDict: { k: 'v' } },
      { ...PPT, acknowledge: true },
    );
    const event = await within(got.promise, 5000, 'wampy event');
    assert.deepEqual(event.argsList, ['opaque', 7]);
    assert.deepEqual(event.argsDict, { k: 'v' });
    for (const [key, value] of Object.entries(PPT)) assert.equal(event.details[key], value, key);
    // What the router received is one binary element, not the arguments.
    const publish = received.find((message) => message[0] === 16)!;
    assert.equal((publish[4] as unknown[]).length, 1);
    assert.ok((publish[4] as unknown[])[0] instanceof Uint8Array);
  });
}

test('wampy PPT RPC: caller and callee on different serializers; the result comes back in PPT form', async () => {
  const callee = await wampy('cbor');
  const caller = await wampy('msgpack');
  await callee.register('com.wampy.ppt.add', async ({ argsList, details }: InvocationData) => {
    assert.equal(details.ppt_scheme, 'wamp');
    const [a, b] = (argsList ?? []) as number[];
    return { options: { ...PPT }, argsList: [a! + b!] };
  });
  const result = await caller.call('com.wampy.ppt.add', { argsList: [40, 2] }, { ...PPT });
  assert.deepEqual(result.argsList, [42]);
  assert.equal(result.details.ppt_scheme, 'wamp');
  assert.equal(result.details.ppt_keyid, 'key-1');
});

test('the PPT payload reaches a JSON subscriber byte for byte (binary translated to \\0+base64 and back)', async () => {
  const raw = await joinedPeer(router.url, 'json');
  raw.send([32, 1, {}, 'com.wampy.bytes']);
  await raw.next(33);
  const publisher = await wampy('cbor');
  received.length = 0;
  await publisher.publish('com.wampy.bytes', { argsList: [1, 'two'] }, { ...PPT, acknowledge: true });
  const event = await raw.next(36);
  const sent = (received.find((message) => message[0] === 16)![4] as Uint8Array[])[0]!;
  const forwarded = (event[4] as Uint8Array[])[0]!;
  assert.deepEqual(new Uint8Array(forwarded), new Uint8Array(sent));
  raw.close();
});

test('plain wampy and the Sealwire client interoperate (pub/sub both ways, RPC both ways)', async () => {
  const w = await wampy('msgpack');
  const sw = await connect({ url: router.url, realm: 'realm1', serializer: 'cbor', reconnect: false });
  clients.push(sw);
  const swEvents: EventInfo[] = [];
  await sw.subscribe('com.mixed.to_sw', (event) => void swEvents.push(event));
  await w.publish('com.mixed.to_sw', { argsList: ['from wampy'], argsDict: { n: 1 } });
  await waitFor(() => swEvents.length === 1);
  assert.deepEqual(swEvents[0]!.args, ['from wampy']);
  assert.deepEqual(swEvents[0]!.kwargs, { n: 1 });
  const wEvent = deferred<EventData>();
  await w.subscribe('com.mixed.to_wampy', (event: EventData) => wEvent.resolve(event));
  await sw.publish('com.mixed.to_wampy', ['from sealwire'], undefined, { acknowledge: true });
  assert.deepEqual((await within(wEvent.promise, 3000, 'event to wampy')).argsList, ['from sealwire']);
  await w.register('com.mixed.wampy_callee', async ({ argsList }: InvocationData) => ({
    argsList: [(argsList?.[0] as number) * 2],
  }));
  assert.deepEqual((await sw.call('com.mixed.wampy_callee', [21])).args, [42]);
  await sw.register('com.mixed.sw_callee', ({ args }) => `hello ${args[0]}`);
  assert.deepEqual((await w.call('com.mixed.sw_callee', { argsList: ['wampy'] })).argsList, ['hello wampy']);
});
