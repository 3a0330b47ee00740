/**
 * Regression: on Node 20, key pairs made with generateKeyPairSync and exported as JWK could deadlock the main
 * thread when a garbage collection freed the key-generation job during the export (it hung a CI run at 0% CPU).
 * The runtime now makes curve keys another way; this drives that code hard enough that the old route hung.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const fixture = new URL('./fixtures/keygen-under-gc.ts', import.meta.url).pathname;

test('curve key generation and ephemeral keys under garbage-collection pressure never deadlock', () => {
  const result = spawnSync(
    process.execPath,
    ['--conditions=sealwire-source', '--import', 'tsx', fixture, '40000'],
    { encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL' },
  );
  assert.equal(result.signal, null, `still running after 90 s (a deadlock): ${result.stderr}`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /made 50000 key pairs/);
});
