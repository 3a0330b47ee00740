/** Automatic reconnect with backoff: after a router restart the client rejoins, re-subscribes and re-registers. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { connect, type EventInfo } from 'sealwire/wamp';
import { createWampEndpoint, Router } from 'sealwire/wamp/router';
import { waitFor } from './helpers.ts';

async function routerOn(port: number) {
  const router = new Router();
  const endpoint = createWampEndpoint(router, { pingIntervalMs: 0, closeGraceMs: 200 });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    async close() {
      await endpoint.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('router restart: the client rejoins, re-subscribes and re-registers by itself', async () => {
  let first = await routerOn(0);
  const url = `ws://127.0.0.1:${first.port}/ws`;
  const joins: number[] = [];
  const leaves: Array<[string, boolean]> = [];
  const events: EventInfo[] = [];
  const client = await connect({
    url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    onJoin: (session) => joins.push(session.id),
    onLeave: (reason, willReconnect) => leaves.push([reason, willReconnect]),
  });
  try {
    await client.subscribe('com.restart.news', (event) => void events.push(event));
    await client.register('com.restart.echo', ({ args }) => args[0]);
    await waitFor(() => joins.length === 1);
    await first.close();
    await waitFor(() => leaves.length >= 1);
    assert.deepEqual(leaves[0], ['wamp.close.system_shutdown', true]);
    // Down for a while: reconnect attempts fail and back off, then the router is back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    first = await routerOn(first.port);
    await waitFor(() => joins.length === 2, 10_000, 'rejoin');
    assert.notEqual(joins[1], joins[0]);
    const other = await connect({ url, realm: 'realm1', reconnect: false });
    await waitFor(() => client.isConnected);
    // Registration and subscription come back under the new session (restored right after WELCOME).
    let result: unknown;
    for (let attempt = 0; attempt < 50 && result === undefined; attempt++) {
      result = await other
        .call('com.restart.echo', ['again'])
        .then((r) => r.args[0])
        .catch(() => undefined);
      if (result === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(result, 'again');
    await other.publish('com.restart.news', ['after restart'], undefined, { acknowledge: true });
    await waitFor(() => events.length === 1);
    assert.deepEqual(events[0]!.args, ['after restart']);
    await other.close(500);
  } finally {
    await client.close(500);
    await first.close();
  }
});

test('no reconnect when reconnect is off', async () => {
  const server = await routerOn(0);
  try {
    const leaves: Array<[string, boolean]> = [];
    const client = await connect({
      url: `ws://127.0.0.1:${server.port}/ws`,
      realm: 'realm1',
      reconnect: false,
      onLeave: (reason, willReconnect) => leaves.push([reason, willReconnect]),
    });
    await server.close();
    await waitFor(() => leaves.length === 1);
    assert.equal(leaves[0]![1], false);
    assert.equal(client.isConnected, false);
  } finally {
    await server.close().catch(() => {});
  }
});
