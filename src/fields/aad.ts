/**
 * The associated data every field ciphertext binds:
 *
 *   "sealwire-fields" || 0x01 || BE32(len) || type name || BE32(len) || alias || BE32(len) || context
 *
 * 0x01 is the format version. The full type name and the alias stop a ciphertext from being moved to
 * another message type or read as another alias's data; the optional caller context (an event id, a
 * subject) stops it from being replayed into another event. Length prefixes keep the fields unambiguous.
 */
import { concatBytes, uint32be, utf8 } from '../encoding/bytes.ts';
import type { Bytes } from '../runtime/types.ts';

const LABEL = utf8('sealwire-fields');
export const FORMAT_VERSION = 1;

/** Everything up to the context length, computed once per message type. */
export function aadPrefix(typeName: string, alias: string): Bytes {
  const type = utf8(typeName);
  const name = utf8(alias);
  return concatBytes(
    LABEL,
    Uint8Array.of(FORMAT_VERSION),
    uint32be(type.length),
    type,
    uint32be(name.length),
    name,
  );
}

export function withContext(prefix: Bytes, context: Bytes | undefined): Bytes {
  if (context === undefined || context.length === 0) return concatBytes(prefix, uint32be(0));
  return concatBytes(prefix, uint32be(context.length), context);
}
