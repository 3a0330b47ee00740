/**
 * What the router puts on a connection besides single messages: the WebSocket close codes it ends
 * connections with, and messages encoded once per serializer for a fan-out.
 */
import type { Frame, Serializer } from '../protocol/serializer.ts';

/** WebSocket close codes used when the router ends a connection. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  POLICY: 1008,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
} as const;

/** One outgoing message and its encodings, made at most once per serializer, for one publication. */
export class SharedFrames {
  readonly type: number;
  readonly #message: readonly unknown[];
  #json: Frame | undefined;
  #msgpack: Frame | undefined;
  #cbor: Frame | undefined;

  constructor(message: readonly unknown[]) {
    this.#message = message;
    this.type = message[0] as number;
  }

  frame(serializer: Serializer): Frame {
    switch (serializer.id) {
      case 'msgpack':
        if (this.#msgpack === undefined) this.#msgpack = serializer.encode(this.#message);
        return this.#msgpack;
      case 'cbor':
        if (this.#cbor === undefined) this.#cbor = serializer.encode(this.#message);
        return this.#cbor;
      default:
        if (this.#json === undefined) this.#json = serializer.encode(this.#message);
        return this.#json;
    }
  }
}
