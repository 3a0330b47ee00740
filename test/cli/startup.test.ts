/**
 * The CLI starts fast because each command group loads its capability only when a command of it runs.
 * This guards that: `--version` and `--help` must not load any capability's heavy dependencies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const trace = new URL('./fixtures/trace-loads.mjs', import.meta.url).pathname;
const HEAVY = [
  'node_modules/jose/',
  'node_modules/ws/',
  'node_modules/@bufbuild/',
  'node_modules/pino/',
  'node_modules/@peculiar/',
  'node_modules/hash-wasm/',
  'node_modules/@noble/',
  'src/tunnel/',
  'src/wamp/',
  'src/fields/',
  'src/seal/',
  'src/keys/generate',
];

for (const args of [
  ['--version'],
  ['--help'],
  ['relay', '--help'],
  ['service', 'start', '--help'],
  ['age', 'encrypt', '--help'],
]) {
  test(`sealwire ${args.join(' ')} loads no capability`, () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        trace,
        '--conditions=sealwire-source',
        '--import',
        'tsx',
        `${root}src/cli/main.ts`,
        ...args,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(result.status, 0, result.stderr);
    const loaded = result.stderr.split('\n').filter((line) => line.startsWith('LOAD '));
    assert.ok(loaded.length > 0, 'the trace hook saw the loads');
    // Import-free constants files (help texts show their values) are fine.
    const heavy = loaded.filter(
      (line) => HEAVY.some((part) => line.includes(part)) && !/\/(constants|rsa-sizes)\.ts$/.test(line),
    );
    assert.deepEqual(heavy, [], `loaded at startup: ${heavy.slice(0, 5).join(', ')}`);
  });
}
