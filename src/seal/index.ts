/**
 * `sealwire/seal`: sealing data for recipients' public keys so that whatever sits in between only sees
 * ciphertext. JOSE (JWE, for messages and API responses) today; age (large payloads, streams) next.
 */
export * from './jose/index.ts';
