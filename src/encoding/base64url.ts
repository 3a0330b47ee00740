/**
 * Strict unpadded base64url (RFC 4648 §5), as JOSE writes every member: the one home of it in Sealwire
 * (both runtimes' `base64urlEncode`/`base64urlDecode` are these functions).
 *
 * Two paths, chosen once by feature detection: Node's Buffer (native speed), and elsewhere @scure/base,
 * which takes the platform's `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` where they exist
 * (in Chromium ~80x the speed of a JavaScript encoder) and its pure-JS codec where they do not.
 *
 * Decoding refuses, on both paths, padding, the standard alphabet, whitespace, any other character and an
 * impossible length. The unused low bits of the last character are not checked, on either path, as JOSE
 * decoding never checked them (the portable path clears them before @scure/base, which would refuse them).
 */
import { base64url as scureBase64url } from '@scure/base';
import { MalformedError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import { withoutPadding } from './base64.ts';
import { type NodeBufferStatic, nodeBuffer, viewOf } from './node-buffer.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export interface Base64urlCodec {
  encode(data: Bytes): string;
  /** `undefined` for anything but unpadded base64url. */
  decode(text: string): Bytes | undefined;
}

function nodeCodec(buffer: NodeBufferStatic): Base64urlCodec {
  return {
    encode: (data) => viewOf(buffer, data).toString('base64url'),
    decode(text) {
      if (text.length % 4 === 1 || text.includes('+') || text.includes('/')) return undefined;
      const out = buffer.from(text, 'base64url');
      // Node skips characters outside the alphabet (and stops at '='); any skipped character makes the
      // output shorter than the length the input implies, which is how we detect it without a slow regex.
      return out.length === Math.floor((text.length * 3) / 4) ? out : undefined;
    },
  };
}

const onNode = nodeBuffer === undefined ? undefined : nodeCodec(nodeBuffer);

const portable: Base64urlCodec = {
  encode: (data) => withoutPadding(scureBase64url.encode(data)),
  decode(text) {
    const rest = text.length % 4;
    if (rest === 1 || text.includes('=')) return undefined;
    try {
      return scureBase64url.decode(
        rest === 0 ? text : `${withUnusedBitsCleared(text, rest)}${'='.repeat(4 - rest)}`,
      );
    } catch {
      return undefined;
    }
  },
};

/** The codec over each path (`node` is `undefined` where Buffer is missing), so tests can hold both to it. */
export const base64urlCodecs: {
  readonly node: Base64urlCodec | undefined;
  readonly portable: Base64urlCodec;
} = { node: onNode, portable };

const codec = onNode ?? portable;

export function encodeBase64url(data: Bytes): string {
  return codec.encode(data);
}

/** Decodes `text`; `undefined` for anything but unpadded base64url. */
export function tryDecodeBase64url(text: string): Bytes | undefined {
  return codec.decode(text);
}

/**
 * Decodes `text` only if it is the one encoding of its bytes (the unused low bits of the last character
 * zero): for identifiers and keys whose text is hashed or signed, so a value has exactly one spelling.
 */
export function tryDecodeCanonicalBase64url(text: string): Bytes | undefined {
  const bytes = codec.decode(text);
  return bytes !== undefined && codec.encode(bytes) === text ? bytes : undefined;
}

/** Decodes `text`; anything but unpadded base64url is a `MalformedError` naming `what`. */
export function decodeBase64url(text: unknown, what: string): Bytes {
  if (typeof text !== 'string') throw new MalformedError(`${what} must be a base64url string`);
  const out = codec.decode(text);
  if (out === undefined) throw new MalformedError(`${what} is not valid unpadded base64url`);
  return out;
}

/** `text` with the bits of its last character that fall past the last whole byte set to zero. */
function withUnusedBitsCleared(text: string, rest: number): string {
  const value = ALPHABET.indexOf(text.charAt(text.length - 1));
  // A character outside the alphabet is left for @scure/base to refuse.
  if (value < 0) return text;
  return text.slice(0, -1) + ALPHABET.charAt(value & (rest === 2 ? 0x30 : 0x3c));
}
