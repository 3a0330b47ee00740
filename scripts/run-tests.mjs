#!/usr/bin/env node
// Runs the suite with node's test runner through tsx, in one invocation so CI reads one summary. Node 20's
// `--test` does not expand globs, so the files are listed here. Arguments, if any, replace the file list
// (e.g. `node scripts/run-tests.mjs test/seal/roundtrip.test.ts` or `... test/seal`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const args = process.argv.slice(2);
// Directories among the arguments expand to the test files below them.
const files =
  args.length > 0
    ? args.flatMap((arg) => (statSync(arg).isDirectory() ? find(join(root, arg)) : [arg]))
    : find(join(root, 'test'));
const result = spawnSync(
  process.execPath,
  ['--conditions=sealwire-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
