/** Sealwire: end-to-end encryption for data that crosses servers its owners do not trust. */
export * from './errors.ts';
export * as keys from './keys/index.ts';
export * as seal from './seal/index.ts';
