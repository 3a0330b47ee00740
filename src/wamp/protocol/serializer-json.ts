/**
 * `wamp.2.json`. Binary values travel as a string holding `\0` followed by standard base64 (WAMP spec,
 * "Binary support in JSON"), in both directions, at any depth.
 */
import { decodeBase64, encodeBase64 } from '../../encoding/base64.ts';
import { fromUtf8Strict } from '../../encoding/bytes.ts';
import { MalformedError } from '../../errors.ts';
import { checkTopLevelJson } from './integers.ts';
import type { Frame, Serializer } from './serializer-types.ts';

/** Copy-on-write: returns `value` itself when it holds no binary, so plain messages are not copied. */
function toJsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return `\0${encodeBase64(value)}`;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const mapped = typeof item === 'object' && item !== null ? toJsonSafe(item) : item;
      if (mapped !== item) {
        out ??= value.slice();
        out[i] = mapped;
      }
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const mapped = typeof item === 'object' && item !== null ? toJsonSafe(item) : item;
      if (mapped !== item) {
        out ??= { ...(value as Record<string, unknown>) };
        out[key] = mapped;
      }
    }
    return out ?? value;
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.charCodeAt(0) !== 0) return value;
    const bytes = decodeBase64(value.slice(1));
    if (bytes === undefined) throw new MalformedError('JSON binary value (\\0 + base64) is not valid base64');
    return bytes;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'string' ? item.charCodeAt(0) === 0 : typeof item === 'object' && item !== null)
        value[i] = fromJson(item);
    }
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'string' ? item.charCodeAt(0) === 0 : typeof item === 'object' && item !== null)
        record[key] = fromJson(item);
    }
  }
  return value;
}

/** JSON text of any value, binary as `\0` + base64 (what Autobahn's `_json_dumps` produces). */
export function encodeJsonValue(value: unknown): string {
  return JSON.stringify(toJsonSafe(value));
}

/** Parses JSON text and turns `\0` + base64 strings back into bytes; throws `MalformedError`. */
export function decodeJsonValue(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedError('payload is not valid JSON');
  }
  return fromJson(value);
}

export const jsonSerializer: Serializer = {
  id: 'json',
  subprotocol: 'wamp.2.json',
  binary: false,
  encode(message: readonly unknown[]): Frame {
    return JSON.stringify(toJsonSafe(message));
  },
  decode(frame: Frame): unknown {
    let text: string;
    try {
      text = typeof frame === 'string' ? frame : fromUtf8Strict(frame);
    } catch {
      throw new MalformedError('WAMP JSON frame is not valid UTF-8');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new MalformedError('WAMP JSON frame is not valid JSON');
    }
    // JSON.parse has rounded any ID written with too many digits: refuse it rather than answer another.
    checkTopLevelJson(value, text);
    return fromJson(value);
  },
};
