/**
 * Serves a Router over WebSocket (`ws`), as an upgrade handler a host HTTP server routes to by path, so
 * other endpoints (the tunnel relay) can share the same server and port. Node only.
 */
import type { IncomingMessage } from 'node:http';
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

  wss.on('connection', (ws: WebSocket, _request: IncomingMessage, socket: Duplex) => {
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
    ws.on('error', () => ws.terminate());
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
        const supported = SUBPROTOCOLS.join(', ');
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nWAMP needs a Sec-WebSocket-Protocol of ${supported}\n`,
        );
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
