/**
 * `sealwire/fields` bundles for a browser: esbuild (platform `browser`, ESM, everything bundled, nothing
 * external) resolves it through package.json "exports" and "imports" the way a web app's bundler does, and
 * the bundle reaches no Node module. Three ways in: the compiled package under esbuild's default conditions
 * (what an installed sealwire gives a bundler), and the source under the dev setup's `sealwire-source`
 * condition, alone and with `sealwire-web`. The Node subpath, `sealwire/fields/node`, is the control: its
 * keyring directories need node:fs, so it must not bundle.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type BuildOptions, build, type Metafile } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), 'sealwire-browser-bundle-'));
after(() => rmSync(base, { recursive: true, force: true }));

const NODE_BUILTINS = new Set(builtinModules);

/** Bundles `export * from '<specifier>'` as a web app would, resolving from `resolveDir`. */
async function bundle(specifier: string, resolveDir: string, conditions?: string[]): Promise<Metafile> {
  const options: BuildOptions = {
    stdin: { contents: `export * from '${specifier}';\n`, resolveDir, loader: 'js' },
    absWorkingDir: resolveDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...(conditions === undefined ? {} : { conditions }),
  };
  const { metafile } = await build(options);
  assert.ok(metafile, 'esbuild returns a metafile when asked for one');
  return metafile;
}

/** Every module the bundle reached that is Node's, or that esbuild left out of the bundle. */
function nodeOnly(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    if (input.startsWith('node:') || NODE_BUILTINS.has(input)) found.add(input);
    for (const { path, external } of imports) {
      if (path.startsWith('node:') || NODE_BUILTINS.has(path) || external) found.add(`${input} -> ${path}`);
    }
  }
  return [...found];
}

function inputsUnder(metafile: Metafile, prefix: string): string[] {
  return Object.keys(metafile.inputs).filter((input) => input.includes(prefix));
}

test('sealwire/fields from the source (sealwire-source, and sealwire-source + sealwire-web) bundles for a browser', async () => {
  for (const conditions of [['sealwire-source'], ['sealwire-source', 'sealwire-web']]) {
    const metafile = await bundle('sealwire/fields', root, conditions);
    assert.ok(inputsUnder(metafile, 'src/fields/field-encryption.ts').length === 1, conditions.join(','));
    assert.deepEqual(inputsUnder(metafile, 'src/runtime/node.ts'), [], 'the browser runtime, not Node');
    assert.deepEqual(inputsUnder(metafile, 'src/fields/keyring-dir.ts'), []);
    assert.deepEqual(nodeOnly(metafile), [], conditions.join(','));
  }
});

test('sealwire/fields as installed (compiled dist/, default conditions) bundles for a browser', {
  timeout: 120_000,
}, async () => {
  // The package as a web app's node_modules holds it: package.json and dist/ built by tsc from this source.
  const app = join(base, 'app');
  const pkg = join(app, 'node_modules/sealwire');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(pkg, 'dist'),
    ],
    { cwd: root, timeout: 100_000 },
  );
  assert.ok(existsSync(join(pkg, 'dist/fields/index.js')), tsc.stdout.toString());
  const metafile = await bundle('sealwire/fields', app);
  assert.ok(inputsUnder(metafile, 'dist/fields/field-encryption.js').length === 1);
  assert.deepEqual(inputsUnder(metafile, 'dist/runtime/node.js'), [], 'the browser runtime, not Node');
  assert.deepEqual(nodeOnly(metafile), []);
});

test('control: sealwire/fields/node (keyring directories) does not bundle for a browser', async () => {
  await assert.rejects(bundle('sealwire/fields/node', root, ['sealwire-source']), /node:fs\/promises/);
});
