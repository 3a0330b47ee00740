/** JSON parsing with the checks every attacker-supplied document gets. */
import { LimitExceededError, MalformedError } from '../errors.ts';
import { isPlainObject, type PlainObject } from './plain-object.ts';

export type JsonObject = PlainObject;

/** A JSON object: the plain-object test of `plain-object.ts`, under the name the JSON code reads best with. */
export const isJsonObject: (value: unknown) => value is JsonObject = isPlainObject;

/**
 * Parses `text` as a JSON object. `maxLength` (in UTF-16 code units) is checked before parsing, so a
 * hostile multi-megabyte header costs nothing.
 */
export function parseJsonObject(
  text: string,
  what: string,
  maxLength = Number.POSITIVE_INFINITY,
): JsonObject {
  if (text.length > maxLength) {
    throw new LimitExceededError(`${what} is ${text.length} bytes, over the limit of ${maxLength}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedError(`${what} is not valid JSON`);
  }
  if (!isJsonObject(value)) throw new MalformedError(`${what} must be a JSON object`);
  return value;
}

/** Deterministic JSON (object keys sorted, `undefined` members dropped): bytes to authenticate. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
