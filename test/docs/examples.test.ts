/**
 * Every code block of every page in docs/ runs here, as written, top to bottom per page, the way a reader
 * works through it: one directory of their own (outside the checkout), one shell, more terminals for what
 * keeps running, and `sealwire` on PATH (here: the CLI from this checkout's source). What each fence means,
 * and the little the runner changes (the relay's port), is in test/docs/blocks.ts. README.md's blocks run in
 * new-user.test.ts, against the package installed the way the README says.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  type Block,
  docPages,
  NOT_COMMANDS,
  notIgnored,
  readBlocks,
  root,
  Session,
  where,
} from './blocks.ts';

const bin = mkdtempSync(join(tmpdir(), 'sealwire-doc-bin-'));
after(() => rmSync(bin, { recursive: true, force: true }));
writeFileSync(
  join(bin, 'sealwire'),
  `#!/bin/sh\nexec "${process.execPath}" --conditions=sealwire-source --import "${root}/node_modules/tsx/dist/loader.mjs" "${root}/src/cli/main.ts" "$@"\n`,
);
chmodSync(join(bin, 'sealwire'), 0o755);

// SEALWIRE_DOCS=fields.md,age.md runs only those pages (while working on them).
const only = process.env.SEALWIRE_DOCS?.split(',').map((name) => `docs/${name.replace(/^docs\//, '')}`);
const pages = docPages().filter((page) => only === undefined || only.includes(page));

test('every page of docs/ has its blocks run here, and README.md by new-user.test.ts', () => {
  if (only === undefined) assert.ok(pages.length >= 8, pages.join(', '));
  const readme = readBlocks('README.md');
  assert.ok(readme.length >= 4, `README.md has ${readme.length} blocks`);
  const commands = pages.flatMap(readBlocks).filter((block) => !NOT_COMMANDS.has(block.lang));
  if (only === undefined) assert.ok(commands.length >= 20, `found ${commands.length} blocks to run`);
});

for (const page of pages) {
  const blocks = readBlocks(page);
  if (blocks.length === 0) continue;
  test(page, { timeout: 600_000 }, async (t) => {
    const session = await Session.create({
      name: page.replace(/^docs\/|\.md$/g, ''),
      bin,
      checkout: root,
      // This suite runs in an installed checkout that other people work in: `npm install` is not run again
      // here (new-user.test.ts runs it, for real, in a fresh copy); `npm start` and other scripts run as written.
      rewriteCheckoutTask: (line) => {
        assert.doesNotMatch(
          line,
          /\bnpm\s+test\b/,
          'a doc page runs `npm test`: only the README quickstart may',
        );
        return line.replace(/\bnpm\s+(install|ci|i)\b(\s+--?[\w-]+)*/g, ':');
      },
    });
    try {
      for (const block of blocks) {
        await t.test(`${where(block)} (${block.lang || 'no language'})`, async () => run(session, block));
      }
      await t.test(`${page}: what its examples write is ignored by git when run in the checkout`, () => {
        assert.deepEqual(notIgnored(session.written()), []);
      });
    } finally {
      await session.close();
    }
  });
}

async function run(session: Session, block: Block): Promise<void> {
  await session.run(block);
}
