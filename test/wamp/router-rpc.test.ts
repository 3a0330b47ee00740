/** Dealer behaviour: matching, shared registrations, progressive results, cancel, timeouts, disconnects. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CallResult,
  connect,
  type SerializerId,
  SessionClosedError,
  type WampClient,
  WampError,
} from 'sealwire/wamp';
import { deferred, startRouter, type TestRouter, waitFor, within } from './helpers.ts';
import { joinedPeer } from './raw.ts';

let router: TestRouter;
const clients: WampClient[] = [];

async function client(serializer: SerializerId = 'json'): Promise<WampClient> {
  const created = await connect({ url: router.url, realm: 'realm1', serializer, reconnect: false });
  clients.push(created);
  return created;
}

function wampError(uri: string) {
  return (error: unknown) => {
    assert.ok(error instanceof WampError, `expected WampError, got ${String(error)}`);
    assert.equal(error.uri, uri);
    return true;
  };
}

before(async () => {
  router = await startRouter();
});

after(async () => {
  for (const created of clients) await created.close(500);
  await router.close();
});

test('call and result across serializers; CallResult carries args and kwargs; errors come back typed', async () => {
  const callee = await client('cbor');
  const caller = await client('msgpack');
  await callee.register('com.rpc.add', ({ args }) => (args[0] as number) + (args[1] as number));
  await callee.register(
    'com.rpc.multi',
    ({ args, kwargs }) => new CallResult([...args].reverse(), { ...kwargs, ok: true }),
  );
  await callee.register('com.rpc.fail', () => {
    throw new WampError('com.rpc.error.refused', ['no'], { why: 'test' });
  });
  assert.deepEqual((await caller.call('com.rpc.add', [2, 3])).args, [5]);
  const multi = await caller.call('com.rpc.multi', [1, 2, 3], { x: 1 });
  assert.deepEqual(multi.args, [3, 2, 1]);
  assert.deepEqual(multi.kwargs, { x: 1, ok: true });
  await assert.rejects(caller.call('com.rpc.fail'), (error: unknown) => {
    assert.ok(error instanceof WampError);
    assert.equal(error.uri, 'com.rpc.error.refused');
    assert.deepEqual(error.kwargs, { why: 'test' });
    return true;
  });
  await assert.rejects(caller.call('com.rpc.nobody'), wampError('wamp.error.no_such_procedure'));
});

test('exact beats prefix beats wildcard; pattern invocations carry the procedure', async () => {
  const callee = await client();
  const caller = await client();
  await callee.register('com.pat.a.b', () => 'exact');
  await callee.register('com.pat.', ({ procedure }) => `prefix ${procedure}`, { match: 'prefix' });
  await callee.register('com.pat.a.b.c', () => 'exact2');
  await callee.register('com..x', ({ procedure }) => `wildcard ${procedure}`, { match: 'wildcard' });
  assert.deepEqual((await caller.call('com.pat.a.b')).args, ['exact']);
  assert.deepEqual((await caller.call('com.pat.zzz')).args, ['prefix com.pat.zzz']);
  assert.deepEqual((await caller.call('com.q.x')).args, ['wildcard com.q.x']);
});

test('shared registrations: single refuses a second callee; roundrobin alternates; random stays in the set', async () => {
  const first = await client();
  const second = await client('cbor');
  const caller = await client();
  await first.register('com.shared.single', () => 'first');
  await assert.rejects(
    second.register('com.shared.single', () => 'second'),
    wampError('wamp.error.procedure_already_exists'),
  );
  await first.register('com.shared.rr', () => 'first', { invoke: 'roundrobin' });
  await second.register('com.shared.rr', () => 'second', { invoke: 'roundrobin' });
  await assert.rejects(
    second.register('com.shared.rr', () => 'again', { invoke: 'random' }),
    wampError('wamp.error.procedure_already_exists'),
  );
  const order = [];
  for (let i = 0; i < 4; i++) order.push((await caller.call('com.shared.rr')).args[0]);
  assert.deepEqual(order, ['first', 'second', 'first', 'second']);
  await first.register('com.shared.random', () => 'first', { invoke: 'random' });
  await second.register('com.shared.random', () => 'second', { invoke: 'random' });
  const seen = new Set();
  for (let i = 0; i < 40; i++) seen.add((await caller.call('com.shared.random')).args[0]);
  assert.deepEqual([...seen].sort(), ['first', 'second']);
});

test('progressive results reach the caller before the final result', async () => {
  const callee = await client('msgpack');
  const caller = await client('json');
  await callee.register('com.rpc.progress', async ({ progress }) => {
    assert.ok(progress, 'caller asked for progress');
    for (let i = 1; i <= 3; i++) progress([i]);
    return 'done';
  });
  const progress: unknown[] = [];
  const result = await caller.call('com.rpc.progress', [], undefined, {
    onProgress: (p) => progress.push(p.args[0]),
  });
  assert.deepEqual(progress, [1, 2, 3]);
  assert.deepEqual(result.args, ['done']);
});

test('cancel: the caller gets wamp.error.canceled and the callee sees its signal abort', async () => {
  const callee = await client();
  const caller = await client();
  const aborted = deferred<void>();
  await callee.register(
    'com.rpc.slow',
    ({ signal }) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted.resolve();
          resolve('late');
        });
      }),
  );
  for (const mode of ['killnowait', 'kill', 'skip'] as const) {
    const controller = new AbortController();
    const call = caller.call('com.rpc.slow', [], undefined, { signal: controller.signal, cancelMode: mode });
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(within(call, 3000, `cancel ${mode}`), wampError('wamp.error.canceled'));
  }
  await within(aborted.promise, 3000, 'INTERRUPT reached the callee');
});

test('call timeout: the router answers wamp.error.timeout and interrupts the callee', async () => {
  const callee = await client();
  const caller = await client();
  const interrupted = deferred<void>();
  await callee.register(
    'com.rpc.never',
    ({ signal }) => new Promise(() => signal.addEventListener('abort', () => interrupted.resolve())),
  );
  await assert.rejects(
    within(caller.call('com.rpc.never', [], undefined, { timeout: 100 }), 3000, 'timeout'),
    wampError('wamp.error.timeout'),
  );
  await within(interrupted.promise, 3000, 'interrupt after timeout');
});

test('caller disclosure', async () => {
  const callee = await client();
  const caller = await client();
  await callee.register('com.rpc.who', ({ caller: id, details }) => [
    id ?? null,
    details.caller_authrole ?? null,
  ]);
  assert.deepEqual((await caller.call('com.rpc.who')).args, [[null, null]]);
  assert.deepEqual((await caller.call('com.rpc.who', [], undefined, { discloseMe: true })).args, [
    [caller.session!.id, 'anonymous'],
  ]);
});

test('a callee that disconnects mid-call: the caller gets an error at once, not a hang', async () => {
  const callee = await joinedPeer(router.url, 'json');
  callee.send([64, 1, {}, 'com.rpc.vanish']);
  await callee.next(65);
  const caller = await client('cbor');
  const call = caller.call('com.rpc.vanish', [1]);
  await callee.next(68);
  callee.close();
  await assert.rejects(within(call, 3000, 'error after callee loss'), (error: unknown) => {
    assert.ok(error instanceof WampError);
    assert.equal(error.uri, 'wamp.error.canceled');
    assert.match(String(error.args[0]), /callee disconnected/);
    return true;
  });
  // The registration went with the callee.
  await assert.rejects(caller.call('com.rpc.vanish'), wampError('wamp.error.no_such_procedure'));
});

test('calls in flight when the caller loses its connection are rejected with SessionClosedError', async () => {
  const callee = await client();
  await callee.register('com.rpc.hang', () => new Promise(() => {}));
  const caller = await client();
  const call = caller.call('com.rpc.hang');
  call.catch(() => {}); // observed now: it rejects while close() is still being awaited
  await waitFor(() => router.router.connectionCount > 0);
  await caller.close(200);
  await assert.rejects(
    within(call, 3000, 'rejection on close'),
    (error: unknown) => error instanceof SessionClosedError,
  );
});

test('unregister removes the procedure', async () => {
  const callee = await client();
  const caller = await client();
  const registration = await callee.register('com.rpc.gone', () => 1);
  assert.deepEqual((await caller.call('com.rpc.gone')).args, [1]);
  await registration.unregister();
  await assert.rejects(caller.call('com.rpc.gone'), wampError('wamp.error.no_such_procedure'));
});

test('handlers answer the same whether they return at once or later, throw or reject', async () => {
  const callee = await client('msgpack');
  const caller = await client('msgpack');
  await callee.register('com.rpc.sync', ({ args }) => args[0]);
  await callee.register('com.rpc.async', async ({ args }) => args[0]);
  await callee.register('com.rpc.thenable', ({ args }) => ({
    // biome-ignore lint/suspicious/noThenProperty: a foreign thenable, as `await` accepts it
    then: (resolve: (value: unknown) => void) => resolve(args[0]),
  }));
  await callee.register('com.rpc.none', () => undefined);
  await callee.register('com.rpc.kwargs', () => new CallResult(['a'], { b: 1 }));
  await callee.register('com.rpc.throws', () => {
    throw new Error('sync failure');
  });
  await callee.register('com.rpc.rejects', async () => {
    throw new Error('async failure');
  });
  for (const procedure of ['com.rpc.sync', 'com.rpc.async', 'com.rpc.thenable'])
    assert.deepEqual((await caller.call(procedure, [7])).args, [7], procedure);
  assert.deepEqual((await caller.call('com.rpc.none')).args, []);
  const both = await caller.call('com.rpc.kwargs');
  assert.deepEqual([both.args, both.kwargs], [['a'], { b: 1 }]);
  for (const [procedure, text] of [
    ['com.rpc.throws', 'sync failure'],
    ['com.rpc.rejects', 'async failure'],
  ] as const)
    await assert.rejects(caller.call(procedure), (error: unknown) => {
      assert.ok(error instanceof WampError);
      assert.equal(error.uri, 'wamp.error.runtime_error');
      assert.deepEqual(error.args, [text]);
      return true;
    });
  // Many calls in flight at once all come back, each with its own answer.
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => caller.call(i % 2 ? 'com.rpc.sync' : 'com.rpc.async', [i])),
  );
  assert.deepEqual(
    answers.map((answer) => answer.args[0]),
    Array.from({ length: 200 }, (_, i) => i),
  );
});
