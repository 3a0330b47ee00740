/**
 * README.md, top to bottom, as a new user: a fresh copy of the checkout (what a clone holds: tracked and
 * new files, no node_modules, no dist), every block run as written (see blocks.ts), the `sealwire` command
 * installed the README's way into a temporary prefix (npm_config_prefix: the machine's global directory is
 * untouched) and used from a directory of the user's own, outside the checkout. Then the same checks by name:
 * `sealwire --version`, `--help`, and a round trip with relative paths whose files land where the user is.
 *
 * Changed for the test, nothing else: ports are free ones (see blocks.ts); npm prefers its cache
 * (npm_config_prefer_offline) so the install runs offline after `npm ci`, going to the registry only for
 * what the cache lacks; `npm test` is given one test file (this suite is the full run); the vectors are
 * named with SEALWIRE_VECTORS, as the README says to do outside the usual folder layout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { VECTORS_DIR } from '../helpers/vectors.ts';
import { execute, notIgnored, readBlocks, root, Session, where } from './blocks.ts';

const base = mkdtempSync(join(tmpdir(), 'sealwire-new-user-'));
const checkout = join(base, 'sealwire');
const prefix = join(base, 'prefix');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
let session: Session | undefined;

after(async () => {
  await session?.close();
  rmSync(base, { recursive: true, force: true });
});

/** What a clone of this checkout would hold, with everyone's current changes: tracked and new files. */
function copyCheckout(): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) {
    // Not a git checkout (an unpacked archive): everything but what installing and building make.
    cpSync(root, checkout, {
      recursive: true,
      filter: (path) => !/\/(node_modules|dist|\.git|\.tmp-doc-[^/]*)$/.test(path.slice(root.length)),
    });
    return;
  }
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(root, file);
    if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted in the work tree; submodules
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(from, join(checkout, file), { verbatimSymlinks: true });
  }
  assert.equal(existsSync(join(checkout, 'node_modules')), false);
  assert.equal(existsSync(join(checkout, 'dist')), false);
}

test('README.md as a new user: fresh checkout, the README install, `sealwire` from their own directory', {
  timeout: 900_000,
}, async (t) => {
  copyCheckout();
  session = await Session.create({
    name: 'readme',
    bin: join(prefix, 'bin'),
    checkout,
    checkoutEnv: {
      npm_config_prefix: prefix,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      SEALWIRE_VECTORS: VECTORS_DIR,
    },
    rewriteCheckoutTask: (line) =>
      line.replace(/\bnpm\s+test\b(?!\s+--)/, 'npm test -- test/fields/tink-format.test.ts'),
    runTypeScript: (code, current, block) => {
      // The user's project, with the package installed from the checkout (`npm install /path/to/sealwire`
      // links it the same way): plain Node conditions, so the compiled dist/ is what runs.
      const modules = join(current.dir, 'node_modules');
      if (!existsSync(join(modules, 'sealwire'))) {
        mkdirSync(modules, { recursive: true });
        symlinkSync(checkout, join(modules, 'sealwire'));
      }
      // .mts: an ES module (top-level await), as in a project with "type": "module".
      const file = join(current.dir, `readme-${block.line}.mts`);
      writeFileSync(file, code);
      return {
        command: process.execPath,
        args: ['--import', join(checkout, 'node_modules/tsx/dist/loader.mjs'), file],
      };
    },
  });
  const readme = readBlocks('README.md');
  assert.ok(readme.length >= 5, `README.md has ${readme.length} blocks`);
  const install = readme.find((block) => /npm install -g \./.test(block.code));
  assert.ok(install, 'README.md installs the command with `npm install -g .`');
  for (const block of readme) {
    await t.test(`${where(block)} (${block.lang})`, async () => {
      const started = Date.now();
      try {
        await session!.run(block);
      } finally {
        t.diagnostic(`${where(block)}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      if (block === install) {
        const seconds = (Date.now() - started) / 1000;
        assert.ok(seconds < 120, `the install took ${seconds} s`);
      }
    });
  }

  const dir = session.dir;
  const env = session.env;
  const run = (args: string[], input?: string) =>
    execute('sealwire', args, {
      cwd: dir,
      env,
      timeoutMs: 60_000,
      ...(input === undefined ? {} : { input }),
    });

  await t.test('what the README writes is ignored by git when run in the checkout', () => {
    const written = session!.written().filter((name) => !/^readme-\d+\.mts$|^node_modules\/$/.test(name));
    assert.ok(written.length >= 5, written.join(', '));
    assert.deepEqual(notIgnored(written), []);
  });

  await t.test('`sealwire` on PATH is the command the install put in the prefix', async () => {
    const which = spawnSync('bash', ['-c', 'command -v sealwire'], { env, encoding: 'utf8' });
    assert.equal(which.stdout.trim(), join(prefix, 'bin', 'sealwire'));
    assert.ok(dir.startsWith(join(tmpdir(), 'x-')), dir);
    assert.equal(dir.startsWith(root), false);
  });

  await t.test('sealwire --version and --help', async () => {
    const shown = await run(['--version']);
    assert.equal(shown.code, 0, shown.output);
    assert.equal(shown.stdout.trim(), version);
    const help = await run(['--help']);
    assert.equal(help.code, 0, help.output);
    assert.match(help.stdout, /Usage: sealwire/);
    for (const command of ['keygen', 'seal', 'open', 'age', 'relay', 'wamp', 'keys', 'service'])
      assert.match(help.stdout, new RegExp(`\\n\\s+${command}\\b`));
  });

  await t.test(
    'keygen, seal, open with relative paths: the files land in the current directory',
    async () => {
      const made = await run(['keygen', '--out', 'carol']);
      assert.equal(made.code, 0, made.output);
      const sealed = await run(
        ['seal', '--to', 'carol.pub.jwk', '--out', 'note.jwe'],
        'relative paths work\n',
      );
      assert.equal(sealed.code, 0, sealed.output);
      const opened = await run(['open', '--key', 'carol.jwk', '--in', 'note.jwe']);
      assert.equal(opened.code, 0, opened.output);
      assert.equal(opened.stdout, 'relative paths work\n');
      for (const file of ['carol.jwk', 'carol.pub.jwk', 'note.jwe']) {
        assert.ok(existsSync(join(dir, file)), `${file} in the user's directory`);
        assert.equal(existsSync(join(checkout, file)), false, `${file} not in the checkout`);
      }
      // What the README's own blocks wrote is there too, and nothing of it in the checkout.
      for (const file of ['box.json', 'bob.jwk', 'bob.pub.jwk', 'key.txt', 'lab-1']) {
        assert.ok(existsSync(join(dir, file)), `${file} in the user's directory`);
        assert.equal(existsSync(join(checkout, file)), false, `${file} not in the checkout`);
      }
    },
  );
});
