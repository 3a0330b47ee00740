/**
 * Every code block in docs/*.md marked runnable (a first line `// runnable` in ts blocks, `# runnable` in sh
 * blocks) runs here, exactly as written: TypeScript through tsx with the package's own imports, shell with a
 * `sealwire` command on PATH, each in a fresh temporary directory. A doc example that breaks fails the suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const loader = join(root, 'node_modules/tsx/dist/loader.mjs');

interface Block {
  file: string;
  line: number;
  lang: 'ts' | 'sh';
  code: string;
}

function runnableBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const name of readdirSync(join(root, 'docs'))
    .filter((entry) => entry.endsWith('.md'))
    .sort()) {
    const lines = readFileSync(join(root, 'docs', name), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const fence = /^```(ts|typescript|sh|bash)\s*$/.exec(lines[i]!);
      if (!fence) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      const lang = fence[1] === 'ts' || fence[1] === 'typescript' ? 'ts' : 'sh';
      if (/^(\/\/|#) runnable\s*$/.test(body[0] ?? ''))
        blocks.push({ file: name, line: start + 1, lang, code: body.join('\n') });
    }
  }
  return blocks;
}

const blocks = runnableBlocks();

test('docs have runnable examples', () => {
  assert.ok(blocks.length >= 5, `found ${blocks.length}`);
});

for (const block of blocks) {
  test(`docs/${block.file}:${block.line} (${block.lang}) runs`, { timeout: 120_000 }, () => {
    // The example files live under the package (so `sealwire/...` self-references resolve) in a scratch dir.
    const dir = mkdtempSync(join(root, '.tmp-doc-'));
    try {
      const bin = join(dir, 'bin');
      spawnSync('mkdir', [bin]);
      const shim = join(bin, 'sealwire');
      writeFileSync(
        shim,
        `#!/bin/sh\nexec "${process.execPath}" --conditions=sealwire-source --import "${loader}" "${root}src/cli/main.ts" "$@"\n`,
      );
      chmodSync(shim, 0o755);
      let result: ReturnType<typeof spawnSync>;
      if (block.lang === 'ts') {
        const file = join(dir, 'example.ts');
        writeFileSync(file, block.code);
        result = spawnSync(process.execPath, ['--conditions=sealwire-source', '--import', loader, file], {
          cwd: dir,
          timeout: 110_000,
        });
      } else {
        result = spawnSync('bash', ['-euo', 'pipefail', '-c', block.code], {
          cwd: dir,
          timeout: 110_000,
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        });
      }
      assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
