/**
 * Shape checks for every WAMP message, before any handler looks at it. A message that fails is a
 * protocol violation for the session that sent it and nothing else.
 *
 * Payload rules (the part that matters for end-to-end encryption):
 * - plain: Arguments is a list, ArgumentsKw a dict;
 * - Autobahn cryptobox (`enc_algo` in Options/Details): Arguments is a bare binary, no ArgumentsKw;
 * - spec PPT (`ppt_scheme`): Arguments is a one-element list, ArgumentsKw absent or empty. The element is
 *   never looked at: it is the sender's business, and the router must not inspect it.
 */
import { isPlainObject } from '../../encoding/plain-object.ts';
import { MalformedError } from '../../errors.ts';
import { MessageType } from './codes.ts';

export type Dict = Record<string, unknown>;
/** A validated message: element 0 is the type code, the rest as the spec lists them. */
export type WampMessage = readonly unknown[];

/** `id`: [1, 2^53]; `request0`: the same or 0 (a router revoking a subscription/registration says 0). */
type Field = 'id' | 'request0' | 'dict' | 'uri' | 'string' | 'type';

interface Shape {
  fields: readonly Field[];
  /** Index of the Options/Details dict whose `enc_*` / `ppt_*` keys govern the payload, if any. */
  payloadOptions?: number;
  /** Extra trailing fields allowed (UNSUBSCRIBED/UNREGISTERED may carry Details). */
  optionalDict?: boolean;
}

const SHAPES: Readonly<Record<number, Shape>> = {
  [MessageType.HELLO]: { fields: ['uri', 'dict'] },
  [MessageType.WELCOME]: { fields: ['id', 'dict'] },
  [MessageType.ABORT]: { fields: ['dict', 'uri'] },
  [MessageType.CHALLENGE]: { fields: ['string', 'dict'] },
  [MessageType.AUTHENTICATE]: { fields: ['string', 'dict'] },
  [MessageType.GOODBYE]: { fields: ['dict', 'uri'] },
  [MessageType.ERROR]: { fields: ['type', 'id', 'dict', 'uri'], payloadOptions: 3 },
  [MessageType.PUBLISH]: { fields: ['id', 'dict', 'uri'], payloadOptions: 2 },
  [MessageType.PUBLISHED]: { fields: ['id', 'id'] },
  [MessageType.SUBSCRIBE]: { fields: ['id', 'dict', 'string'] },
  [MessageType.SUBSCRIBED]: { fields: ['id', 'id'] },
  [MessageType.UNSUBSCRIBE]: { fields: ['id', 'id'] },
  [MessageType.UNSUBSCRIBED]: { fields: ['request0'], optionalDict: true },
  [MessageType.EVENT]: { fields: ['id', 'id', 'dict'], payloadOptions: 3 },
  [MessageType.CALL]: { fields: ['id', 'dict', 'uri'], payloadOptions: 2 },
  [MessageType.CANCEL]: { fields: ['id', 'dict'] },
  [MessageType.RESULT]: { fields: ['id', 'dict'], payloadOptions: 2 },
  [MessageType.REGISTER]: { fields: ['id', 'dict', 'string'] },
  [MessageType.REGISTERED]: { fields: ['id', 'id'] },
  [MessageType.UNREGISTER]: { fields: ['id', 'id'] },
  [MessageType.UNREGISTERED]: { fields: ['request0'], optionalDict: true },
  [MessageType.INVOCATION]: { fields: ['id', 'id', 'dict'], payloadOptions: 3 },
  [MessageType.INTERRUPT]: { fields: ['id', 'dict'] },
  [MessageType.YIELD]: { fields: ['id', 'dict'], payloadOptions: 2 },
};

/** 2^53: the WAMP ID space. */
const MAX_ID = 2 ** 53;

export function isDict(value: unknown): value is Dict {
  return isPlainObject(value);
}

function checkField(kind: Field, value: unknown, index: number): void {
  switch (kind) {
    case 'id':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID)
        throw new MalformedError(`WAMP message element ${index} must be an ID (integer 1..2^53)`);
      return;
    case 'request0':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ID)
        throw new MalformedError(`WAMP message element ${index} must be a request ID (integer 0..2^53)`);
      return;
    case 'type':
      if (typeof value !== 'number' || SHAPES[value] === undefined)
        throw new MalformedError(`WAMP message element ${index} must be a message type`);
      return;
    case 'dict':
      if (!isDict(value)) throw new MalformedError(`WAMP message element ${index} must be a dict`);
      return;
    case 'uri':
      if (typeof value !== 'string' || value.length === 0)
        throw new MalformedError(`WAMP message element ${index} must be a non-empty URI string`);
      return;
    case 'string':
      if (typeof value !== 'string')
        throw new MalformedError(`WAMP message element ${index} must be a string`);
      return;
  }
}

/** Where the payload (Arguments, ArgumentsKw) starts, for messages that carry one. */
export function payloadStart(type: number): number {
  const shape = SHAPES[type];
  return shape === undefined ? -1 : shape.fields.length + 1;
}

/** Validates `raw` and returns it as a message; throws `MalformedError` saying what was wrong. */
export function validateMessage(raw: unknown): WampMessage {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new MalformedError('a WAMP message must be a non-empty list');
  const type = raw[0];
  if (typeof type !== 'number') throw new MalformedError('WAMP message type must be an integer');
  const shape = SHAPES[type];
  if (shape === undefined) throw new MalformedError(`unknown WAMP message type ${type}`);
  const fixed = shape.fields.length + 1;
  if (raw.length < fixed) throw new MalformedError(`WAMP message type ${type} needs ${fixed} elements`);
  for (let i = 0; i < shape.fields.length; i++) checkField(shape.fields[i]!, raw[i + 1], i + 1);
  if (shape.payloadOptions === undefined) {
    const extra = raw.length - fixed;
    if (extra === 0) return raw;
    if (shape.optionalDict && extra === 1 && isDict(raw[fixed])) return raw;
    throw new MalformedError(`WAMP message type ${type} has ${raw.length} elements, expected ${fixed}`);
  }
  if (raw.length > fixed + 2) throw new MalformedError(`WAMP message type ${type} has too many elements`);
  const options = raw[shape.payloadOptions] as Dict;
  const args = raw[fixed];
  const kwargs = raw[fixed + 1];
  if (raw.length === fixed + 2 && !isDict(kwargs)) throw new MalformedError('ArgumentsKw must be a dict');
  if (options.ppt_scheme !== undefined) {
    if (typeof options.ppt_scheme !== 'string' || options.ppt_scheme === '')
      throw new MalformedError('ppt_scheme must be a non-empty string');
    if (!Array.isArray(args) || args.length !== 1)
      throw new MalformedError('a payload passthru message must carry exactly one Arguments element');
    if (kwargs !== undefined && Object.keys(kwargs as Dict).length > 0)
      throw new MalformedError('a payload passthru message must not carry ArgumentsKw');
    return raw;
  }
  if (options.enc_algo !== undefined) {
    if (typeof options.enc_algo !== 'string') throw new MalformedError('enc_algo must be a string');
    // Autobahn's form: the encrypted payload stands bare where the Arguments list would be.
    if (!(args instanceof Uint8Array)) throw new MalformedError('an enc_algo payload must be a binary');
    if (kwargs !== undefined) throw new MalformedError('an enc_algo message must not carry ArgumentsKw');
    return raw;
  }
  if (args !== undefined && !Array.isArray(args)) throw new MalformedError('Arguments must be a list');
  return raw;
}

/** Option keys the router copies verbatim from a sender's Options into the receiver's Details. */
export const PASSTHROUGH_KEYS = [
  'enc_algo',
  'enc_serializer',
  'enc_key',
  'ppt_scheme',
  'ppt_serializer',
  'ppt_cipher',
  'ppt_keyid',
] as const;

const PASSTHROUGH = new Set<string>(PASSTHROUGH_KEYS);

/** Copies `enc_*` and `ppt_*` keys present in `from` into `into` (the values untouched). */
export function copyPassthrough(from: Dict, into: Dict): boolean {
  let found = false;
  // Walks the few keys the sender set instead of probing all seven names on every routed message.
  for (const key in from) {
    if (PASSTHROUGH.has(key)) {
      into[key] = from[key];
      found = true;
    }
  }
  return found;
}

/** Whether the payload of a message with these Options is end-to-end encoded (either wire form). */
export function isEncryptedPayload(options: Dict): boolean {
  return options.enc_algo !== undefined || options.ppt_scheme !== undefined;
}
