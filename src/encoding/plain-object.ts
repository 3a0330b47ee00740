/**
 * "Is a plain object": the one test for it in Sealwire. A JSON object, a WAMP dict, a YAML mapping: an
 * object that is neither `null`, a list, nor a byte array (which WAMP's binary serializers decode to, and
 * which `typeof` also calls an object).
 */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
