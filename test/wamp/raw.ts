/** A bare WebSocket WAMP peer for tests that need to send exactly the bytes they choose. */
import { SERIALIZERS, type SerializerId } from 'sealwire/wamp';
import WebSocket from 'ws';

export interface RawPeer {
  ws: WebSocket;
  messages: unknown[][];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown[]): void;
  sendRaw(data: string | Uint8Array, binary?: boolean): void;
  /** The next message (from the queue or the wire) whose type is `type`. */
  next(type?: number, timeoutMs?: number): Promise<unknown[]>;
  close(): void;
}

export async function rawPeer(url: string, serializer: SerializerId = 'json'): Promise<RawPeer> {
  const codec = SERIALIZERS[serializer];
  const ws = new WebSocket(url, [codec.subprotocol]);
  const messages: unknown[][] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data, isBinary) => {
    const frame = isBinary ? (data as Buffer) : (data as Buffer).toString('utf8');
    messages.push(codec.decode(frame) as unknown[]);
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      wake?.();
      resolve({ code, reason: reason.toString() });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    send(message) {
      const frame = codec.encode(message);
      ws.send(frame, { binary: typeof frame !== 'string' });
    },
    sendRaw(data, binary = typeof data !== 'string') {
      ws.send(data, { binary });
    },
    async next(type, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = messages.findIndex((message) => type === undefined || message[0] === type);
        if (index >= 0) return messages.splice(index, 1)[0]!;
        if (ws.readyState === WebSocket.CLOSED || Date.now() > deadline)
          throw new Error(`no message of type ${type} (have ${JSON.stringify(messages)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close() {
      ws.terminate();
    },
  };
}

export const ALL_FEATURES = {
  publisher: { features: { payload_passthru_mode: true } },
  subscriber: { features: { payload_passthru_mode: true } },
  caller: { features: { payload_passthru_mode: true, progressive_call_results: true, call_canceling: true } },
  callee: { features: { payload_passthru_mode: true, progressive_call_results: true, call_canceling: true } },
};

/** A raw peer that has joined `realm1` anonymously. */
export async function joinedPeer(
  url: string,
  serializer: SerializerId = 'json',
  roles: object = ALL_FEATURES,
): Promise<RawPeer & { sessionId: number }> {
  const peer = await rawPeer(url, serializer);
  peer.send([1, 'realm1', { roles }]);
  const welcome = await peer.next(2);
  return Object.assign(peer, { sessionId: welcome[1] as number });
}
