/**
 * Strict standard-alphabet base64 (RFC 4648 §4) for the age header (unpadded) and the ASCII armor (padded).
 * age requires canonical encodings: a non-zero unused bit would give one value two encodings, and a
 * second encoding of the same header is a malleability the MAC would have to catch later.
 */
import { runtime } from '#runtime';
import type { Bytes } from '../../runtime/types.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const UNPADDED = /^[A-Za-z0-9+/]*$/;

function toUrl(text: string): string {
  return text.replaceAll('+', '-').replaceAll('/', '_');
}

function fromUrl(text: string): string {
  return text.replaceAll('-', '+').replaceAll('_', '/');
}

/** Unpadded base64, as every header field is written. */
export function encodeBase64(data: Bytes): string {
  return fromUrl(runtime.base64urlEncode(data));
}

/** Padded base64, as the armor body is written. */
export function encodeBase64Padded(data: Bytes): string {
  const text = encodeBase64(data);
  const rest = text.length % 4;
  return rest === 0 ? text : text + '='.repeat(4 - rest);
}

/** Decodes canonical unpadded base64; `undefined` for anything else (padding, other characters, stray bits). */
export function decodeBase64(text: string): Bytes | undefined {
  if (!UNPADDED.test(text) || !canonicalTail(text, text.length)) return undefined;
  return runtime.base64urlDecode(toUrl(text));
}

/** Decodes canonical padded base64 (length a multiple of 4, at most two trailing `=`). */
export function decodeBase64Padded(text: string): Bytes | undefined {
  if (text.length % 4 !== 0) return undefined;
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
  if (end > 0 && end === text.length - 1 && text.charCodeAt(end - 1) === 0x3d) end--;
  const body = text.slice(0, end);
  if (!UNPADDED.test(body) || !canonicalTail(body, body.length)) return undefined;
  return runtime.base64urlDecode(toUrl(body));
}

/** The bits of the last character that fall past the last whole byte must be zero. */
function canonicalTail(text: string, length: number): boolean {
  const rest = length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const value = ALPHABET.indexOf(text.charAt(length - 1));
  return rest === 2 ? (value & 0x0f) === 0 : (value & 0x03) === 0;
}
