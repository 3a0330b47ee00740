#!/usr/bin/env node
// The installed `sealwire` command: runs the compiled CLI in dist/ with plain node (no tsx, no source
// conditions). `npm install` builds dist/ through `prepare`; `npm install -g .` in a checkout links this file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  const dir = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `sealwire: ${dir}dist/ is missing: run \`npm install\` (or \`npm run build\`) in ${dir}\n`,
  );
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
