/**
 * A subscriber that stops reading is disconnected once its send queue passes the bound, with the reason
 * in the close frame; the other subscribers get every event.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { connect } from 'sealwire/wamp';
import { startRouter, waitFor } from './helpers.ts';
import { joinedPeer } from './raw.ts';

test('slow subscriber: disconnected with wamp.close.slow_consumer; fast subscribers unaffected', async () => {
  const errors: Array<{ kind: string; detail: string }> = [];
  const router = await startRouter(
    { limits: { maxSendQueueBytes: 256 * 1024 } },
    { error: (kind, detail) => errors.push({ kind, detail }) },
    // Time for the paused reader, once resumed, to drain its backlog and read the close frame.
    { closeGraceMs: 5000 },
  );
  try {
    const slow = await joinedPeer(router.url, 'msgpack');
    slow.send([32, 1, {}, 'com.flood']);
    await slow.next(33);
    const fast = await Promise.all(
      ['json', 'cbor'].map((serializer) =>
        connect({
          url: router.url,
          realm: 'realm1',
          serializer: serializer as 'json' | 'cbor',
          reconnect: false,
        }),
      ),
    );
    const counts = [0, 0];
    await Promise.all(
      fast.map((client, index) => client.subscribe('com.flood', () => void counts[index]!++)),
    );
    // Stop reading: the kernel buffers fill, then the router's queue for this session grows.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const publisher = await connect({
      url: router.url,
      realm: 'realm1',
      serializer: 'msgpack',
      reconnect: false,
    });
    const payload = new Uint8Array(2048).fill(7);
    const total = 10_000;
    // Paced by the fast subscribers (all in this one process): only the paused one may fall behind.
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    let paused = true;
    for (let i = 0; i < total; i++) {
      await publisher.publish('com.flood', [i, payload]);
      if (paused && errors.some((error) => error.kind === 'slow_consumer')) {
        // Read again: the backlog drains and the close frame with the reason arrives.
        socket.resume();
        paused = false;
      }
      if (i % 50 === 49)
        await waitFor(
          () => counts[0]! > i - 100 && counts[1]! > i - 100,
          10_000,
          'fast subscribers keeping up',
        );
    }
    assert.equal(paused, false, 'the paused subscriber was detected as a slow consumer');
    const closed = await slow.closed;
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /^wamp\.close\.slow_consumer: send queue over 262144 bytes/);
    await waitFor(() => counts[0] === total && counts[1] === total, 30_000, `fast subscribers (${counts})`);
    assert.deepEqual(counts, [total, total]);
    assert.equal(
      errors.filter((error) => error.kind === 'slow_consumer').length,
      1,
      'only the paused subscriber was cut off',
    );
    await publisher.close(500);
    for (const client of fast) await client.close(500);
  } finally {
    await router.close();
  }
});
