/**
 * The errors only field encryption raises (everything else reuses the shared classes). They live in the
 * floor (src/errors.ts, one class per code, so that `AnySealwireError` covers them); this module
 * re-exports them where field encryption has always found them.
 */
export { KeyDisabledError, KeyInaccessibleError, SchemaError } from '../errors.ts';
