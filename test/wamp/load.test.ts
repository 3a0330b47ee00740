/**
 * Bounded load on loopback: the relay in its own process, 1,000 concurrent sessions (json, msgpack,
 * cbor), 100,000 published events fanned out to 10 subscribers each (1,000,000 deliveries); no event is
 * lost or duplicated for connected subscribers; the relay's RSS is reported.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { connect, type SerializerId, type WampClient } from 'sealwire/wamp';
import { CLI_ARGS } from '../helpers/cli.ts';
import { deferred, waitFor, within } from './helpers.ts';

const SESSIONS = 1000;
const PUBLISHERS = 10;
const TOPICS = 99;
const EVENTS = 100_000;
const SERIALIZERS: SerializerId[] = ['json', 'msgpack', 'cbor'];

async function relayRss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = /sealwire_relay_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

test('1,000 sessions, 100,000 events, nothing lost; relay RSS reported', { timeout: 150_000 }, async (t) => {
  const child = spawn(process.execPath, [...CLI_ARGS, 'relay', '--port', '0'], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const clients: WampClient[] = [];
  try {
    let output = '';
    const started = deferred<string>();
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /"url":"(ws:\/\/[^"]+)"/.exec(output);
      if (match) started.resolve(match[1]!);
    });
    const url = await within(started.promise, 20_000, 'relay start');
    const base = url.replace('ws://', 'http://').replace(/\/ws$/, '');
    const rssIdle = await relayRss(base);
    const begin = performance.now();
    // Subscribers: every session but the publishers, spread over the topics and the serializers.
    const received = new Array<number>(SESSIONS - PUBLISHERS).fill(0);
    const seqSums = new Array<number>(SESSIONS - PUBLISHERS).fill(0);
    const topicOf = (index: number) => index % TOPICS;
    for (let batch = 0; batch < SESSIONS - PUBLISHERS; batch += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SESSIONS - PUBLISHERS - batch) }, async (_, offset) => {
          const index = batch + offset;
          const client = await connect({
            url,
            realm: 'realm1',
            serializer: SERIALIZERS[index % 3]!,
            reconnect: false,
          });
          clients.push(client);
          await client.subscribe(`com.load.t${topicOf(index)}`, (event) => {
            received[index]!++;
            seqSums[index]! += event.args[0] as number;
          });
        }),
      );
    }
    const publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, (_, index) =>
        connect({ url, realm: 'realm1', serializer: SERIALIZERS[index % 3]!, reconnect: false }),
      ),
    );
    clients.push(...publishers);
    const connectedMs = performance.now() - begin;
    const payload = new Uint8Array(64).fill(0xab);
    const expected = new Array<number>(TOPICS).fill(0);
    const expectedSeq = new Array<number>(TOPICS).fill(0);
    let delivered = 0;
    const totalDelivered = () => {
      delivered = 0;
      for (const count of received) delivered += count;
      return delivered;
    };
    const subscribersPerTopic = (topic: number) =>
      Math.floor((SESSIONS - PUBLISHERS - topic - 1) / TOPICS) + 1;
    let expectedDeliveries = 0;
    const publishStart = performance.now();
    for (let seq = 0; seq < EVENTS; seq++) {
      const topic = seq % TOPICS;
      expected[topic]!++;
      expectedSeq[topic]! += seq;
      expectedDeliveries += subscribersPerTopic(topic);
      await publishers[seq % PUBLISHERS]!.publish(`com.load.t${topic}`, [seq, payload]);
      // Keep the backlog bounded: everything runs on this machine's two cores.
      if (seq % 2000 === 1999)
        await waitFor(() => totalDelivered() >= expectedDeliveries - 40_000, 60_000, 'deliveries');
    }
    await waitFor(
      () => totalDelivered() >= expectedDeliveries,
      90_000,
      `all deliveries (${delivered}/${expectedDeliveries})`,
    );
    const seconds = (performance.now() - publishStart) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let index = 0; index < received.length; index++) {
      const topic = topicOf(index);
      assert.equal(received[index], expected[topic], `subscriber ${index} count`);
      assert.equal(seqSums[index], expectedSeq[topic], `subscriber ${index} sequence sum`);
    }
    assert.equal(totalDelivered(), expectedDeliveries);
    const rssLoaded = await relayRss(base);
    const health = await (await fetch(`${base}/healthz`)).json();
    assert.equal(health.sessions, SESSIONS);
    const report = `load: ${SESSIONS} sessions joined in ${Math.round(connectedMs)} ms; ${EVENTS} events -> ${expectedDeliveries} deliveries in ${seconds.toFixed(1)} s (${Math.round(expectedDeliveries / seconds)} deliveries/s); relay RSS ${(rssIdle / 2 ** 20).toFixed(0)} MiB idle, ${(rssLoaded / 2 ** 20).toFixed(0)} MiB with ${SESSIONS} sessions after the run`;
    t.diagnostic(report);
    process.stdout.write(`# ${report}\n`);
    assert.ok(rssLoaded < 1024 * 2 ** 20, 'relay RSS stays under 1 GiB');
  } finally {
    await Promise.all(clients.map((client) => client.close(1000).catch(() => {})));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});
