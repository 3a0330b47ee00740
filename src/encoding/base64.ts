/**
 * Standard-alphabet base64 (RFC 4648 §4): the one home of it in Sealwire. Padded text for WAMP's JSON
 * binary convention, WAMP-CRA, cryptobox keys, PEM bodies and CLI output; unpadded text for age headers.
 *
 * Two paths, chosen once by feature detection: Node's Buffer (native speed), and elsewhere @scure/base,
 * which itself takes the platform's `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` where they
 * exist and its pure-JS codec where they do not. Decoders return `undefined` for text they refuse.
 *
 * Strictness is per decoder, and the same as before the consolidation:
 * - `decodeCanonicalBase64` / `decodeCanonicalBase64Unpadded` (age): only the one canonical encoding of
 *   each value, on every path: no whitespace, no other alphabet, exact padding, unused bits zero (age v1
 *   requires it: a second encoding of the same header would be a malleability left for the MAC to catch).
 * - `decodeBase64` (WAMP, PEM): padded text of the standard alphabet; the unused bits of the last character
 *   are not checked on Node (as Buffer never did), and are on the portable path (as @scure/base always did).
 */
import { base64 as scureBase64 } from '@scure/base';
import type { Bytes } from '../runtime/types.ts';
import { type NodeBufferStatic, nodeBuffer, viewOf } from './node-buffer.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d; // '='

/** What differs between the two paths; everything else is shared. */
interface Base64Path {
  encodePadded(data: Bytes): string;
  /** Decodes `text` whose base64 characters end at `end` (the rest is the padding already checked). */
  decode(text: string, end: number, padded: boolean, canonical: boolean): Bytes | undefined;
}

function nodePath(buffer: NodeBufferStatic): Base64Path {
  return {
    encodePadded: (data) => viewOf(buffer, data).toString('base64'),
    decode(text, end, _padded, canonical) {
      // Buffer also reads the base64url alphabet: refuse it here. It skips characters outside both alphabets
      // and stops at '=', so any of those makes the output shorter than `end` implies: that is how they are
      // caught without a regular expression over the whole text.
      if (text.includes('-') || text.includes('_')) return undefined;
      const out = buffer.from(text, 'base64');
      if (out.length !== Math.floor((end * 3) / 4)) return undefined;
      if (canonical && !hasCanonicalTail(text, end)) return undefined;
      // A plain view (no copy): callers, WAMP's decoded arguments above all, get a Uint8Array on every
      // runtime, never a Buffer.
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    },
  };
}

const onNode = nodeBuffer === undefined ? undefined : nodePath(nodeBuffer);

const portable: Base64Path = {
  encodePadded: (data) => scureBase64.encode(data),
  // @scure/base's base64 is padded and canonical (native path included): unpadded text is padded first.
  decode(text, end, padded) {
    if (!padded && text.includes('=')) return undefined;
    try {
      return scureBase64.decode(padded ? text : text + '='.repeat((4 - (end % 4)) % 4));
    } catch {
      return undefined;
    }
  },
};

/** Every operation of this file over one path. */
export interface Base64Codec {
  /** Padded base64. */
  encode(data: Bytes): string;
  /** Unpadded base64, as age writes every header field. */
  encodeUnpadded(data: Bytes): string;
  /** Padded standard base64 (WAMP's convention); the unused bits: see the file comment. */
  decode(text: string): Bytes | undefined;
  /** Canonical padded base64 (age's armor). */
  decodeCanonical(text: string): Bytes | undefined;
  /** Canonical unpadded base64 (age's header): no padding, other characters or stray bits. */
  decodeCanonicalUnpadded(text: string): Bytes | undefined;
}

function codecOver(path: Base64Path): Base64Codec {
  return {
    encode: (data) => path.encodePadded(data),
    encodeUnpadded: (data) => withoutPadding(path.encodePadded(data)),
    decode(text) {
      const end = paddedEnd(text);
      return end === undefined ? undefined : path.decode(text, end, true, false);
    },
    decodeCanonical(text) {
      const end = paddedEnd(text);
      return end === undefined ? undefined : path.decode(text, end, true, true);
    },
    decodeCanonicalUnpadded(text) {
      return text.length % 4 === 1 ? undefined : path.decode(text, text.length, false, true);
    },
  };
}

/** The codec over each path (`node` is `undefined` where Buffer is missing), so tests can hold both to it. */
export const base64Codecs: { readonly node: Base64Codec | undefined; readonly portable: Base64Codec } = {
  node: onNode && codecOver(onNode),
  portable: codecOver(portable),
};

const codec = base64Codecs.node ?? base64Codecs.portable;

/** Padded base64. */
export function encodeBase64(data: Bytes): string {
  return codec.encode(data);
}

/** Unpadded base64, as age writes every header field. */
export function encodeBase64Unpadded(data: Bytes): string {
  return codec.encodeUnpadded(data);
}

/**
 * Decodes padded standard base64 (length a multiple of 4, at most two trailing `=`), WAMP's convention;
 * `undefined` for anything else. See the file comment for the unused bits.
 */
export function decodeBase64(text: string): Bytes | undefined {
  return codec.decode(text);
}

/** Decodes canonical padded base64 (age's armor); `undefined` for anything else. */
export function decodeCanonicalBase64(text: string): Bytes | undefined {
  return codec.decodeCanonical(text);
}

/** Decodes canonical unpadded base64 (age's header); `undefined` for padding, other characters, stray bits. */
export function decodeCanonicalBase64Unpadded(text: string): Bytes | undefined {
  return codec.decodeCanonicalUnpadded(text);
}

/** `text` without its trailing `=` (at most two). */
export function withoutPadding(text: string): string {
  if (text.charCodeAt(text.length - 1) !== PAD) return text;
  return text.slice(0, text.charCodeAt(text.length - 2) === PAD ? -2 : -1);
}

/** Where the characters of padded `text` end, or `undefined` when its length cannot be padded base64. */
function paddedEnd(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === PAD) end--;
  if (end > 0 && end === text.length - 1 && text.charCodeAt(end - 1) === PAD) end--;
  return end;
}

/** The bits of the character at `end - 1` that fall past the last whole byte are zero. */
function hasCanonicalTail(text: string, end: number): boolean {
  const rest = end % 4;
  if (rest === 0) return true;
  const value = ALPHABET.indexOf(text.charAt(end - 1));
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0;
}
