/**
 * `sealwire/seal`: sealing data for recipients' public keys so that whatever sits in between only sees
 * ciphertext. JOSE (JWE, for messages and API responses) at the top level; age (large payloads, streams,
 * many recipients) as the `age` namespace, also importable on its own from `sealwire/seal/age`.
 */
export * as age from './age/index.ts';
export * from './jose/index.ts';
