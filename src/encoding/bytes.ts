/** Byte helpers shared by every module, and the one home of UTF-8 encoding and decoding. */
import type { Bytes } from '../runtime/types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (use only for text we produce or display). */
export function fromUtf8(data: Bytes): string {
  return decoder.decode(data);
}

/**
 * Decodes UTF-8 text that must be valid (what a peer sent): an invalid sequence throws a `TypeError`. A
 * leading byte-order mark is dropped, as TextDecoder does for a document.
 */
export function fromUtf8Strict(data: Bytes): string {
  return strictDecoder.decode(data);
}

/** Strings are taken as UTF-8; byte arrays pass through untouched (never re-encoded). */
export function toBytes(data: Bytes | string): Bytes {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function concatBytes(...parts: Bytes[]): Bytes {
  return joinBytes(parts);
}

/** One new buffer holding all the pieces, in order (always a copy). */
export function joinBytes(parts: readonly Bytes[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Big-endian 32-bit length prefix, as JOSE's Concat KDF and most length-prefixed encodings use. */
export function uint32be(value: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}
