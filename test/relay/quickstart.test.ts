/**
 * The Quickstart of docs/relay.md (copied into the README), run as written: `npm start`, then the CLI
 * subscribe/publish, in clear and with a cryptobox keyring. Only the port differs: SEALWIRE_RELAY_PORT=0
 * picks a free one, and the CLI is pointed at it with SEALWIRE_WAMP_URL.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deferred, waitFor, within } from '../wamp/helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];
let relay: ReturnType<typeof run>;
let env: NodeJS.ProcessEnv;

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  // detached: npm starts a shell that starts node; the whole group is ours to signal.
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  }
}

before(async () => {
  env = { ...process.env, SEALWIRE_RELAY_PORT: '0' };
  const started = run(['start']);
  relay = started;
  const url = deferred<string>();
  started.child.stdout!.on('data', () => {
    const match = /"url":"(ws:\/\/[^"]+)"/.exec(started.out.stdout);
    if (match) url.resolve(match[1]!);
  });
  env.SEALWIRE_WAMP_URL = await within(url.promise, 30_000, `npm start (${started.out.stderr})`);
});

after(() => {
  for (const child of children) stopGroup(child, 'SIGKILL');
});

async function subscribeThenPublish(subscribeArgs: string[], publishArgs: string[]): Promise<string> {
  const subscriber = run([
    'run',
    '-s',
    'sealwire',
    '--',
    'wamp',
    'subscribe',
    ...subscribeArgs,
    '--count',
    '1',
  ]);
  await waitFor(
    () => subscriber.out.stderr.includes('subscribed to'),
    20_000,
    `subscribe (${subscriber.out.stderr})`,
  );
  const publisher = run(['run', '-s', 'sealwire', '--', 'wamp', 'publish', ...publishArgs]);
  assert.equal(await within(publisher.exited, 20_000, 'publish'), 0, publisher.out.stderr);
  assert.equal(await within(subscriber.exited, 20_000, 'subscriber exit'), 0, subscriber.out.stderr);
  return subscriber.out.stdout.trim();
}

test('Quickstart: npm start, then subscribe and publish in two terminals', async () => {
  const line = await subscribeThenPublish(['com.example.hello'], ['com.example.hello', 'hello world', '42']);
  assert.deepEqual(JSON.parse(line), {
    topic: 'com.example.hello',
    args: ['hello world', 42],
    kwargs: {},
    encrypted: false,
  });
});

test('Quickstart: the encrypted variant with a keyring made by `wamp keygen --prefix`', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-quickstart-'));
  const box = join(dir, 'box.json');
  const keygen = run(['run', '-s', 'sealwire', '--', 'wamp', 'keygen', '--prefix', 'com.example', '-o', box]);
  assert.equal(await within(keygen.exited, 20_000, 'keygen'), 0);
  assert.equal(statSync(box).mode & 0o777, 0o600);
  const line = await subscribeThenPublish(
    ['com.example.secret', '--cryptobox', box],
    ['com.example.secret', 'for your eyes', '--cryptobox', box],
  );
  assert.deepEqual(JSON.parse(line), {
    topic: 'com.example.secret',
    args: ['for your eyes'],
    kwargs: {},
    encrypted: true,
  });
  const metrics = await (
    await fetch(`${env.SEALWIRE_WAMP_URL!.replace('ws://', 'http://').replace(/\/ws$/, '')}/metrics`)
  ).text();
  assert.match(metrics, /sealwire_wamp_payloads_total\{encrypted="true"\} 1/);
});

test('Quickstart: Ctrl-C / SIGTERM stops the relay cleanly', async () => {
  // The terminal's Ctrl-C/SIGTERM reaches the whole process group (npm and the relay under it).
  stopGroup(relay.child, 'SIGTERM');
  await within(relay.exited, 15_000, 'npm exit');
  await waitFor(
    () => relay.out.stdout.includes('relay stopped') && relay.out.stdout.includes('"signal":"SIGTERM"'),
    15_000,
    `relay stopped after SIGTERM (${relay.out.stdout.slice(-500)})`,
  );
});
