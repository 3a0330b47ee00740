/**
 * MessagePack reader for WAMP messages: the common case only. msgpackr's `unpack` sets up a DataView and
 * an expando property on every source buffer and pre-extracts strings, which for a small WAMP message costs
 * more than reading it. This reader handles what WAMP messages are made of (integers, floats, strings,
 * booleans, nil, arrays, string-keyed maps, bin) with strict bounds checks, and answers `FALLBACK` for
 * anything else or anything doubtful (extension types, float32, integers beyond 2^53, non-string or
 * `__proto__` keys, strings that are not strict UTF-8 or start with a BOM, truncation, trailing bytes,
 * nesting deeper than 64), so that msgpackr decides those exactly as before, including what it rejects.
 *
 * Results match msgpackr's (mapsAsObjects, int64AsType 'number'): dicts are plain objects, bin values
 * are views of the frame (`subarray`, no copy).
 */

/** Returned when msgpackr must decide. */
export const FALLBACK: unique symbol = Symbol('fallback');

const MAX_DEPTH = 64;

let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;

/** Thrown inside the reader; never escapes `readMsgpack`. */
const BAIL = Symbol('bail');

function need(count: number): void {
  if (pos + count > end) throw BAIL;
}

function uint16(): number {
  need(2);
  const value = (src[pos]! << 8) | src[pos + 1]!;
  pos += 2;
  return value;
}

function uint32(): number {
  need(4);
  const value = ((src[pos]! << 24) | (src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!) >>> 0;
  pos += 4;
  return value;
}

function float64(): number {
  need(8);
  const view = new DataView(src.buffer, src.byteOffset + pos, 8);
  pos += 8;
  return view.getFloat64(0);
}

function uint64(): number {
  const high = uint32();
  const low = uint32();
  // Beyond 2^53 the number would be rounded: msgpackr decides how.
  if (high > 0x200000 || (high === 0x200000 && low !== 0)) throw BAIL;
  return high * 2 ** 32 + low;
}

function int64(): number {
  const high = uint32() | 0;
  const low = uint32();
  // Decided on the halves: the sum itself would already be rounded (2^53+1 reads as 2^53).
  if (high > 0x200000 || (high === 0x200000 && low !== 0) || high < -0x200000) throw BAIL;
  return high * 2 ** 32 + low;
}

/**
 * Short ASCII strings (keys, URIs, option values) repeat from message to message: the last string seen
 * for each hash slot is kept with its bytes, and a match returns it without building a new string.
 * Bounded (4096 slots of at most 32 bytes); a collision or a miss only costs a normal decode.
 */
const CACHE_SLOTS = 4096;
const CACHE_WIDTH = 32;
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHE_WIDTH);
const cacheLengths = new Uint8Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array<string>(CACHE_SLOTS).fill('');

/** The string of `length` ASCII bytes at `pos`, or `undefined` if a byte is not ASCII. */
function shortAscii(length: number): string | undefined {
  const b = src;
  const from = pos;
  let hash = 0x811c9dc5 ^ length;
  for (let i = from; i < from + length; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    hash = Math.imul(hash ^ c, 16777619);
  }
  const slot = (hash >>> 0) & (CACHE_SLOTS - 1);
  const base = slot * CACHE_WIDTH;
  if (cacheLengths[slot] === length) {
    let same = true;
    for (let i = 0; i < length; i++)
      if (cacheBytes[base + i] !== b[from + i]) {
        same = false;
        break;
      }
    if (same) return cacheStrings[slot];
  }
  const value = asciiSlice(from, from + length);
  for (let i = 0; i < length; i++) cacheBytes[base + i] = b[from + i]!;
  cacheLengths[slot] = length;
  cacheStrings[slot] = value;
  return value;
}

/** Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF); anything else bails. */
function string(length: number): string {
  need(length);
  if (length > 0 && length <= CACHE_WIDTH) {
    const ascii = shortAscii(length);
    if (ascii !== undefined) {
      pos += length;
      return ascii;
    }
  }
  const stop = pos + length;
  let i = pos;
  if (length >= 3 && src[i] === 0xef && src[i + 1] === 0xbb && src[i + 2] === 0xbf) throw BAIL;
  if (length > 64) {
    // The platform's strict decoder: linear and native, where building a long string a character
    // at a time is not (a hostile frame of 1 MiB of non-ASCII text must not cost the router more).
    let text: string;
    try {
      text = strictDecoder.decode(src.subarray(i, stop));
    } catch {
      throw BAIL;
    }
    pos = stop;
    return text;
  }
  let out = '';
  // ASCII runs are the common case: converted in slices.
  while (i < stop) {
    const c = src[i]!;
    if (c < 0x80) {
      const run = i;
      while (i < stop && src[i]! < 0x80) i++;
      out += asciiSlice(run, i);
      continue;
    }
    let code: number;
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= stop) throw BAIL;
      const c1 = src[i + 1]!;
      if ((c1 & 0xc0) !== 0x80) throw BAIL;
      code = ((c & 0x1f) << 6) | (c1 & 0x3f);
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= stop) throw BAIL;
      const c1 = src[i + 1]!;
      const c2 = src[i + 2]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) throw BAIL;
      code = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) throw BAIL;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= stop) throw BAIL;
      const c1 = src[i + 1]!;
      const c2 = src[i + 2]!;
      const c3 = src[i + 3]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) throw BAIL;
      code = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
      if (code < 0x10000 || code > 0x10ffff) throw BAIL;
      i += 4;
    } else throw BAIL;
    out += String.fromCodePoint(code);
  }
  pos = stop;
  return out;
}

function asciiSlice(from: number, to: number): string {
  const length = to - from;
  const b = src;
  const i = from;
  // Direct calls with fixed arity are much faster than building the string a character at a time.
  switch (length) {
    case 1:
      return String.fromCharCode(b[i]!);
    case 2:
      return String.fromCharCode(b[i]!, b[i + 1]!);
    case 3:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!);
    case 4:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    case 5:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!);
    case 6:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!);
    case 7:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!);
    case 8:
      return String.fromCharCode(
        b[i]!,
        b[i + 1]!,
        b[i + 2]!,
        b[i + 3]!,
        b[i + 4]!,
        b[i + 5]!,
        b[i + 6]!,
        b[i + 7]!,
      );
  }
  if (length <= 24) return asciiSlice(from, from + 8) + asciiSlice(from + 8, to);
  // ASCII is Latin-1 and valid UTF-8 without a BOM: a native decoder gives the same string.
  if (latin1Slice !== undefined) return latin1Slice.call(b, from, to);
  return strictDecoder.decode(b.subarray(from, to));
}

/** Strict UTF-8 (throws on anything invalid), a BOM kept as a character (a leading one bails earlier). */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Node's native Latin-1 slice; it accepts any Uint8Array as `this`. Absent in browsers. */
const latin1Slice = (
  globalThis as unknown as {
    Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } };
  }
).Buffer?.prototype.latin1Slice;

function bin(length: number): Uint8Array {
  need(length);
  const out = src.subarray(pos, pos + length);
  pos += length;
  return out;
}

function array(length: number, depth: number): unknown[] {
  // Each element takes at least one byte: a count the frame cannot hold is not allocated.
  if (length > end - pos) throw BAIL;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = read(depth);
  return out;
}

function map(length: number, depth: number): Record<string, unknown> {
  if (length * 2 > end - pos) throw BAIL;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    need(1);
    const token = src[pos++]!;
    let key: string;
    if (token >= 0xa0 && token <= 0xbf) key = string(token & 0x1f);
    else if (token === 0xd9) {
      need(1);
      key = string(src[pos++]!);
    } else if (token === 0xda) key = string(uint16());
    else if (token === 0xdb) key = string(uint32());
    else throw BAIL;
    if (key === '__proto__') throw BAIL;
    out[key] = read(depth);
  }
  return out;
}

function read(depth: number): unknown {
  if (depth > MAX_DEPTH) throw BAIL;
  need(1);
  const token = src[pos++]!;
  if (token < 0x80) return token;
  if (token < 0x90) return map(token & 0x0f, depth + 1);
  if (token < 0xa0) return array(token & 0x0f, depth + 1);
  if (token < 0xc0) return string(token & 0x1f);
  if (token >= 0xe0) return token - 0x100;
  switch (token) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      need(1);
      return bin(src[pos++]!);
    case 0xc5:
      return bin(uint16());
    case 0xc6:
      return bin(uint32());
    case 0xcb:
      return float64();
    case 0xcc:
      need(1);
      return src[pos++]!;
    case 0xcd:
      return uint16();
    case 0xce:
      return uint32();
    case 0xcf:
      return uint64();
    case 0xd0: {
      need(1);
      const value = src[pos++]!;
      return value < 0x80 ? value : value - 0x100;
    }
    case 0xd1: {
      const value = uint16();
      return value < 0x8000 ? value : value - 0x10000;
    }
    case 0xd2:
      return uint32() | 0;
    case 0xd3:
      return int64();
    case 0xd9:
      need(1);
      return string(src[pos++]!);
    case 0xda:
      return string(uint16());
    case 0xdb:
      return string(uint32());
    case 0xdc:
      return array(uint16(), depth + 1);
    case 0xdd:
      return array(uint32(), depth + 1);
    case 0xde:
      return map(uint16(), depth + 1);
    case 0xdf:
      return map(uint32(), depth + 1);
    default:
      // 0xc1 (never used), extensions, float32: msgpackr's business.
      throw BAIL;
  }
}

/** Decodes one whole frame, or answers `FALLBACK` (see above). Never throws. */
export function readMsgpack(frame: Uint8Array): unknown {
  src = frame;
  pos = 0;
  end = frame.length;
  try {
    const value = read(0);
    return pos === end ? value : FALLBACK;
  } catch (error) {
    if (error === BAIL || error instanceof RangeError) return FALLBACK;
    throw error;
  } finally {
    src = EMPTY;
  }
}

const EMPTY = new Uint8Array(0);
