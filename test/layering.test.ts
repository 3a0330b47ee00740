/**
 * The layering check of `npm run lint` (dependency-cruiser with .dependency-cruiser.cjs, run by
 * scripts/depcruise.mjs) refuses what it is there to refuse: a capability importing another capability or a
 * composer, a node: module on the browser path of `sealwire/fields`, and a circle, even one made only of
 * type-only imports. Each probe is a temporary file in src/fields (cruised on its own, so the verdict is
 * about the probe), removed whatever the outcome.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

/**
 * Writes the probe files (path under src/ -> text), runs the check on them as `npm run lint` runs it on
 * src/ (same script, same config, same reporter), and always removes them.
 */
function cruiseProbes(probes: Record<string, string>): { status: number | null; output: string } {
  try {
    for (const [path, text] of Object.entries(probes)) writeFileSync(join(root, path), text);
    const result = spawnSync(
      process.execPath,
      ['scripts/depcruise.mjs', ...Object.keys(probes), '--config', '.dependency-cruiser.cjs'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    for (const path of Object.keys(probes)) rmSync(join(root, path), { force: true });
  }
}

const PROBE_COMMENT = '// Temporary probe written and removed by test/layering.test.ts.\n';
const escapeRegExp = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a capability importing another capability, or a composer, fails the check, naming the rule', () => {
  const probe = `src/fields/__layering_probe_${process.pid}.ts`;
  const { status, output } = cruiseProbes({
    [probe]: `${PROBE_COMMENT}import '../wamp/index.ts';\nimport '../relay/index.ts';\n`,
  });
  assert.notEqual(status, 0, output);
  assert.match(
    output,
    new RegExp(
      `error capability-fields-imports-another-capability: ${escapeRegExp(probe)} → src/wamp/index\\.ts`,
    ),
  );
  assert.match(
    output,
    new RegExp(`error capability-imports-composer: ${escapeRegExp(probe)} → src/relay/index\\.ts`),
  );
});

test('a node: import on the browser path of sealwire/fields fails the check', () => {
  const probe = `src/fields/__browser_probe_${process.pid}.ts`;
  const { status, output } = cruiseProbes({ [probe]: `${PROBE_COMMENT}import 'node:fs';\n` });
  assert.notEqual(status, 0, output);
  assert.match(output, new RegExp(`error fields-browser-path-imports-node: ${escapeRegExp(probe)} → fs`));
});

test('a circle of type-only imports fails the check as no-circular', () => {
  const a = `src/fields/__circle_probe_a_${process.pid}.ts`;
  const b = `src/fields/__circle_probe_b_${process.pid}.ts`;
  const local = (path: string) => `./${path.slice('src/fields/'.length)}`;
  const { status, output } = cruiseProbes({
    [a]: `${PROBE_COMMENT}import type { B } from '${local(b)}';\nexport interface A {\n  b?: B;\n}\n`,
    [b]: `${PROBE_COMMENT}import type { A } from '${local(a)}';\nexport interface B {\n  a?: A;\n}\n`,
  });
  assert.notEqual(status, 0, output);
  assert.match(
    output,
    new RegExp(`error no-circular: ${escapeRegExp(a)} →\\s+${escapeRegExp(b)} →\\s+${escapeRegExp(a)}`),
  );
});
