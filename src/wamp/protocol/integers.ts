/**
 * Integers between JavaScript numbers and the serializers, both ways.
 *
 * Writing: msgpackr and cbor-x write integers beyond 32 bits as float64. WAMP IDs go up to 2^53 and peers
 * such as Autobahn|Python reject a float where an ID belongs, so before encoding, integers outside the
 * 32-bit range become BigInt, which both libraries write as 64-bit integers. Copy-on-write: a message with
 * no such integer is returned as is.
 *
 * Reading: see `exactIntegers` and `checkTopLevelJson` below.
 */
import { MalformedError } from '../../errors.ts';

function isWide(value: number): boolean {
  // Up to 2^53 inclusive: the top of the WAMP ID space is exactly representable.
  return (value > 0xffffffff || value < -0x80000000) && Number.isInteger(value) && Math.abs(value) <= 2 ** 53;
}

export function widenIntegers(value: unknown): unknown {
  if (typeof value === 'number') return isWide(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!mayHoldNumbers(item)) continue;
      const mapped = widenIntegers(item);
      if (mapped !== item) {
        out ??= value.slice();
        out[i] = mapped;
      }
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (!mayHoldNumbers(item)) continue;
      const mapped = widenIntegers(item);
      if (mapped !== item) {
        out ??= { ...(value as Record<string, unknown>) };
        out[key] = mapped;
      }
    }
    return out ?? value;
  }
  return value;
}

/** Numbers, and containers that may hold some: the only values `widenIntegers` has to look into. */
function mayHoldNumbers(item: unknown): boolean {
  return (
    typeof item === 'number' || (typeof item === 'object' && item !== null && !(item instanceof Uint8Array))
  );
}

/*
 * The other direction: a decoded integer must be the integer that was sent. msgpack and CBOR carry 64-bit
 * integers and JSON any number of digits, but a JavaScript number holds integers exactly only up to 2^53:
 * 2^53+1 would be read as 2^53, and a router answering "request 2^53" would be answering another request.
 * The top level of a WAMP message holds only the type code and IDs (besides dicts, URIs and the payload
 * lists), so an integer there that a number cannot hold is refused; deeper down (arguments, details) it
 * becomes the nearest number, as it always did.
 */

/** 2^53: the top of the WAMP ID space, the last integer before numbers start to round. */
const EXACT_LIMIT = 2 ** 53;
const EXACT_LIMIT_BIG = 2n ** 53n;

function inexact(index: number): MalformedError {
  return new MalformedError(
    `WAMP message element ${index} is an integer beyond 2^53, which no WAMP ID can be: refused, not rounded`,
  );
}

/**
 * For decoders that hand out 64-bit integers as BigInt: the top level stays exact (BigInt beyond 2^53 is
 * refused), everything else becomes a number. In place: the decoded value belongs to the caller.
 */
export function exactIntegers(message: unknown): unknown {
  if (!Array.isArray(message)) return numbersOnly(message);
  for (let i = 0; i < message.length; i++) {
    const item = message[i];
    if (typeof item === 'bigint') {
      if (item > EXACT_LIMIT_BIG || item < -EXACT_LIMIT_BIG) throw inexact(i);
      message[i] = Number(item);
    } else if (typeof item === 'object' && item !== null) numbersOnly(item);
  }
  return message;
}

function numbersOnly(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'bigint') value[i] = Number(item);
      else if (typeof item === 'object' && item !== null) numbersOnly(item);
    }
  } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'bigint') record[key] = Number(item);
      else if (typeof item === 'object' && item !== null) numbersOnly(item);
    }
  }
  return value;
}

/**
 * For JSON, where the parser already rounded: an integer written with more digits than a number holds
 * parses to 2^53 or beyond. Beyond is refused by the ID check anyway; exactly 2^53 at the top level is
 * looked up in the text, where it must be written as 2^53 (9007199254740992 and not 9007199254740993).
 */
export function checkTopLevelJson(message: unknown, text: string): void {
  if (!Array.isArray(message) || !message.includes(EXACT_LIMIT)) return;
  const tokens = topLevelNumberTokens(text);
  let number = 0;
  for (let i = 0; i < message.length; i++) {
    if (typeof message[i] !== 'number') continue;
    const token = tokens[number++];
    if (message[i] === EXACT_LIMIT && token !== '9007199254740992') throw inexact(i);
  }
}

/** The number literals directly inside the outermost array of (valid) JSON text, in order. */
function topLevelNumberTokens(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string, escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
    else if (depth === 1 && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
      const start = i;
      while (i + 1 < text.length && /[0-9eE+.-]/.test(text[i + 1]!)) i++;
      tokens.push(text.slice(start, i + 1));
    }
  }
  return tokens;
}
