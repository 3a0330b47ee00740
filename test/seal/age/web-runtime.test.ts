/**
 * The browser path: the conformance vectors and the round trips of ./both-runtimes run again in a child
 * process under the `sealwire-web` condition (WebCrypto + @noble/ciphers ChaCha20-Poly1305, no node:crypto).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = fileURLToPath(new URL('./both-runtimes', import.meta.url));

test('age on the WebCrypto/@noble runtime: vectors and round trips', { timeout: 120_000 }, () => {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `${dir}/${name}`);
  // Without NODE_TEST_CONTEXT the child runner reports in plain TAP instead of to this runner.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=sealwire-web',
      '--conditions=sealwire-source',
      '--import',
      'tsx',
      '--test',
      '--test-reporter=tap',
      ...files,
    ],
    { cwd: root, encoding: 'utf8', timeout: 110_000, env: { ...env, SEALWIRE_EXPECT_RUNTIME: 'web' } },
  );
  const summary = result.stdout.split('\n').filter((line) => /cctv-age: \d|^# (pass|fail) /.test(line));
  console.log(`web runtime: ${summary.join('; ')}`);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /# fail 0/);
});
