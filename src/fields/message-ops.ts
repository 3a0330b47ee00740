/**
 * The few message operations the walks need, on protobuf-es v2 message objects directly (plain objects
 * keyed by field localName; oneofs as `{ case, value }`; maps as plain objects; extensions and unknown
 * fields in `$unknown`), because going through `reflect()` for every node costs more than the crypto.
 */
import { getExtension, isFieldSet, type Message, setExtension } from '@bufbuild/protobuf';
import { MalformedError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import type { Plan } from './plan.ts';

export type AnyMessage = Message & Record<string, unknown>;

const EMPTY = new Uint8Array(0);

/** The ciphertext_ of an encrypted type (empty when the message is in the clear). */
export function readCiphertext(plan: Plan, message: AnyMessage): Bytes {
  if (plan.ciphertextField !== undefined) {
    return (message[plan.ciphertextField.localName] as Bytes | undefined) ?? EMPTY;
  }
  const extension = plan.ciphertextExtension!;
  const unknown = message.$unknown;
  if (unknown === undefined || !unknown.some((field) => field.no === extension.number)) return EMPTY;
  return getExtension(message, extension) as Bytes;
}

/** Stores `ciphertext` as the ciphertext_ of a message of the plan's type (an empty shell). */
export function setCiphertext(plan: Plan, message: AnyMessage, ciphertext: Bytes): void {
  if (plan.ciphertextField !== undefined) message[plan.ciphertextField.localName] = ciphertext;
  else setExtension(message, plan.ciphertextExtension!, ciphertext);
}

/**
 * An encrypted message carries its ciphertext_ and nothing else. A clear field next to it would be read
 * as if it had been encrypted, or be silently overwritten on decryption: both are refused.
 */
export function assertOnlyCiphertext(plan: Plan, message: AnyMessage): void {
  const ciphertextField = plan.ciphertextField;
  for (const field of plan.desc.fields) {
    if (field !== ciphertextField && isFieldSet(message, field)) {
      throw new MalformedError(
        `${plan.desc.typeName} has both a ciphertext_ and the clear field ${field.name}: an encrypted message must hold nothing else`,
      );
    }
  }
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    const extensionNumber = plan.ciphertextExtension?.number;
    for (const field of unknown) {
      if (field.no !== extensionNumber) {
        throw new MalformedError(
          `${plan.desc.typeName} has both a ciphertext_ and field number ${field.no}: an encrypted message must hold nothing else`,
        );
      }
    }
  }
}

/** A shallow copy that keeps the prototype (proto2 messages keep their field defaults there). */
export function shallowCopy(message: AnyMessage): AnyMessage {
  const prototype = Object.getPrototypeOf(message);
  if (prototype === Object.prototype) return { ...message };
  return Object.assign(Object.create(prototype), message);
}

/** Sets a map entry as an own property, even for the key "__proto__". */
export function setEntry(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    map[key] = value;
  }
}
