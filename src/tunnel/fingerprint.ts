/** Certificate fingerprints as OpenSSL prints them, and as users paste them. */
import { X509Certificate } from 'node:crypto';

/** Upper-case colon hex of SHA-256 over the DER certificate: what `openssl x509 -noout -fingerprint -sha256` prints. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * Normalises a fingerprint as users paste it: with or without `sha256 Fingerprint=`, colons, spaces, any case.
 * Returns upper-case colon hex, or undefined when it is not 32 bytes of hex.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text
    .replace(/^\s*sha-?256\s+fingerprint\s*=\s*/i, '')
    .replace(/[\s:]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}
