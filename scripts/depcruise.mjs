#!/usr/bin/env node
/**
 * Runs dependency-cruiser's CLI (the layering check of `npm run lint`, rules in .dependency-cruiser.cjs) with
 * a TypeScript it can parse with. dependency-cruiser 17 reads .ts files through the `typescript` package's
 * JavaScript API, versions 2 to 6; this project compiles with TypeScript 7, whose package ships the native
 * compiler and no such API, so dependency-cruiser alone sees no .ts file at all ("0 modules cruised").
 * The tree holds a TypeScript 5 already: the exact version @bufbuild/protoplugin (behind protoc-gen-es)
 * depends on. This script points dependency-cruiser's `typescript` at that one, for its `import` (a module
 * resolve hook) and for its version check (a `require` of typescript/package.json), then hands the
 * arguments to the CLI: `node scripts/depcruise.mjs src --config .dependency-cruiser.cjs`.
 */
import Module, { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const fromProtoplugin = createRequire(import.meta.resolve('@bufbuild/protoplugin'));
// What dependency-cruiser asks for, resolved from @bufbuild/protoplugin (before the patch below is in place).
const typescriptFiles = new Map(
  ['typescript', 'typescript/package.json'].map((request) => [request, fromProtoplugin.resolve(request)]),
);
const typescriptMain = typescriptFiles.get('typescript');
const typescriptVersion = fromProtoplugin('typescript/package.json').version;
if (!/^[2-6]\./.test(typescriptVersion)) {
  throw new Error(
    `scripts/depcruise.mjs: expected TypeScript 2-6 under @bufbuild/protoplugin, found ${typescriptVersion}`,
  );
}

// ESM: dependency-cruiser loads the compiler with `import('typescript')`.
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'typescript') return { url: ${JSON.stringify(pathToFileURL(typescriptMain).href)}, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

// CommonJS: its version check reads `typescript/package.json` with `require`.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return typescriptFiles.get(request) ?? resolveFilename.call(this, request, ...rest);
};

await import(new URL('../../bin/dependency-cruise.mjs', import.meta.resolve('dependency-cruiser')).href);
