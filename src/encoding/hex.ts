/**
 * Hex: the one home of it in Sealwire. Lower-case hex as WAMP-cryptosign writes keys, challenges and
 * signatures, and the colon-separated upper-case form of certificate fingerprints. @noble/hashes does the
 * work, on the platform's `Uint8Array.prototype.toHex` / `Uint8Array.fromHex` where they exist.
 */
import { bytesToHex as nobleBytesToHex, hexToBytes as nobleHexToBytes } from '@noble/hashes/utils.js';
import type { Bytes } from '../runtime/types.ts';

/** Lower-case hex, two digits a byte. */
export function bytesToHex(data: Bytes): string {
  return nobleBytesToHex(data);
}

/** Decodes hex of either case; `undefined` for an odd length or any other character. */
export function hexToBytes(text: string): Bytes | undefined {
  try {
    return nobleHexToBytes(text);
  } catch {
    return undefined;
  }
}

/** Upper-case colon-separated hex, the form `openssl ... -fingerprint` prints. */
export function colonHex(data: Bytes): string {
  return bytesToHex(data)
    .toUpperCase()
    .replace(/..(?!$)/g, '$&:');
}
