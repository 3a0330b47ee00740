/** `wamp.2.msgpack`: MessagePack with bin for binary; no extension types, maps as plain objects. */
import { Packr } from 'msgpackr';
import { MalformedError } from '../../errors.ts';
import { exactIntegers, widenIntegers } from './integers.ts';
import { FALLBACK, readMsgpack } from './msgpack-reader.ts';
import { writeMsgpack } from './msgpack-writer.ts';
import type { Frame, Serializer } from './serializer-types.ts';

// Records and structured clones are msgpackr extensions other WAMP peers cannot read. 64-bit integers
// beyond 2^53 arrive as BigInt ('auto'), so that `exactIntegers` can refuse an ID a number would round.
// ('auto' is in msgpackr's code and README, not in its typings.)
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'auto' as 'bigint',
});

export const msgpackSerializer: Serializer = {
  id: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  binary: true,
  encode(message: readonly unknown[]): Frame {
    return writeMsgpack(message) ?? packr.pack(widenIntegers(message));
  },
  decode(frame: Frame): unknown {
    if (typeof frame === 'string') throw new MalformedError('WAMP msgpack frame arrived as text');
    // The fast reader hands anything beyond 2^53 (and other rarities) to msgpackr.
    const value = readMsgpack(frame);
    if (value !== FALLBACK) return value;
    let unpacked: unknown;
    try {
      unpacked = packr.unpack(frame);
    } catch {
      throw new MalformedError('WAMP msgpack frame is not valid MessagePack');
    }
    return exactIntegers(unpacked);
  },
};
