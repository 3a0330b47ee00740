/**
 * The three WAMP serializers behind one interface. A router holds one per session and translates between
 * them; binary values (Uint8Array) survive every translation, which is what keeps encrypted payloads intact.
 */
import { MalformedError } from '../../errors.ts';
import { cborSerializer } from './serializer-cbor.ts';
import { jsonSerializer } from './serializer-json.ts';
import { msgpackSerializer } from './serializer-msgpack.ts';
import type { Serializer, SerializerId } from './serializer-types.ts';

export type { Frame, Serializer, SerializerId } from './serializer-types.ts';

export const SERIALIZERS: Readonly<Record<SerializerId, Serializer>> = {
  json: jsonSerializer,
  msgpack: msgpackSerializer,
  cbor: cborSerializer,
};

/** Subprotocols in the router's order of preference. */
export const SUBPROTOCOLS: readonly string[] = [
  cborSerializer.subprotocol,
  msgpackSerializer.subprotocol,
  jsonSerializer.subprotocol,
];

export function serializerForSubprotocol(protocol: string): Serializer | undefined {
  for (const serializer of Object.values(SERIALIZERS))
    if (serializer.subprotocol === protocol) return serializer;
  return undefined;
}

export function serializerById(id: string): Serializer {
  const serializer = (SERIALIZERS as Record<string, Serializer>)[id];
  if (serializer === undefined)
    throw new MalformedError(`unknown WAMP serializer "${id}": use json, msgpack or cbor`);
  return serializer;
}
