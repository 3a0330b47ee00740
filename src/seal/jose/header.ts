/** Merging the JWE header layers and checking them against the caller's policy. */

import { isJsonObject } from '../../encoding/json.ts';
import { AlgNotAllowedError, LimitExceededError, MalformedError, RefusedError } from '../../errors.ts';
import {
  type ContentEncryptionAlgorithm,
  isPbes2,
  type KeyManagementAlgorithm,
  REFUSED_ALGORITHMS,
} from './algorithms.ts';
import type { JweHeader } from './types.ts';

export interface HeaderPolicy {
  keyManagementAlgorithms: readonly KeyManagementAlgorithm[];
  contentEncryptionAlgorithms: readonly ContentEncryptionAlgorithm[];
  maxPBES2Count: number;
}

/** The JOSE Header of one recipient: the union of three layers that must not share a name (RFC 7516 §7.2.1). */
export function mergeHeaders(
  protectedHeader: JweHeader,
  shared: JweHeader | undefined,
  perRecipient: JweHeader | undefined,
): JweHeader {
  const merged: JweHeader = { ...protectedHeader };
  for (const layer of [shared, perRecipient]) {
    if (layer === undefined) continue;
    for (const [name, value] of Object.entries(layer)) {
      if (name in merged)
        throw new MalformedError(`JWE header parameter "${name}" appears in more than one header`);
      merged[name] = value;
    }
  }
  return merged;
}

export interface CheckedHeader {
  alg: KeyManagementAlgorithm;
  enc: ContentEncryptionAlgorithm;
}

/**
 * Applies the policy to one recipient's merged header. Runs before any key is touched, so a refused
 * message costs no private-key operation.
 */
export function checkHeader(
  merged: JweHeader,
  protectedHeader: JweHeader,
  policy: HeaderPolicy,
): CheckedHeader {
  const { alg, enc } = merged;
  if (typeof alg !== 'string' || alg === '') throw new MalformedError('JWE header has no "alg"');
  if (typeof enc !== 'string' || enc === '') throw new MalformedError('JWE header has no "enc"');
  if (REFUSED_ALGORITHMS.includes(alg)) {
    throw new RefusedError(`JWE "alg" ${alg} is refused: it is unsafe (RFC 8725)`);
  }
  if (!policy.keyManagementAlgorithms.includes(alg as KeyManagementAlgorithm)) {
    throw new AlgNotAllowedError(
      `JWE "alg" ${JSON.stringify(alg)} is not allowed (allowed: ${policy.keyManagementAlgorithms.join(', ')})`,
    );
  }
  if (!policy.contentEncryptionAlgorithms.includes(enc as ContentEncryptionAlgorithm)) {
    throw new AlgNotAllowedError(
      `JWE "enc" ${JSON.stringify(enc)} is not allowed (allowed: ${policy.contentEncryptionAlgorithms.join(', ')})`,
    );
  }
  // Compression leaks plaintext length patterns and invites decompression bombs.
  if (merged.zip !== undefined) throw new RefusedError('JWE "zip" (compression) is refused');
  if (merged.crit !== undefined) {
    if (protectedHeader.crit === undefined)
      throw new MalformedError('JWE "crit" must be integrity protected');
    const crit = merged.crit;
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name === '')
    ) {
      throw new MalformedError('JWE "crit" must be a non-empty array of names');
    }
    // Sealwire understands no extension, so every critical one is unknown to it.
    throw new RefusedError(
      `JWE "crit" names extensions this implementation does not understand: ${crit.join(', ')}`,
    );
  }
  if (isPbes2(alg)) {
    const p2c = merged.p2c;
    if (!Number.isSafeInteger(p2c) || (p2c as number) < 1)
      throw new MalformedError('JWE "p2c" must be a positive integer');
    if ((p2c as number) > policy.maxPBES2Count) {
      throw new LimitExceededError(`JWE "p2c" ${p2c} is over the limit of ${policy.maxPBES2Count}`);
    }
  }
  if (alg.startsWith('ECDH-ES')) {
    if (!isJsonObject(merged.epk)) throw new MalformedError('JWE "epk" must be a JSON object for ECDH-ES');
    if ('d' in merged.epk) throw new MalformedError('JWE "epk" must be a public key');
  }
  for (const name of ['apu', 'apv'] as const) {
    if (merged[name] !== undefined && typeof merged[name] !== 'string') {
      throw new MalformedError(`JWE "${name}" must be a base64url string`);
    }
  }
  return { alg: alg as KeyManagementAlgorithm, enc: enc as ContentEncryptionAlgorithm };
}
