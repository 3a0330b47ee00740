/**
 * A hostile router for client tests: a real WebSocket server on 127.0.0.1 that speaks just enough WAMP
 * (WELCOME, SUBSCRIBED, REGISTERED, PUBLISHED, GOODBYE) for a client to join, subscribe and register, and
 * then sends whatever the test forges: events under other topics, invocations for other procedures,
 * frames with IDs a real router would never produce.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Encoder } from 'cbor-x';
import { Packr } from 'msgpackr';
import { SERIALIZERS, type Serializer, type SerializerId } from 'sealwire/wamp';
import { type WebSocket, WebSocketServer } from 'ws';

export interface HostileRouter {
  url: string;
  /** Every message the client sent, decoded, in order. */
  received: unknown[][];
  /** The subscription / registration id handed out for a topic / procedure (as the client named it). */
  subscriptionId(topic: string): number;
  registrationId(procedure: string): number;
  /** Sends a message (encoded with the client's serializer) to the connected client. */
  send(message: unknown[]): void;
  /** Sends exact bytes (or text) to the connected client. */
  sendRaw(frame: string | Uint8Array): void;
  /** The next message of `type` the client sends (waits up to `timeoutMs`). */
  next(type: number, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Instead of the usual WELCOME: this frame (text or bytes) answers HELLO. */
  welcomeFrame?: (serializer: SerializerId) => string | Uint8Array;
}

const WELCOME_DETAILS = {
  roles: {
    broker: { features: { pattern_based_subscription: true, payload_passthru_mode: true } },
    dealer: { features: { pattern_based_registration: true, payload_passthru_mode: true } },
  },
  authid: 'victim',
  authrole: 'anonymous',
  authmethod: 'anonymous',
};

export async function startHostileRouter(options: HostileOptions = {}): Promise<HostileRouter> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith('wamp.2.')) ?? false,
  });
  const received: unknown[][] = [];
  const subscriptions = new Map<string, number>();
  const registrations = new Map<string, number>();
  let nextId = 1000;
  let socket: WebSocket | undefined;
  let codec: Serializer = SERIALIZERS.json;
  let wake: (() => void) | undefined;

  const send = (message: unknown[]) => {
    const frame = codec.encode(message);
    socket?.send(frame, { binary: typeof frame !== 'string' });
  };

  wss.on('connection', (ws) => {
    socket = ws;
    codec = Object.values(SERIALIZERS).find((s) => s.subprotocol === ws.protocol) ?? SERIALIZERS.json;
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString('utf8');
      const message = codec.decode(frame) as unknown[];
      received.push(message);
      wake?.();
      const [type, request] = message;
      if (type === 1) {
        if (options.welcomeFrame !== undefined) {
          const raw = options.welcomeFrame(codec.id);
          ws.send(raw, { binary: typeof raw !== 'string' });
        } else send([2, 4242, WELCOME_DETAILS]);
      } else if (type === 32) {
        const id = nextId++;
        subscriptions.set(message[3] as string, id);
        send([33, request, id]);
      } else if (type === 64) {
        const id = nextId++;
        registrations.set(message[3] as string, id);
        send([65, request, id]);
      } else if (type === 16 && (message[2] as { acknowledge?: boolean }).acknowledge) {
        send([17, request, nextId++]);
      } else if (type === 6) {
        send([6, {}, 'wamp.close.goodbye_and_out']);
        ws.close(1000);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}/ws`,
    received,
    subscriptionId(topic) {
      const id = subscriptions.get(topic);
      if (id === undefined) throw new Error(`no subscription to ${topic}`);
      return id;
    },
    registrationId(procedure) {
      const id = registrations.get(procedure);
      if (id === undefined) throw new Error(`no registration of ${procedure}`);
      return id;
    },
    send,
    sendRaw(frame) {
      socket?.send(frame, { binary: typeof frame !== 'string' });
    },
    async next(type, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = received.findIndex((message) => message[0] === type);
        if (index >= 0) return received.splice(index, 1)[0]!;
        if (Date.now() > deadline)
          throw new Error(`the client sent no message of type ${type} (got ${JSON.stringify(received)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const msgpack = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, pack: false });

/**
 * A frame for `message` where BigInt values are written as the exact integers they are (uint64/int64 in
 * msgpack and CBOR, digits in JSON): what a peer with 64-bit integers can put on the wire.
 */
export function frameWithBigInts(serializer: SerializerId, message: unknown[]): string | Uint8Array {
  if (serializer === 'msgpack') return msgpack.pack(message);
  if (serializer === 'cbor') return cbor.encode(message);
  const marks: string[] = [];
  const text = JSON.stringify(message, (_key, value) => {
    if (typeof value !== 'bigint') return value;
    marks.push(value.toString());
    return `@@big${marks.length - 1}@@`;
  });
  return text.replace(/"@@big(\d+)@@"/g, (_all, index: string) => marks[Number(index)]!);
}
