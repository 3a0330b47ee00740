/**
 * Serves a Router over WebSocket (`ws`), as an upgrade handler a host HTTP server routes to by path, so
 * other endpoints (the tunnel relay) can share the same server and port. Node only.
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { type Serializer, SUBPROTOCOLS, serializerForSubprotocol } from '../protocol/serializer.ts';
import type { Router } from './router.ts';
import type { RouterSession } from './session.ts';

export interface WampEndpointOptions {
  /** Interval of WebSocket pings that find dead peers; 0 disables. Default 30 s. */
  pingIntervalMs?: number;
  /** After a close frame, how long to wait for the peer before dropping the socket. Default 2 s. */
  closeGraceMs?: number;
}

export interface WampEndpoint {
  /** Hand an HTTP upgrade request for this endpoint's path to the router. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open WebSocket connections. */
  readonly connections: number;
  /** GOODBYE every session and wait (up to `timeoutMs`) for the connections to close. */
  close(timeoutMs?: number): Promise<void>;
}

/** The client's first listed WAMP subprotocol that we support (the client states its preference). */
export function chooseSubprotocol(offered: Iterable<string>): Serializer | undefined {
  for (const protocol of offered) {
    const serializer = serializerForSubprotocol(protocol.trim());
    if (serializer !== undefined) return serializer;
  }
  return undefined;
}

/**
 * Answers an upgrade request with an HTTP error and closes the connection. After an upgrade the socket is
 * the handler's alone: Node's HTTP server no longer listens for its errors, so a client that resets it
 * right after the answer (`read ECONNRESET`) would otherwise be an uncaught exception that ends the
 * process. The socket is destroyed once the answer is written: a client that never closes its side must
 * not hold it open.
 */
export function refuseUpgrade(socket: Duplex, status: number, body = ''): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;

function toFrame(data: RawData, isBinary: boolean): string | Uint8Array {
  const buffer = Array.isArray(data)
    ? Buffer.concat(data)
    : data instanceof ArrayBuffer
      ? Buffer.from(data)
      : data;
  return isBinary ? buffer : buffer.toString('utf8');
}

/** The client's address for the router's logs (never a forwarded header: anyone can write one). */
function remoteOf(request: IncomingMessage): { remote?: { address: string; port: number } } {
  const { remoteAddress, remotePort } = request.socket;
  return remoteAddress === undefined || remotePort === undefined
    ? {}
    : { remote: { address: remoteAddress, port: remotePort } };
}

export function createWampEndpoint(router: Router, options: WampEndpointOptions = {}): WampEndpoint {
  const closeGraceMs = options.closeGraceMs ?? 2000;
  // ws enforces a hard ceiling; between maxMessageBytes and the ceiling the session answers with an ABORT
  // that says what the limit is, which a bare 1009 close would not.
  const hardLimit = Math.max(router.limits.maxMessageBytes * 2, router.limits.maxMessageBytes + 65536);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: hardLimit,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (protocols) => chooseSubprotocol(protocols)?.subprotocol ?? false,
  });
  const alive = new WeakSet<WebSocket>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage, socket: Duplex) => {
    // A peer's protocol error (unmasked or oversized frame, bad opcode) is an 'error' event on the WebSocket;
    // ws has already failed the connection. Unheard, it would end the process.
    ws.on('error', () => ws.terminate());
    const serializer = serializerForSubprotocol(ws.protocol);
    if (serializer === undefined) {
      ws.close(1002, 'no supported WAMP subprotocol');
      return;
    }
    let session: RouterSession | undefined;
    // Frames sent in one tick (a fan-out burst, pipelined calls) leave in one writev instead of one
    // syscall each: the socket is corked at the first send and uncorked on the next tick.
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    session = router.attach(
      {
        send: (frame) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          if (!corked) {
            corked = true;
            socket.cork();
            process.nextTick(uncork);
          }
          ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
        },
        bufferedAmount: () => ws.bufferedAmount,
        close: (code, reason) => {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)
            ws.close(code, reason);
          setTimeout(() => ws.terminate(), closeGraceMs).unref();
        },
        ...remoteOf(request),
      },
      serializer,
    );
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('message', (data, isBinary) => session?.receive(toFrame(data, isBinary)));
    ws.on('close', () => {
      if (session !== undefined) router.detach(session);
      session = undefined;
    });
  });

  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const pinger =
    pingIntervalMs > 0
      ? setInterval(() => {
          for (const ws of wss.clients) {
            if (!alive.has(ws)) {
              ws.terminate();
              continue;
            }
            alive.delete(ws);
            ws.ping();
          }
        }, pingIntervalMs)
      : undefined;
  pinger?.unref();

  return {
    handleUpgrade(request, socket, head) {
      const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',');
      if (chooseSubprotocol(offered) === undefined) {
        refuseUpgrade(socket, 400, `WAMP needs a Sec-WebSocket-Protocol of ${SUBPROTOCOLS.join(', ')}\n`);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, socket));
    },
    get connections() {
      return wss.clients.size;
    },
    async close(timeoutMs = 5000) {
      clearInterval(pinger);
      router.shutdown();
      const deadline = Date.now() + timeoutMs;
      while (wss.clients.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
