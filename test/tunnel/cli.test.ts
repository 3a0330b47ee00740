/**
 * The tunnel from the command line: `sealwire call` output and exit codes, `service identity` with a relay
 * that lists its services, `service renew-cert` (the old pin stops working), `service settings`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { HANDLERS, startRelay, startServiceProcess } from '../helpers/processes.ts';

const base = mkdtempSync(join(tmpdir(), 'sealwire-tcli-'));
const env = { SEALWIRE_ADMIN_PASSWORD: 'cli admin password' };

test('call: result on stdout, E2EE information on stderr; --json; a wrong pin exits 1 naming a man-in-the-middle', {
  timeout: 120_000,
}, async () => {
  const relay = await startRelay();
  const service = await startServiceProcess({
    relay: relay.url,
    dataDir: join(base, 'cli-1'),
    id: 'cli-1',
    adminPassword: 'cli admin password',
    handlers: HANDLERS,
  });
  try {
    const ok = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-1',
      '--fingerprint',
      service.fingerprint,
      'hello',
      '"world"',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout.toString()), 'hello world');
    assert.match(ok.stderr, /e2ee: yes; service cli-1; certificate CN=cli-1/);
    const json = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-1',
      '--fingerprint',
      `sha256 Fingerprint=${service.fingerprint}`,
      '--json',
      'ping',
      '[1,2]',
    ]);
    assert.deepEqual(JSON.parse(json.stdout.toString()).result, [1, 2]);
    assert.equal(JSON.parse(json.stdout.toString()).e2ee.used, true);
    const wrong = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-1',
      '--fingerprint',
      'AB'.repeat(32),
      'ping',
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /possible man-in-the-middle; nothing was sent \[ERR_PIN_MISMATCH\]/);
    const usage = await sealwire(['call', '--relay', relay.url, '--service', 'cli-1', 'ping']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /fingerprint is required/);
    const badArg = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-1',
      '--fingerprint',
      service.fingerprint,
      'ping',
      '{not json',
    ]);
    assert.equal(badArg.code, 2);
  } finally {
    await service.stop();
    await relay.stop();
  }
});

test('a relay listing its services admits the listed identity only; renew-cert changes the pin', {
  timeout: 120_000,
}, async () => {
  // First start against a development relay, to create the data directory and its identity.
  const dev = await startRelay();
  const first = await startServiceProcess({
    relay: dev.url,
    dataDir: join(base, 'cli-2'),
    id: 'cli-2',
    adminPassword: 'cli admin password',
  });
  await first.stop();
  await dev.stop();
  const identity = await sealwire(['service', 'identity', '--data-dir', join(base, 'cli-2')]);
  assert.equal(identity.code, 0, identity.stderr);
  const config = join(base, 'relay.yaml');
  writeFileSync(
    config,
    `tunnel:\n  services:\n    cli-2:\n      publicKey: ${identity.stdout.toString().trim()}\n`,
  );
  const relay = await startRelay({ config });
  try {
    const listed = await startServiceProcess({
      relay: relay.url,
      dataDir: join(base, 'cli-2'),
      id: 'cli-2',
      adminPassword: 'cli admin password',
    });
    const oldPin = listed.fingerprint;
    await assert.rejects(
      startServiceProcess({
        relay: relay.url,
        dataDir: join(base, 'cli-3'),
        id: 'cli-3',
        adminPassword: 'cli admin password',
      }),
      /unknown service id/,
    );
    await listed.stop();
    const renewed = await sealwire(['service', 'renew-cert', '--data-dir', join(base, 'cli-2')], { env });
    assert.equal(renewed.code, 0, renewed.stderr);
    const newPin = renewed.stdout.toString().trim().replace('sha256 Fingerprint=', '');
    assert.notEqual(newPin, oldPin);
    const restarted = await startServiceProcess({
      relay: relay.url,
      dataDir: join(base, 'cli-2'),
      id: 'cli-2',
      adminPassword: 'cli admin password',
    });
    assert.equal(restarted.fingerprint, newPin);
    const stale = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-2',
      '--fingerprint',
      oldPin,
      'ping',
    ]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /ERR_PIN_MISMATCH/);
    const fresh = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'cli-2',
      '--fingerprint',
      newPin,
      'ping',
      '"ok"',
    ]);
    assert.equal(fresh.code, 0, fresh.stderr);
    await restarted.stop();
    const settings = await sealwire([
      'service',
      'settings',
      '--data-dir',
      join(base, 'cli-2'),
      '--require-e2ee',
      'maybe',
    ]);
    assert.equal(settings.code, 2);
  } finally {
    await relay.stop();
  }
});
