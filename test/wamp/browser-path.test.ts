/**
 * The client's browser path imports no Node module: walk the static import graph of `sealwire/wamp` as a
 * browser bundler resolves it (package `imports` under the `browser`/`sealwire-web` conditions) and
 * check that nothing in it is `node:*`, a Node builtin, or the `ws` package.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  imports: Record<string, { 'sealwire-web': string }>;
};
const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]/g;

function browserGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1]!;
      // Type-only imports vanish at build time.
      if (/^(?:import|export)\s+type\s/.test(match[0].trimStart())) continue;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (specifier.startsWith('#')) queue.push(join(ROOT, pkg.imports[specifier]!['sealwire-web']));
      else bare.add(specifier);
    }
  }
  return { files, bare };
}

test('sealwire/wamp (client, codecs, protocol) has no Node-only import on its browser path', () => {
  const { files, bare } = browserGraph(join(ROOT, 'src/wamp/index.ts'));
  assert.ok(files.size > 15, `walked ${files.size} files`);
  assert.ok(files.has(join(ROOT, 'src/wamp/client/websocket-web.ts')));
  assert.ok(files.has(join(ROOT, 'src/runtime/web.ts')));
  assert.ok(!files.has(join(ROOT, 'src/wamp/client/websocket-node.ts')));
  assert.ok(
    ![...files].some((file) => file.includes('/router/')),
    'the router is not part of the client bundle',
  );
  const nodeOnly = [...bare].filter(
    (name) =>
      name.startsWith('node:') || builtinModules.includes(name) || name === 'ws' || name.startsWith('ws/'),
  );
  assert.deepEqual(nodeOnly, []);
  // The libraries it does use all run in browsers.
  for (const name of bare) assert.match(name, /^(@noble\/|@scure\/|msgpackr|cbor-x|jose)/, name);
});
