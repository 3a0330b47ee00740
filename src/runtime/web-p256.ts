/**
 * P-256 from @noble/curves, for the WebCrypto runtime (`web.ts`), which loads this module with `import()`
 * on first use (JWK validation). Only P-256 is re-exported, so a bundler drops P-384 and P-521 from
 * @noble/curves/nist.js, and splits the rest out of bundles that never validate an EC key.
 */
export { p256 } from '@noble/curves/nist.js';
export { bytesToNumberBE } from '@noble/curves/utils.js';
