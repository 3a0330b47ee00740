#!/usr/bin/env node
// Runs the suite with node's test runner through tsx. Node 20's `--test` does not expand globs, so the
// files are listed here. Extra arguments are passed on (e.g. a file path to run just that file).
// Test files under test/web/ run a second time against the WebCrypto runtime (condition sealwire-web).
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
const files = args.length > 0 ? args : find(join(root, 'test'));
const base = ['--conditions=sealwire-source', '--import', 'tsx', '--test', '--test-reporter=spec'];

function run(label, extra, list) {
  console.log(`\n# ${label}: ${list.length} files`);
  const result = spawnSync(process.execPath, [...extra, ...base, ...list], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

let status = run('node runtime', [], files);
const webFiles = files.filter((file) => file.includes('/runtime-matrix/'));
if (webFiles.length > 0)
  status = run('web runtime (WebCrypto under Node)', ['--conditions=sealwire-web'], webFiles) || status;
process.exit(status);
