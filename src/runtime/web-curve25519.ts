/**
 * Ed25519 and X25519 from @noble/curves, for the WebCrypto runtime (`web.ts`), which loads this module with
 * `import()` on first use. Only the two curve objects are re-exported, so a bundler keeps only what they
 * need of @noble/curves/ed25519.js (not ristretto255 or hash-to-curve), and splits it out of bundles that
 * never reach the first use.
 */
export { ed25519, x25519 } from '@noble/curves/ed25519.js';
