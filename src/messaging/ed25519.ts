/**
 * The one Ed25519 verification of the messaging capability: RFC 8032's strict rules (`zip215: false`:
 * canonical encodings only, so a signature has one valid form), and `false`, never an exception, for a
 * malformed key or signature. @noble/curves keeps it synchronous and the same in browsers.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Bytes } from '../runtime/types.ts';

export function verifyEd25519(signature: Bytes, message: Bytes, publicKey: Bytes): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
