/**
 * Scripted raw TCP clients for tests that misbehave on purpose: they write exactly the bytes they choose
 * (half a request line, a WebSocket frame cut in two, an unmasked frame) and end with a TCP reset (RST,
 * `resetAndDestroy`) rather than a polite FIN, at the moment the test picks.
 */

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text (status lines and JSON frames stay readable). */
  received(): string;
  write(data: string | Buffer): Promise<void>;
  /** Waits until the received bytes contain `text`, or the relay closed the connection. */
  read(text: string, timeoutMs?: number): Promise<string>;
  /** Ends with RST and waits until the socket is closed. */
  reset(): Promise<void>;
}

/** Time for the relay to read and act on what was just written, before the next step (or the RST). */
export const SETTLE_MS = 25;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `halfOpen`: answer the relay's FIN with nothing (a client that never closes its side). */
export async function open(port: number, options: { halfOpen?: boolean } = {}): Promise<RawConnection> {
  const host = '127.0.0.1';
  const socket = connect({ port, host, allowHalfOpen: options.halfOpen ?? false });
  // The relay's own resets and our resetAndDestroy are the point of these tests, not failures.
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no TCP connection to ${host}:${port}`)), 3000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection to ${host}:${port} refused or closed`));
    });
  });
  return {
    socket,
    received: () => text,
    async write(data) {
      if (!socket.destroyed) socket.write(data);
      await pause(SETTLE_MS);
    },
    async read(wanted, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(wanted) && !socket.destroyed && socket.readable) {
        if (Date.now() > deadline) throw new Error(`did not receive ${JSON.stringify(wanted)}: ${text}`);
        await pause(2);
      }
      return text;
    },
    async reset() {
      if (!socket.destroyed) socket.resetAndDestroy();
      await closed;
    },
  };
}

/** A WebSocket upgrade request (RFC 6455 §4.1), optionally offering `protocol`. */
export function upgradeRequest(path: string, protocol?: string, key = randomBytes(16).toString('base64')) {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...(protocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
    '',
    '',
  ].join('\r\n');
}

export function httpRequest(method: string, path: string): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
}

export const Opcode = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, reserved: 0x3 } as const;

/**
 * One WebSocket frame as a client sends it (masked unless told otherwise). `length` lets a test announce a
 * different payload length than it sends: a frame cut in the middle, or one over the relay's limit.
 */
export function frame(
  opcode: number,
  payload: string | Buffer = Buffer.alloc(0),
  options: { masked?: boolean; length?: number } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const masked = options.masked ?? true;
  const length = options.length ?? body.length;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (length < 126) header = Buffer.from([0x80 | opcode, maskBit | length]);
  else if (length < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(length, 2);
    header[1] = maskBit | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(length), 2);
    header[1] = maskBit | 127;
  }
  header[0] = 0x80 | opcode;
  if (!masked) return Buffer.concat([header, body]);
  const mask = randomBytes(4);
  const out = Buffer.from(body);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, out]);
}
