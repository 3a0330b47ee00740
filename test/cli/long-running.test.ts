/**
 * Commands that run until stopped (`wamp subscribe`) stop gracefully on a signal, and the process-wide
 * rules still hold for them: Ctrl-C exits 130 (SIGTERM, a clean shutdown, exits 0), and a reader that goes
 * away (`sealwire wamp subscribe ... | head -1`) ends the command quietly with 141, never an EPIPE stack.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { type RelayProcess, startRelay } from '../helpers/processes.ts';
import { shellStatus, start, waitFor } from './process-control.ts';

const relay: RelayProcess = await startRelay();
after(() => relay.stop());
const wampUrl = `${relay.url}/ws`;

function subscribe(topic: string) {
  const running = start(['wamp', 'subscribe', topic, '--url', wampUrl]);
  return {
    running,
    ready: waitFor(() => running.stderr().includes('subscribed to'), 20_000, 'the subscription'),
  };
}

test('wamp subscribe: Ctrl-C exits 130, SIGTERM exits 0 (graceful), no stack trace', async () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 0],
  ] as const) {
    const { running, ready } = subscribe(`com.test.signals.${signal}`);
    await ready;
    running.child.kill(signal);
    const exit = await running.exited;
    assert.equal(shellStatus(exit), status, `${signal}: ${running.stderr()}`);
    assert.ok(!running.stderr().includes('    at '), running.stderr());
  }
});

test('wamp subscribe | head -1: the reader goes away, the subscriber ends quietly with 141', async () => {
  const topic = 'com.test.pipe';
  const { running, ready } = subscribe(topic);
  await ready;
  const publish = (n: number) => sealwire(['wamp', 'publish', topic, String(n), '--url', wampUrl]);
  assert.equal((await publish(1)).code, 0);
  await waitFor(() => running.stdout().includes('\n'), 20_000, 'the first event line');
  running.child.stdout!.destroy();
  // Events keep coming; the first write after the close fails.
  for (let n = 2; n < 6 && running.child.exitCode === null && running.child.signalCode === null; n++)
    await publish(n);
  const exit = await running.exited;
  assert.ok(!running.stderr().includes('EPIPE'), running.stderr());
  assert.ok(!running.stderr().includes('    at '), running.stderr());
  assert.equal(shellStatus(exit), 141, running.stderr());
});
