/** `wamp.2.cbor`: CBOR (RFC 8949) with byte strings for binary; untagged, maps as plain objects. */
import { Encoder, type Options } from 'cbor-x';
import { MalformedError } from '../../errors.ts';
import { widenIntegers } from './integers.ts';
import type { Frame, Serializer } from './serializer.ts';

// Tag 64 on byte strings and record extensions would not be understood by other WAMP peers.
// int64AsNumber (read 64-bit integers as numbers, like the other serializers) is not in cbor-x's typings.
const options: Options & { int64AsNumber: boolean } = {
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  pack: false,
  int64AsNumber: true,
};
const encoder = new Encoder(options);

export const cborSerializer: Serializer = {
  id: 'cbor',
  subprotocol: 'wamp.2.cbor',
  binary: true,
  encode(message: readonly unknown[]): Frame {
    return encoder.encode(widenIntegers(message));
  },
  decode(frame: Frame): unknown {
    if (typeof frame === 'string') throw new MalformedError('WAMP CBOR frame arrived as text');
    try {
      return encoder.decode(frame);
    } catch {
      throw new MalformedError('WAMP CBOR frame is not valid CBOR');
    }
  },
};
