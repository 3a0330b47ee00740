/**
 * The external test vectors are found through one place (test/helpers/vectors.ts), which honours
 * SEALWIRE_VECTORS, so `npm test` passes in any folder layout; where they are missing, the failure says how
 * to get them. Runs a vectors-using test file in a child process, as `npm test` would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { VECTORS_DIR } from '../helpers/vectors.ts';

const root = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'sealwire-vectors-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// The file that used to read ../shared/vectors by a path of its own.
const FILE = 'test/fields/tink-format.test.ts';

function runWith(vectors: string) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=sealwire-source', '--import', 'tsx', '--test', '--test-reporter=spec', FILE],
    {
      cwd: root,
      encoding: 'utf8',
      // Not NODE_TEST_CONTEXT: the child is a test run of its own, not a subtest of this one.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, SEALWIRE_VECTORS: vectors },
      timeout: 120_000,
    },
  );
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

test('a copy of the vectors elsewhere, named by SEALWIRE_VECTORS, is used', () => {
  const copy = join(scratch, 'somewhere', 'vectors');
  cpSync(VECTORS_DIR, copy, { recursive: true });
  const result = runWith(copy);
  assert.equal(result.status, 0, result.output);
});

test('SEALWIRE_VECTORS naming a missing directory fails, saying how to get the vectors', () => {
  const missing = join(scratch, 'no-such-vectors');
  const result = runWith(missing);
  assert.notEqual(result.status, 0, result.output);
  assert.match(result.output, new RegExp(`test vectors not found at ${missing}`));
  assert.match(result.output, /set SEALWIRE_VECTORS=\/path\/to\/vectors/);
  assert.match(result.output, /C2SP\/wycheproof/);
});

test('no test reads the vectors directory except through test/helpers/vectors.ts', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules') walk(path);
        continue;
      }
      if (!/\.(ts|mjs|js|py|sh)$/.test(name) || path.endsWith(join('helpers', 'vectors.ts'))) continue;
      const code = readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)); // comments may name the folder
      const bypass = (line: string) =>
        // Handing the helper's own VECTORS_DIR on to a child process (as SEALWIRE_VECTORS) is going through it.
        (/shared\/vectors|SEALWIRE_VECTORS/.test(line) && !/\bVECTORS_DIR\b/.test(line)) ||
        (/\b(readFileSync|readFile|readdirSync|existsSync|URL|join)\(.*(wycheproof|jose-cookbook)\//.test(
          line,
        ) &&
          !/\b(loadJson|vectorPath)\b/.test(line));
      if (code.some(bypass)) offenders.push(relative(root, path));
    }
  };
  walk(join(root, 'test'));
  assert.deepEqual(
    offenders.filter((path) => path !== 'test/docs/vectors.test.ts'),
    [],
  );
});
