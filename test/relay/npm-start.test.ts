/**
 * `npm start` under a process manager or a terminal: npm runs the script through `sh -c` and forwards
 * SIGTERM and SIGINT to that child only. The relay must be that child (the script `exec`s it), so a SIGTERM
 * to npm stops the relay and frees its port instead of orphaning it; and Ctrl-C, which reaches the relay
 * twice (from the terminal and again from npm), is still one graceful shutdown.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, test } from 'node:test';
import { deferred, within } from '../wamp/helpers.ts';
import { frame, Opcode, open, upgradeRequest } from './raw-socket.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const started: ChildProcess[] = [];

interface NpmRelay {
  npm: ChildProcess;
  output(): string;
  relayPid: number;
  port: number;
  exited: Promise<number | null>;
}

async function npmStart(): Promise<NpmRelay> {
  // detached: its own process group, as a terminal's foreground job is (and so the test can clean it up).
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, SEALWIRE_RELAY_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(npm);
  let text = '';
  const listening = deferred<{ pid: number; url: string }>();
  const collect = (chunk: string) => {
    text += chunk;
    const line = text.split('\n').find((entry) => entry.includes('"relay listening"'));
    if (line !== undefined) listening.resolve(JSON.parse(line));
  };
  npm.stdout!.setEncoding('utf8').on('data', collect);
  npm.stderr!.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  const ready = await within(listening.promise, 30_000, `npm start: ${text}`);
  return { npm, output: () => text, relayPid: ready.pid, port: Number(new URL(ready.url).port), exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function gone(relay: NpmRelay, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(relay.relayPid) && (await portRefuses(relay.port))) {
      // Its last lines may still be in the pipe.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
});

test('SIGTERM to the npm process stops the relay and frees its port', async () => {
  const relay = await npmStart();
  relay.npm.kill('SIGTERM');
  await within(relay.exited, 10_000, 'npm exit');
  const stopped = await gone(relay, 5000);
  if (!stopped) process.kill(relay.relayPid, 'SIGKILL');
  assert.ok(stopped, `relay ${relay.relayPid} still running or port ${relay.port} still open`);
  assert.match(relay.output(), /"relay stopped"/, 'a graceful shutdown, not a kill');
});

test('Ctrl-C (SIGINT to the whole group, forwarded again by npm) is one graceful shutdown', async () => {
  const relay = await npmStart();
  // A session that ignores the close frame keeps the drain going (the close grace, 2 s), long enough for
  // npm's forwarded copy of the signal to arrive while the relay is still shutting down.
  const stubborn = await open(relay.port);
  await stubborn.write(upgradeRequest('/ws', 'wamp.2.json'));
  await stubborn.read('\r\n\r\n');
  await stubborn.write(frame(Opcode.text, JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }])));
  await stubborn.read('[2,');
  process.kill(-relay.npm.pid!, 'SIGINT');
  await within(relay.exited, 10_000, 'npm exit');
  const stopped = await gone(relay, 5000);
  if (!stopped) process.kill(relay.relayPid, 'SIGKILL');
  assert.ok(stopped, `relay ${relay.relayPid} still running or port ${relay.port} still open`);
  assert.match(relay.output(), /"relay stopped"/, relay.output());
  assert.equal(await relay.exited, 130, 'Ctrl-C: 130, as every sealwire command stopped by it');
  assert.equal(relay.output().match(/"signal received"/g)?.length, 1, relay.output());
  await stubborn.reset();
});
