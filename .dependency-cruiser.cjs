/**
 * The layering of src/ (docs/architecture.md, "The layering rule"), checked by `npm run lint`:
 *
 *   floor        src/keys, src/seal, src/errors.ts, src/encoding, src/runtime, src/files
 *                (src/index.ts, the `sealwire` entry point, re-exports the floor)
 *   capabilities src/fields, src/wamp, src/tunnel, src/messaging: each uses the floor, never another
 *                capability, never a composer
 *   composers    src/relay, src/cli: the only places that put capabilities together
 *
 * and no circle anywhere, type-only imports included (a type-only circle is still two modules that cannot
 * be understood, tested or moved apart). Imports are resolved the way the dev setup runs the source: `.ts`
 * suffixes, package.json "imports" (#runtime, #wamp-websocket) and "exports" under the `sealwire-source`
 * condition.
 */
const CAPABILITIES = ['fields', 'wamp', 'tunnel', 'messaging'];
const FLOOR = '^src/(keys|seal|encoding|runtime|files)/|^src/errors\\.ts$';
const COMPOSERS = '^src/(relay|cli)/';

/** One rule per capability: it may not reach into the other capabilities. */
const capabilityRules = CAPABILITIES.map((name) => ({
  name: `capability-${name}-imports-another-capability`,
  comment: `src/${name} is a capability: it uses the floor only; relay/ and cli/ compose capabilities`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: `^src/(${CAPABILITIES.filter((other) => other !== name).join('|')})/`,
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'imports flow one way: a circle (type-only imports count) ties its modules together',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'floor-imports-capability-or-composer',
      comment:
        'the floor (keys, seal, errors, encoding, runtime, files) is what every capability stands on: it imports none of them, nor relay/ or cli/',
      severity: 'error',
      from: { path: FLOOR },
      to: { path: `^src/(${CAPABILITIES.join('|')})/|${COMPOSERS}` },
    },
    {
      name: 'entry-point-imports-beyond-floor',
      comment: 'src/index.ts (`sealwire`) re-exports the floor; capabilities have their own subpaths',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: `^src/(${CAPABILITIES.join('|')})/|${COMPOSERS}` },
    },
    ...capabilityRules,
    {
      name: 'capability-imports-composer',
      comment: 'capabilities never import relay/ or cli/: those compose them, not the other way round',
      severity: 'error',
      from: { path: `^src/(${CAPABILITIES.join('|')})/` },
      to: { path: COMPOSERS },
    },
    {
      name: 'fields-browser-path-imports-node',
      comment:
        '`sealwire/fields` bundles for browsers (test/fields/browser-bundle.test.ts): only its Node subpath (src/fields/node.ts and the keyring directories behind it) may use node: modules or src/files',
      severity: 'error',
      from: { path: '^src/fields/', pathNot: '^src/fields/(node|keyring-dir)\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'fields-browser-path-imports-files',
      comment:
        'src/files holds Node-only file helpers: within src/fields only the keyring directories use them',
      severity: 'error',
      from: { path: '^src/fields/', pathNot: '^src/fields/(node|keyring-dir)\\.ts$' },
      to: { path: '^src/files/' },
    },
    {
      name: 'wamp-codecs-or-protocol-imports-client',
      comment:
        'inside wamp the same rule on a smaller scale: the protocol and the payload codecs are what the client and the router share, so they never import the client',
      severity: 'error',
      from: { path: '^src/wamp/(protocol|codecs)/' },
      to: { path: '^src/wamp/client/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import the checker cannot resolve would hide its arrow from every rule above',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports (`import type`, `import { type X }`) are arrows too.
    tsPreCompilationDeps: true,
    // No `tsConfig`: tsconfig.json has no `paths` to resolve, and the TypeScript 5 that parses for
    // dependency-cruiser (scripts/depcruise.mjs) refuses its TypeScript 7 options.
    enhancedResolveOptions: {
      // package.json "exports" and "imports" (enhanced-resolve reads "imports" by default) as the source runs.
      exportsFields: ['exports'],
      conditionNames: ['sealwire-source', 'node', 'import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
