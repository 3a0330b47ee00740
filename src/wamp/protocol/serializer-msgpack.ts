/** `wamp.2.msgpack`: MessagePack with bin for binary; no extension types, maps as plain objects. */
import { Packr } from 'msgpackr';
import { MalformedError } from '../../errors.ts';
import { widenIntegers } from './integers.ts';
import { FALLBACK, readMsgpack } from './msgpack-reader.ts';
import { writeMsgpack } from './msgpack-writer.ts';
import type { Frame, Serializer } from './serializer.ts';

// Records and structured clones are msgpackr extensions other WAMP peers cannot read; int64 stays a number.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

export const msgpackSerializer: Serializer = {
  id: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  binary: true,
  encode(message: readonly unknown[]): Frame {
    return writeMsgpack(message) ?? packr.pack(widenIntegers(message));
  },
  decode(frame: Frame): unknown {
    if (typeof frame === 'string') throw new MalformedError('WAMP msgpack frame arrived as text');
    const value = readMsgpack(frame);
    if (value !== FALLBACK) return value;
    try {
      return packr.unpack(frame);
    } catch {
      throw new MalformedError('WAMP msgpack frame is not valid MessagePack');
    }
  },
};
