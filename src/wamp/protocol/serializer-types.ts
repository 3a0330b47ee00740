/**
 * What a WAMP serializer is: the interface the three of them (json, msgpack, cbor) implement. Apart from the
 * registry in serializer.ts so that each serializer can name it without importing the registry that imports it.
 */

export type SerializerId = 'json' | 'msgpack' | 'cbor';

/** Encoded message: text for JSON (sent as a text frame), bytes otherwise (binary frame). */
export type Frame = string | Uint8Array;

export interface Serializer {
  readonly id: SerializerId;
  /** WebSocket subprotocol, e.g. `wamp.2.json`. */
  readonly subprotocol: string;
  /** Whether frames are binary WebSocket frames. */
  readonly binary: boolean;
  encode(message: readonly unknown[]): Frame;
  /** Decodes one frame; throws `MalformedError` on anything that is not a well-formed encoding. */
  decode(frame: Frame): unknown;
}
