/**
 * autobahn (npm, 22.11 — the version that runs on Node 20) as a plain WAMP client through the Sealwire
 * router: pub/sub and RPC with itself and with the Sealwire client, on each of its serializers.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { connect, type EventInfo, type WampClient } from 'sealwire/wamp';
import { deferred, startRouter, type TestRouter, waitFor, within } from '../wamp/helpers.ts';

interface AutobahnSession {
  id: number;
  publish(topic: string, args?: unknown[], kwargs?: object, options?: object): Promise<unknown> | undefined;
  subscribe(
    topic: string,
    handler: (args: unknown[], kwargs: Record<string, unknown>) => void,
  ): Promise<unknown>;
  call(procedure: string, args?: unknown[], kwargs?: object): Promise<unknown>;
  register(
    procedure: string,
    handler: (args: unknown[], kwargs: Record<string, unknown>) => unknown,
  ): Promise<unknown>;
}
interface AutobahnConnection {
  onopen: (session: AutobahnSession) => void;
  onclose: (reason: string, details: unknown) => boolean;
  open(): void;
  close(): void;
}
interface AutobahnModule {
  Connection: new (options: object) => AutobahnConnection;
  serializer: Record<'JSONSerializer' | 'MsgpackSerializer' | 'CBORSerializer', new () => object>;
}

const autobahn = createRequire(import.meta.url)('autobahn') as AutobahnModule;
let router: TestRouter;
const connections: AutobahnConnection[] = [];
const clients: WampClient[] = [];

async function autobahnSession(
  serializer: 'JSONSerializer' | 'MsgpackSerializer' | 'CBORSerializer',
): Promise<AutobahnSession> {
  const connection = new autobahn.Connection({
    url: router.url,
    realm: 'realm1',
    serializers: [new autobahn.serializer[serializer]()],
    max_retries: 0,
  });
  connections.push(connection);
  const opened = deferred<AutobahnSession>();
  connection.onopen = (session) => opened.resolve(session);
  connection.onclose = (reason) => {
    opened.reject(new Error(`autobahn closed: ${reason}`));
    return true;
  };
  connection.open();
  return within(opened.promise, 5000, 'autobahn join');
}

before(async () => {
  router = await startRouter();
});

after(async () => {
  for (const connection of connections) {
    try {
      connection.close();
    } catch {}
  }
  for (const client of clients) await client.close(500);
  await router.close();
});

for (const serializer of ['JSONSerializer', 'MsgpackSerializer', 'CBORSerializer'] as const) {
  test(`autobahn-js (${serializer}) <-> autobahn-js: pub/sub and RPC`, async () => {
    const a = await autobahnSession(serializer);
    const b = await autobahnSession('JSONSerializer');
    const got = deferred<unknown[]>();
    await b.subscribe(`com.ab.${serializer}.t`, (args) => got.resolve(args));
    await a.publish(`com.ab.${serializer}.t`, ['hello', 1], {}, { acknowledge: true });
    assert.deepEqual(await within(got.promise, 3000, 'event'), ['hello', 1]);
    await b.register(`com.ab.${serializer}.add`, (args) => (args[0] as number) + (args[1] as number));
    assert.equal(await a.call(`com.ab.${serializer}.add`, [2, 3]), 5);
  });

  test(`autobahn-js (${serializer}) <-> Sealwire client: pub/sub and RPC both ways`, async () => {
    const ab = await autobahnSession(serializer);
    const sw = await connect({ url: router.url, realm: 'realm1', serializer: 'msgpack', reconnect: false });
    clients.push(sw);
    const swEvents: EventInfo[] = [];
    await sw.subscribe(`com.absw.${serializer}.t1`, (event) => void swEvents.push(event));
    await ab.publish(`com.absw.${serializer}.t1`, ['from autobahn'], { n: 2 }, { acknowledge: true });
    await waitFor(() => swEvents.length === 1);
    assert.deepEqual(swEvents[0]!.args, ['from autobahn']);
    assert.deepEqual(swEvents[0]!.kwargs, { n: 2 });
    const abEvent = deferred<[unknown[], Record<string, unknown>]>();
    await ab.subscribe(`com.absw.${serializer}.t2`, (args, kwargs) => abEvent.resolve([args, kwargs]));
    await sw.publish(`com.absw.${serializer}.t2`, ['from sealwire'], { k: true }, { acknowledge: true });
    assert.deepEqual(await within(abEvent.promise, 3000, 'event to autobahn'), [
      ['from sealwire'],
      { k: true },
    ]);
    await ab.register(`com.absw.${serializer}.upper`, (args) => String(args[0]).toUpperCase());
    assert.deepEqual((await sw.call(`com.absw.${serializer}.upper`, ['abc'])).args, ['ABC']);
    await sw.register(`com.absw.${serializer}.len`, ({ args }) => String(args[0]).length);
    assert.equal(await ab.call(`com.absw.${serializer}.len`, ['four']), 4);
  });
}
