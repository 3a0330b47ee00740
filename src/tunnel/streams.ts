/** Stream helpers shared by the tunnel's client and service. */
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Largest WebSocket message a tunnel endpoint sends; the relay accepts up to 4 MiB. */
export const MAX_FRAME = 256 * 1024;

/**
 * A byte stream over a WebSocket, like `ws`'s `createWebSocketStream` with `allowHalfOpen: false` (a close on
 * one side ends the other at once), but splitting large writes into messages of at most 256 KiB: HTTP/2 over
 * TLS hands over writes as large as its flow-control window (16 MiB here), and a relay must not have to hold a
 * message that size per session before it can forward a byte.
 */
export function webSocketStream(ws: WebSocket): Duplex {
  const duplex = createWebSocketStream(ws, { allowHalfOpen: false });
  const write = duplex._write.bind(duplex);
  duplex._write = (chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void) => {
    if (chunk.length <= MAX_FRAME) {
      write(chunk, encoding, callback);
      return;
    }
    let offset = 0;
    const next = (error?: Error | null) => {
      if (error || offset >= chunk.length) {
        callback(error);
        return;
      }
      const piece = chunk.subarray(offset, offset + MAX_FRAME);
      offset += piece.length;
      write(piece, encoding, next);
    };
    next();
  };
  return duplex;
}
