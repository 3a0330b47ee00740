/**
 * The generated protobuf-es code in src/fields/gen/ and test/fields/gen/ is committed; this test runs
 * `buf generate` (the same templates as `npm run generate`) into a temporary directory and fails when
 * the committed files differ, so an edited .proto without regenerated code cannot go unnoticed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { test } from 'node:test';

const repo = new URL('../..', import.meta.url).pathname;
const GENERATED = ['src/fields/gen', 'test/fields/gen'];
const TEMPLATES = ['proto/buf.gen.yaml', 'proto/buf.gen.test.yaml'];

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

test('committed generated code matches `npm run generate`', async () => {
  const out = await mkdtemp(join(tmpdir(), 'sealwire-generate-'));
  try {
    const bin = join(repo, 'node_modules', '.bin');
    for (const template of TEMPLATES) {
      execFileSync(join(bin, 'buf'), ['generate', '--template', template, '-o', out], {
        cwd: repo,
        env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    }
    for (const dir of GENERATED) {
      const fresh = (await files(join(out, dir))).map((path) => relative(out, path));
      const committed = (await files(join(repo, dir))).map((path) => relative(repo, path));
      assert.deepEqual(
        committed,
        fresh,
        `${dir}: files differ from a fresh generation; run npm run generate`,
      );
      for (const path of fresh) {
        assert.equal(
          await readFile(join(repo, path), 'utf8'),
          await readFile(join(out, path), 'utf8'),
          `${path} is stale: run npm run generate and commit the result`,
        );
      }
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
