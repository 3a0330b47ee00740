/**
 * `sealwire service start` as a long-running process: it outlives relay restarts and a replacement relay on
 * the same address (re-registering, with a log line per attempt), stops on Ctrl-C / SIGTERM without a
 * reconnect notice (exit 130 / 143), and holds its data directory against a second instance (a stale lock
 * from a dead process is taken over).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { freePort, type RelayAt, sleep, spawnCli, startRelayAt } from './support.ts';

const base = mkdtempSync(join(tmpdir(), 'sealwire-life-'));
const PASSWORD = 'lifecycle admin password';
const env = { SEALWIRE_ADMIN_PASSWORD: PASSWORD };

function startService(id: string, relay: string, dataDir = join(base, id)) {
  return spawnCli(['service', 'start', '--id', id, '--relay', relay, '--data-dir', dataDir], env);
}

async function call(relay: string, id: string, fingerprint: string, arg: string) {
  const result = await sealwire([
    'call',
    '--relay',
    relay,
    '--service',
    id,
    '--fingerprint',
    fingerprint,
    'ping',
    JSON.stringify(arg),
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout.toString()), arg);
}

test('a service survives a relay restart and a crashed relay replaced on the same port', {
  timeout: 120_000,
}, async () => {
  const port = await freePort();
  let relay: RelayAt = await startRelayAt(port);
  const service = startService('life-1', relay.url);
  try {
    const fingerprint = (await service.waitFor(/^sha256 Fingerprint=(\S+)$/m))[1]!;
    await call(relay.url, 'life-1', fingerprint, 'before');

    // 1. A graceful restart: the relay says goodbye, the service keeps trying until a relay is back.
    let mark = service.output().length;
    await relay.stop('SIGTERM');
    await service.waitFor(/relay connection lost \(1000 relay shutting down\); reconnecting/, { from: mark });
    await sleep(3000);
    assert.equal(service.child.exitCode, null, `the service exited:\n${service.output()}`);
    relay = await startRelayAt(port);
    await service.waitFor(/service life-1 registered again at ws:\/\/127\.0\.0\.1:\d+/, { from: mark });
    await call(relay.url, 'life-1', fingerprint, 'after a restart');

    // 2. A crash (no close frame), then a new relay process a few seconds later.
    mark = service.output().length;
    await relay.stop('SIGKILL');
    await service.waitFor(/relay connection lost/, { from: mark });
    await sleep(4000);
    relay = await startRelayAt(port);
    await service.waitFor(/registered again/, { from: mark, ms: 40_000 });
    await call(relay.url, 'life-1', fingerprint, 'after a replacement');

    // One line per attempt, each naming the attempt and why the last one failed.
    const attempts = service
      .output()
      .slice(mark)
      .match(/reconnecting to \S+ in [\d.]+ s \(attempt \d+/g);
    assert.ok((attempts?.length ?? 0) >= 2, service.output());
    assert.match(service.output().slice(mark), /connection refused: is the relay running at/);
  } finally {
    await service.stop();
    await relay.stop();
  }
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} stops the service without a reconnect notice, exit ${code}`, {
    timeout: 60_000,
  }, async () => {
    const relay = await startRelayAt(await freePort());
    const id = `life-${signal.toLowerCase()}`;
    const service = startService(id, relay.url);
    try {
      await service.waitFor(/^sha256 Fingerprint=/m);
      service.child.kill(signal);
      assert.equal(await service.exited(), code);
      assert.match(service.output(), /service stopped/);
      assert.doesNotMatch(service.output(), /reconnect|connection lost/);
      assert.ok(!existsSync(join(base, id, 'service.lock')), 'the lock is released');
    } finally {
      await service.stop();
      await relay.stop();
    }
  });
}

test('a second start on the same data dir is refused and the first keeps serving; a stale lock is taken over', {
  timeout: 90_000,
}, async () => {
  const relay = await startRelayAt(await freePort());
  const dataDir = join(base, 'life-lock');
  const first = startService('life-lock', relay.url, dataDir);
  try {
    const fingerprint = (await first.waitFor(/^sha256 Fingerprint=(\S+)$/m))[1]!;
    assert.equal(readFileSync(join(dataDir, 'service.lock'), 'utf8').trim(), String(first.child.pid));
    const second = startService('life-lock', relay.url, dataDir);
    assert.equal(await second.exited(), 1, 'refused, not started');
    assert.match(
      second.output(),
      new RegExp(`service data dir ${dataDir} is in use by process ${first.child.pid}: stop it first`),
    );
    assert.match(second.output(), /\[ERR_ALREADY_RUNNING\]/);
    assert.equal(second.output().trim().split('\n').length, 1, 'one line');
    // The first one was not knocked off the relay.
    await call(relay.url, 'life-lock', fingerprint, 'still here');
    assert.doesNotMatch(first.output(), /connection lost|4409/);
    await first.stop('SIGTERM');

    // A lock left by a process that died without cleaning up (kill -9) does not block the next start.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dataDir, 'service.lock'), `${dead.stdout.toString()}\n`);
    const third = startService('life-lock', relay.url, dataDir);
    try {
      await third.waitFor(/^sha256 Fingerprint=/m);
      assert.equal(readFileSync(join(dataDir, 'service.lock'), 'utf8').trim(), String(third.child.pid));
      await call(relay.url, 'life-lock', fingerprint, 'after a stale lock');
    } finally {
      await third.stop();
    }
  } finally {
    await first.stop();
    await relay.stop();
  }
});
