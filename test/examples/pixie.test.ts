/**
 * The Pixie pattern end to end with three real processes: a canary in the data never appears in any byte the
 * proxy handled; an active proxy that swaps the client's key is detected by the client, or refused by a data
 * source that knows the client's identity key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPixie } from '../../examples/pixie/run.ts';

const CANARY = `canary-${Math.random().toString(36).slice(2)}-secret`;

function absent(bytes: Buffer, label: string): void {
  for (const form of [
    CANARY,
    Buffer.from(CANARY).toString('base64'),
    Buffer.from(CANARY).toString('base64url'),
    Buffer.from(CANARY).toString('hex'),
  ]) {
    assert.ok(!bytes.includes(form), `${label}: the proxy handled the canary (${form})`);
  }
}

test('honest proxy: the client reads the canary; the proxy only ever held routing fields and ciphertext', {
  timeout: 90_000,
}, async () => {
  for (const authenticate of [false, true]) {
    const run = await runPixie({ canary: CANARY, authenticate });
    assert.equal(run.client.ok, true, JSON.stringify(run.client));
    assert.ok(JSON.stringify(run.client.rows).includes(CANARY));
    assert.ok(run.proxyBytes.length > 500, 'the proxy did handle the exchange');
    absent(run.proxyBytes, `authenticate=${authenticate}`);
    const response = run.proxyEvents.find((event) => event.saw === 'response')!;
    assert.equal(response.rowCount, 3, 'routing fields stay clear');
    assert.equal(typeof response.encryptedBatch, 'string');
  }
});

test('active proxy swapping the key: the client refuses the answer (binding mismatch)', {
  timeout: 60_000,
}, async () => {
  const run = await runPixie({ canary: CANARY, swapKey: true });
  assert.equal(run.client.ok, false);
  assert.equal(run.client.code, 'ERR_BINDING_MISMATCH');
  assert.ok(
    run.proxyEvents.some((event) => event.attack === 'proxy opened the response meant for the client'),
    'the documented limit: without client authentication the swap costs one answer',
  );
});

test('active proxy swapping the key against an authenticating data source: refused before any data leaves', {
  timeout: 60_000,
}, async () => {
  const run = await runPixie({ canary: CANARY, swapKey: true, authenticate: true });
  assert.equal(run.client.ok, false);
  assert.equal(run.client.code, 'HTTP_403');
  absent(run.proxyBytes, 'refused swap');
});
