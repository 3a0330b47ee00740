/** `wamp.2.cbor`: CBOR (RFC 8949) with byte strings for binary; untagged, maps as plain objects. */
import { Encoder, type Options } from 'cbor-x';
import { MalformedError } from '../../errors.ts';
import { exactIntegers, widenIntegers } from './integers.ts';
import type { Frame, Serializer } from './serializer-types.ts';

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
// 64-bit integers as BigInt, so that `exactIntegers` can refuse an ID that a number would round.
const exactOptions: typeof options = { ...options, int64AsNumber: false };
const exactDecoder = new Encoder(exactOptions);

/** Whether the frame may hold a 64-bit integer (heads 0x1b, 0x3b); most frames hold none and skip the walk. */
function mayHoldInt64(frame: Uint8Array): boolean {
  return frame.includes(0x1b) || frame.includes(0x3b);
}

export const cborSerializer: Serializer = {
  id: 'cbor',
  subprotocol: 'wamp.2.cbor',
  binary: true,
  encode(message: readonly unknown[]): Frame {
    return encoder.encode(widenIntegers(message));
  },
  decode(frame: Frame): unknown {
    if (typeof frame === 'string') throw new MalformedError('WAMP CBOR frame arrived as text');
    const exact = mayHoldInt64(frame);
    let value: unknown;
    try {
      value = (exact ? exactDecoder : encoder).decode(frame);
    } catch {
      throw new MalformedError('WAMP CBOR frame is not valid CBOR');
    }
    return exact ? exactIntegers(value) : value;
  },
};
