#!/usr/bin/env node
// The installed `sealwire` command: runs the compiled CLI from dist/ (built by `npm install` via prepare).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sealwire: dist/ is missing; run `npm run build` in the package directory\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
