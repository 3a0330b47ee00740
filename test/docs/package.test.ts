/**
 * What the package ships: the license package.json names, in full, with the notice; the `sealwire` command
 * and the compiled code it runs; README.md points at the license.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  bin: Record<string, string>;
};

test('LICENSE is the full Apache License 2.0 that package.json names; NOTICE carries the copyright', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const text = readFileSync(join(root, 'LICENSE'), 'utf8');
  assert.match(
    text,
    /^\s+Apache License\n\s+Version 2\.0, January 2004\n\s+http:\/\/www\.apache\.org\/licenses\//,
  );
  for (let section = 1; section <= 9; section++) assert.match(text, new RegExp(`\\n   ${section}\\. [A-Z]`));
  assert.match(text, /END OF TERMS AND CONDITIONS/);
  assert.match(text, /APPENDIX: How to apply the Apache License to your work\./);
  assert.ok(text.length > 11_000, `${text.length} characters`);
  assert.match(readFileSync(join(root, 'NOTICE'), 'utf8'), /Copyright 2026 Sealwire contributors/);
  assert.match(readFileSync(join(root, 'README.md'), 'utf8'), /\[LICENSE\]\(LICENSE\)/);
});

test('the packed package holds the license, the notice, the command and the code it runs', () => {
  // --ignore-scripts: list the files without rebuilding dist/ in a checkout others work in.
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  assert.equal(packed.status, 0, packed.stderr);
  const [{ files }] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
  const paths = new Set(files.map((file) => file.path));
  for (const path of [
    'LICENSE',
    'NOTICE',
    'README.md',
    'package.json',
    pkg.bin.sealwire!,
    'dist/cli/main.js',
  ])
    assert.ok(paths.has(path), `${path} is in the package`);
  assert.equal(
    [...paths].some((path) => path.startsWith('test/')),
    false,
  );
});

test('the command without its dist/ says how to build it (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealwire-no-dist-'));
  try {
    cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    const run = spawnSync(process.execPath, [join(dir, 'bin/sealwire.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /dist\/ is missing: run `npm install`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
