/** Byte helpers shared by every module. */
import type { Bytes } from '../runtime/types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (use only for text we produce or display). */
export function fromUtf8(data: Bytes): string {
  return decoder.decode(data);
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

/** Upper-case colon-separated hex, the form `openssl ... -fingerprint` prints. */
export function colonHex(data: Bytes): string {
  return Array.from(data, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

/** Big-endian 32-bit length prefix, as JOSE's Concat KDF and most length-prefixed encodings use. */
export function uint32be(value: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}
