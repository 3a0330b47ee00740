/** The Concat KDF of NIST SP 800-56A as profiled for ECDH-ES by RFC 7518 §4.6.2 (single-step, SHA-256). */
import { runtime } from '#runtime';
import { concatBytes, uint32be, utf8 } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';

function lengthPrefixed(data: Bytes): Bytes {
  return concatBytes(uint32be(data.length), data);
}

/**
 * Derives `keyBytes` bytes from the shared secret `z`. `algorithmId` is the `enc` value for direct
 * ECDH-ES and the `alg` value for ECDH-ES+AxxxKW.
 */
export async function concatKdf(
  z: Bytes,
  algorithmId: string,
  keyBytes: number,
  apu: Bytes,
  apv: Bytes,
): Promise<Bytes> {
  const otherInfo = concatBytes(
    lengthPrefixed(utf8(algorithmId)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    uint32be(keyBytes * 8),
  );
  const rounds = Math.ceil(keyBytes / 32);
  const blocks: Bytes[] = [];
  for (let counter = 1; counter <= rounds; counter++) {
    blocks.push(await runtime.sha256(concatBytes(uint32be(counter), z, otherInfo)));
  }
  return concatBytes(...blocks).subarray(0, keyBytes);
}
