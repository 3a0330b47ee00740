/**
 * Faults with real processes: the relay killed mid-call, the service killed mid-call (pending calls fail within
 * a second or two, never hang), and a slow client downloading through the relay (relay memory stays bounded:
 * backpressure, not buffering).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectTunnel } from 'sealwire/tunnel';
import { HANDLERS, startRelay, startServiceProcess } from '../helpers/processes.ts';

const MiB = 1024 * 1024;
const base = mkdtempSync(join(tmpdir(), 'sealwire-faults-'));

async function setup(id: string) {
  const relay = await startRelay();
  const service = await startServiceProcess({
    relay: relay.url,
    dataDir: join(base, id),
    id,
    adminPassword: 'faults admin password',
    handlers: HANDLERS,
  });
  const client = await connectTunnel(id, { relay: relay.url, fingerprint: service.fingerprint });
  return { relay, service, client };
}

/**
 * Watches `work` from now on, so a rejection that lands while the test is still awaiting the kill is observed
 * (not an unhandled rejection); `within(ms)` then says how it ended and when.
 */
function watch(work: Promise<unknown>) {
  const outcome = work.then(
    () => ({ error: undefined, at: Date.now() }),
    (error: Error & { code?: string }) => ({ error, at: Date.now() }),
  );
  return {
    async within(ms: number, killedAt: number): Promise<{ code: string; elapsed: number }> {
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms: a hang`)), ms);
      });
      try {
        const { error, at } = await Promise.race([outcome, hang]);
        if (!error) throw new Error('succeeded, but its tunnel was cut');
        return { code: error.code ?? error.name, elapsed: at - killedAt };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

test('relay killed mid-call: every pending call fails within two seconds', { timeout: 60_000 }, async () => {
  const { relay, service, client } = await setup('fault-relay');
  try {
    assert.equal((await client.call('ping', 1)).value, 1);
    const pending = [
      client.call('sleep', { ms: 20_000 }),
      client.call('sleep', { ms: 20_000 }),
      (async () => {
        for await (const _ of client.stream('download', { bytes: 4096 * MiB })) {
          // keep reading
        }
      })(),
    ].map(watch);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await relay.stop('SIGKILL');
    const outcomes = await Promise.all(pending.map((work) => work.within(5000, killedAt)));
    for (const outcome of outcomes) {
      assert.ok(['ERR_CONNECTION_LOST', 'ERR_TRUNCATED'].includes(outcome.code), outcome.code);
      assert.ok(outcome.elapsed < 2500, `noticed ${outcome.elapsed} ms after the kill`);
    }
  } finally {
    client.close();
    await service.stop();
    await relay.stop();
  }
});

test('service killed mid-call: the caller gets an error within two seconds', {
  timeout: 60_000,
}, async () => {
  const { relay, service, client } = await setup('fault-service');
  try {
    const pending = watch(client.call('sleep', { ms: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await service.stop('SIGKILL');
    const outcome = await pending.within(5000, killedAt);
    assert.equal(outcome.code, 'ERR_CONNECTION_LOST');
    assert.ok(outcome.elapsed < 2500, `noticed ${outcome.elapsed} ms after the kill`);
    // The service is gone: a new session is refused with the relay's reason, not a hang.
    await assert.rejects(
      connectTunnel('fault-service', {
        relay: relay.url,
        fingerprint: service.fingerprint,
        connectTimeoutMs: 3000,
      }),
      {
        code: 'ERR_TUNNEL_UNAVAILABLE',
      },
    );
  } finally {
    client.close();
    await relay.stop();
  }
});

test('a slow client downloading 1 GiB: relay memory stays bounded', { timeout: 120_000 }, async () => {
  const { relay, service, client } = await setup('fault-slow');
  try {
    await client.call('ping', 'warm');
    const before = relay.rssMiB();
    let received = 0;
    let peak = before;
    const reader = (async () => {
      let nextPause = MiB;
      for await (const chunk of client.stream('download', { bytes: 1024 * MiB }, { deadlineMs: 120_000 })) {
        received += chunk.length;
        if (received < nextPause) continue;
        nextPause += MiB;
        // 50 ms per MiB, ~20 MiB/s: far slower than the service produces and the relay forwards.
        await new Promise((resolve) => setTimeout(resolve, 50));
        peak = Math.max(peak, relay.rssMiB());
        if (received > 96 * MiB) break;
      }
    })();
    await reader;
    console.log(
      `# relay RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB peak while a slow client read ${(received / MiB).toFixed(0)} MiB`,
    );
    assert.ok(peak - before < 64, `relay grew by ${(peak - before).toFixed(0)} MiB`);
  } finally {
    client.close();
    await service.stop();
    await relay.stop();
  }
});
