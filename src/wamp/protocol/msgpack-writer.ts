/**
 * MessagePack writer for WAMP messages: the serializer's hot path. Every router hop and every client
 * message is encoded once, and msgpackr's general-purpose path (an extension lookup with `instanceof`
 * checks and a closure for every binary, a BigInt made by `widenIntegers` for every 53-bit ID) cost more
 * than routing the message. This writer handles the value types WAMP messages are made of (numbers,
 * strings, booleans, null, plain lists and dicts, byte arrays) and returns `undefined` for anything else,
 * so the caller can fall back to msgpackr and nothing changes for exotic values.
 *
 * Same wire choices as msgpackr + `widenIntegers`: integers in 32 bits take the smallest form, integers
 * beyond 32 bits up to 2^53 are 64-bit signed integers (0xd3; Autobahn rejects a float where an ID
 * belongs), other numbers float64; strings UTF-8 (a lone surrogate becomes U+FFFD, as TextEncoder does);
 * bytes as bin. Dicts take the smallest map header (msgpackr always writes map16; both are valid).
 */

type NodeBufferLike = Uint8Array & { utf8Write(text: string, offset: number, length: number): number };
interface NodeBufferStatic {
  allocUnsafeSlow(size: number): NodeBufferLike;
}
const NodeBuffer = (globalThis as unknown as { Buffer?: NodeBufferStatic }).Buffer;
const textEncoder = new TextEncoder();

/**
 * Frames are cut from chunks of this size (fewer ArrayBuffer allocations: measured 0.58 us per 1.5 KiB
 * EVENT with 16 KiB chunks, 0.49 us with 64 KiB); a message that does not fit gets a buffer of its own.
 * A frame keeps its chunk alive only while it is queued, and one is queued in this process only once the
 * kernel's socket buffer for that peer is full (the same granularity `ws` reads incoming frames in).
 */
const CHUNK = 64 * 1024;
/** Start a new chunk rather than begin a message in the last bytes of one. */
const MIN_ROOM = 2 * 1024;
/** Nesting deeper than this is left to the fallback (which has its own limits) instead of recursing. */
const MAX_DEPTH = 64;

function allocate(size: number): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

let buf: Uint8Array = allocate(CHUNK);
let view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
let pos = 0;
let start = 0;

/** Thrown inside the writer for a value it does not handle; never escapes `writeMsgpack`. */
const UNSUPPORTED = Symbol('unsupported');

function grow(needed: number): void {
  const used = pos - start;
  // Room for what is asked plus a quarter: a big binary is usually the last large part of a message.
  const size = used + needed;
  const next = allocate(Math.max(CHUNK, size + (size >> 2) + 256));
  next.set(buf.subarray(start, pos));
  buf = next;
  view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  start = 0;
  pos = used;
}

function room(needed: number): void {
  if (pos + needed > buf.length) grow(needed);
}

function writeNumber(value: number): void {
  room(9);
  if (value >>> 0 === value) {
    if (value < 0x80) buf[pos++] = value;
    else if (value < 0x100) {
      buf[pos++] = 0xcc;
      buf[pos++] = value;
    } else if (value < 0x10000) {
      buf[pos++] = 0xcd;
      buf[pos++] = value >> 8;
      buf[pos++] = value & 0xff;
    } else {
      buf[pos++] = 0xce;
      view.setUint32(pos, value);
      pos += 4;
    }
  } else if (value >> 0 === value) {
    if (value >= -0x20) buf[pos++] = 0x100 + value;
    else if (value >= -0x80) {
      buf[pos++] = 0xd0;
      buf[pos++] = value + 0x100;
    } else if (value >= -0x8000) {
      buf[pos++] = 0xd1;
      view.setInt16(pos, value);
      pos += 2;
    } else {
      buf[pos++] = 0xd2;
      view.setInt32(pos, value);
      pos += 4;
    }
  } else if (Number.isInteger(value) && Math.abs(value) <= 2 ** 53) {
    // Two's complement in two 32-bit halves; exact because |value| <= 2^53.
    const high = Math.floor(value / 2 ** 32);
    buf[pos++] = 0xd3;
    view.setInt32(pos, high);
    view.setUint32(pos + 4, value - high * 2 ** 32);
    pos += 8;
  } else {
    buf[pos++] = 0xcb;
    view.setFloat64(pos, value);
    pos += 8;
  }
}

function writeString(value: string): void {
  const length = value.length;
  // Header sized for the UTF-16 length (a lower bound of the UTF-8 length), moved if that was short.
  const header = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  room(header + length * 3);
  const at = pos + header;
  let bytes: number;
  if (length < 64) {
    let p = at;
    for (let i = 0; i < length; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) buf[p++] = c;
      else if (c < 0x800) {
        buf[p++] = (c >> 6) | 0xc0;
        buf[p++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x03ff) << 10) + (value.charCodeAt(++i) & 0x03ff);
        buf[p++] = (c >> 18) | 0xf0;
        buf[p++] = ((c >> 12) & 0x3f) | 0x80;
        buf[p++] = ((c >> 6) & 0x3f) | 0x80;
        buf[p++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xf800) === 0xd800) {
        buf[p++] = 0xef;
        buf[p++] = 0xbf;
        buf[p++] = 0xbd;
      } else {
        buf[p++] = (c >> 12) | 0xe0;
        buf[p++] = ((c >> 6) & 0x3f) | 0x80;
        buf[p++] = (c & 0x3f) | 0x80;
      }
    }
    bytes = p - at;
  } else if (NodeBuffer !== undefined) {
    bytes = (buf as NodeBufferLike).utf8Write(value, at, buf.length - at);
  } else {
    bytes = textEncoder.encodeInto(value, buf.subarray(at)).written;
  }
  const needed = bytes < 0x20 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5;
  if (needed !== header) buf.copyWithin(pos + needed, at, at + bytes);
  if (needed === 1) buf[pos++] = 0xa0 | bytes;
  else if (needed === 2) {
    buf[pos++] = 0xd9;
    buf[pos++] = bytes;
  } else if (needed === 3) {
    buf[pos++] = 0xda;
    buf[pos++] = bytes >> 8;
    buf[pos++] = bytes & 0xff;
  } else {
    buf[pos++] = 0xdb;
    view.setUint32(pos, bytes);
    pos += 4;
  }
  pos += bytes;
}

function writeBytes(value: Uint8Array): void {
  const length = value.byteLength;
  room(length + 5);
  if (length < 0x100) {
    buf[pos++] = 0xc4;
    buf[pos++] = length;
  } else if (length < 0x10000) {
    buf[pos++] = 0xc5;
    buf[pos++] = length >> 8;
    buf[pos++] = length & 0xff;
  } else {
    buf[pos++] = 0xc6;
    view.setUint32(pos, length);
    pos += 4;
  }
  buf.set(value, pos);
  pos += length;
}

function writeLength(length: number, fix: number, short: number): void {
  room(5);
  if (length < 0x10) buf[pos++] = fix | length;
  else if (length < 0x10000) {
    buf[pos++] = short;
    buf[pos++] = length >> 8;
    buf[pos++] = length & 0xff;
  } else {
    buf[pos++] = short + 1;
    view.setUint32(pos, length);
    pos += 4;
  }
}

function write(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'number':
      writeNumber(value);
      return;
    case 'boolean':
      room(1);
      buf[pos++] = value ? 0xc3 : 0xc2;
      return;
    case 'object': {
      if (value === null) {
        room(1);
        buf[pos++] = 0xc0;
        return;
      }
      if (depth > MAX_DEPTH) throw UNSUPPORTED;
      const kind = value.constructor;
      if (kind === Array) {
        const list = value as unknown[];
        writeLength(list.length, 0x90, 0xdc);
        for (let i = 0; i < list.length; i++) write(list[i], depth + 1);
        return;
      }
      if (kind === Object) {
        const dict = value as Record<string, unknown>;
        const keys = Object.keys(dict);
        writeLength(keys.length, 0x80, 0xde);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          writeString(key);
          write(dict[key], depth + 1);
        }
        return;
      }
      if (kind === Uint8Array || (NodeBuffer !== undefined && kind === (NodeBuffer as unknown))) {
        writeBytes(value as Uint8Array);
        return;
      }
      throw UNSUPPORTED;
    }
    default:
      // undefined, bigint, functions, symbols: msgpackr decides what those become.
      throw UNSUPPORTED;
  }
}

/**
 * Encodes `message`, or returns `undefined` when it holds a value this writer leaves to msgpackr.
 * The returned bytes are a view of a shared chunk that is never written again.
 */
export function writeMsgpack(message: readonly unknown[]): Uint8Array | undefined {
  if (buf.length - pos < MIN_ROOM) {
    buf = allocate(CHUNK);
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    pos = 0;
  }
  start = pos;
  try {
    write(message, 0);
  } catch (error) {
    pos = start;
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
  const out = buf.subarray(start, pos);
  // Word-align the next message, as msgpackr does (faster copies). A buffer grown for one large
  // message is not cut further: small frames would keep all of it alive.
  pos = buf.length > CHUNK ? buf.length : Math.min((pos + 7) & ~7, buf.length);
  return out;
}
