/**
 * WAMP router throughput and latency against a bare `ws` server doing no WAMP (the limit of the
 * transport), both on loopback in this process, measured in alternating rounds.
 *
 * - fan-out 1->N: a publisher sends 1 KiB payloads that N subscribers receive. Sealwire: the publisher
 *   encrypts every event with cryptobox (Autobahn's KeyRing) and the router routes it to N WAMP sessions;
 *   baseline: a ws server re-broadcasts each raw 1 KiB frame to N sockets, and (second comparison) each
 *   frame of the same size as the cryptobox ciphertext. Subscribers on both sides count frames without
 *   decoding them (in a deployment each decrypts on its own machine; here they would all share this
 *   process's CPU with the router).
 * - RPC with 1 and 64 calls in flight: Sealwire caller -> router -> Sealwire callee and back (plain and
 *   cryptobox); baseline: a ws echo server answering each request frame.
 * - publish with 100k pattern subscriptions: acknowledged publishes/s with 100 sessions x 1,000
 *   non-matching wildcard (then prefix) subscriptions against the same router with none; the ratio is
 *   what the patterns cost every publish (target >= 0.5).
 * p50/p99 latency (one event or call at a time) goes to the log and into the JSON result as `latency`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { CryptoboxKeyring, connect, SERIALIZERS, type WampClient } from '../../src/wamp/index.ts';
import { createWampEndpoint, Router } from '../../src/wamp/router/index.ts';
import type { Context, Result, Suite } from '../harness.ts';

const KiB = 1024;
const BATCH = 50;

interface Side {
  name: string;
  /** Runs one unit of work; resolves with the number of operations (events or calls) it completed. */
  run(): Promise<number>;
  /** One operation alone, for latency. */
  once(): Promise<void>;
  close(): Promise<void>;
}

interface Listening {
  url: string;
  close(): Promise<void>;
}

/**
 * Baselines coalesce writes per tick exactly as the router does (cork on first send, uncork next tick),
 * so the comparison measures WAMP's cost, not a syscall-batching trick only one side plays.
 */
function corkedSender(ws: WebSocket): (data: Buffer | Uint8Array) => void {
  const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (data) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    ws.send(data, { binary: true });
  };
}

async function listen(server: Server, path: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

async function startRouter(): Promise<Listening> {
  const router = new Router({ limits: { maxSendQueueBytes: 256 * 1024 * 1024 } });
  const endpoint = createWampEndpoint(router, { pingIntervalMs: 0 });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
  const url = await listen(server, '/ws');
  return {
    url,
    async close() {
      await endpoint.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A counter that resolves a promise when it reaches a target. */
class Counter {
  count = 0;
  #target = Number.POSITIVE_INFINITY;
  #resolve: (() => void) | undefined;
  add(): void {
    if (++this.count >= this.#target && this.#resolve) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve();
    }
  }
  until(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    this.#target = target;
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
}

async function openSocket(url: string, protocols: string[] = []): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

async function bareFanOut(subscribers: number, payload: Uint8Array): Promise<Side> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const listeners: Array<(data: Buffer) => void> = [];
  wss.on('connection', (ws, request) => {
    if (request.url === '/pub') {
      ws.on('message', (data: RawData) => {
        for (const send of listeners) send(data as Buffer);
      });
    } else listeners.push(corkedSender(ws));
  });
  const url = await listen(server, '');
  const counter = new Counter();
  const clients = await Promise.all(Array.from({ length: subscribers }, () => openSocket(`${url}/sub`)));
  for (const client of clients) client.on('message', () => counter.add());
  await new Promise((resolve) => setTimeout(resolve, 20));
  const publisher = await openSocket(`${url}/pub`);
  const publish = corkedSender(publisher);
  return {
    name: `bare ws broadcast 1->${subscribers}`,
    async run() {
      const target = counter.count + BATCH * subscribers;
      for (let i = 0; i < BATCH; i++) publish(payload);
      await counter.until(target);
      return BATCH;
    },
    async once() {
      const target = counter.count + subscribers;
      publish(payload);
      await counter.until(target);
    },
    async close() {
      for (const client of [...clients, publisher]) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WAMP session that joins and subscribes with raw frames and then only counts EVENT frames. */
async function countingSubscriber(url: string, topic: string, counter: Counter): Promise<WebSocket> {
  const codec = SERIALIZERS.msgpack;
  const ws = await openSocket(url, [codec.subprotocol]);
  const joined = new Promise<void>((resolve) => {
    let step = 0;
    ws.on('message', (data: RawData) => {
      if (step === 2) {
        counter.add();
        return;
      }
      const message = codec.decode(data as Buffer) as unknown[];
      if (message[0] === 2) {
        step = 1;
        ws.send(codec.encode([32, 1, {}, topic]) as Uint8Array);
      } else if (message[0] === 33) {
        step = 2;
        resolve();
      }
    });
  });
  ws.send(codec.encode([1, 'realm1', { roles: { subscriber: {} } }]) as Uint8Array);
  await joined;
  return ws;
}

/**
 * `preEncrypted`: the publisher sends PUBLISH frames whose cryptobox payloads were made beforehand (as the
 * baseline publisher sends ready frames): the router's fan-out alone. Otherwise the Sealwire client
 * encrypts every event as it publishes (the publisher's cost included).
 */
async function wampFanOut(subscribers: number, payload: Uint8Array, preEncrypted: boolean): Promise<Side> {
  const router = await startRouter();
  const counter = new Counter();
  const topic = 'com.bench.fanout';
  const sockets = await Promise.all(
    Array.from({ length: subscribers }, () => countingSubscriber(router.url, topic, counter)),
  );
  const ring = new CryptoboxKeyring().setKey('com.bench', CryptoboxKeyring.generateKey().privateKey);
  const publisher = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: false,
    payloadCodec: ring,
  });
  let publishOne: () => Promise<unknown>;
  let raw: WebSocket | undefined;
  if (preEncrypted) {
    const codec = SERIALIZERS.msgpack;
    raw = await openSocket(router.url, [codec.subprotocol]);
    const socket = raw;
    await new Promise<void>((resolve) => {
      socket.once('message', () => resolve());
      socket.send(codec.encode([1, 'realm1', { roles: { publisher: {} } }]) as Uint8Array);
    });
    const frames = Array.from({ length: BATCH }, (_, i) => {
      const encoded = ring.encode({ kind: 'publish', uri: topic, args: [payload], kwargs: undefined })!;
      return codec.encode([16, i + 1, encoded.options, topic, ...encoded.elements]) as Uint8Array;
    });
    const send = corkedSender(socket);
    let next = 0;
    publishOne = async () => {
      send(frames[next]!);
      next = (next + 1) % frames.length;
    };
  } else {
    publishOne = () => publisher.publish(topic, [payload]);
  }
  return {
    name: `sealwire router 1->${subscribers}${preEncrypted ? '' : ' + cryptobox per event'}`,
    async run() {
      const target = counter.count + BATCH * subscribers;
      for (let i = 0; i < BATCH; i++) await publishOne();
      await counter.until(target);
      return BATCH;
    },
    async once() {
      const target = counter.count + subscribers;
      await publishOne();
      await counter.until(target);
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      raw?.terminate();
      await publisher.close(500);
      await router.close();
    },
  };
}

/** Two hops like a routed call (caller -> relay -> callee -> relay -> caller), raw frames, no WAMP. */
async function bareRelay(inFlight: number, payload: Uint8Array): Promise<Side> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  let toCallee: ((data: Buffer) => void) | undefined;
  let toCaller: ((data: Buffer) => void) | undefined;
  wss.on('connection', (ws, request) => {
    const send = corkedSender(ws);
    if (request.url === '/callee') {
      toCallee = send;
      ws.on('message', (data: RawData) => toCaller?.(data as Buffer));
    } else {
      toCaller = send;
      ws.on('message', (data: RawData) => toCallee?.(data as Buffer));
    }
  });
  const url = await listen(server, '');
  const callee = await openSocket(`${url}/callee`);
  const answer = corkedSender(callee);
  callee.on('message', (data: RawData) => answer(data as Buffer));
  const caller = await openSocket(`${url}/caller`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const ask = corkedSender(caller);
  const counter = new Counter();
  caller.on('message', () => counter.add());
  const round = async (count: number) => {
    const target = counter.count + count;
    for (let i = 0; i < count; i++) ask(payload);
    await counter.until(target);
    return count;
  };
  return {
    name: `bare ws relay (2 hops), ${inFlight} in flight`,
    run: () => round(inFlight),
    async once() {
      await round(1);
    },
    async close() {
      caller.terminate();
      callee.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function bareEcho(inFlight: number, payload: Uint8Array): Promise<Side> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    const send = corkedSender(ws);
    ws.on('message', (data: RawData) => send(data as Buffer));
  });
  const url = await listen(server, '');
  const client = await openSocket(url);
  const ask = corkedSender(client);
  let waiting: (() => void) | undefined;
  client.on('message', () => waiting?.());
  const request = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      ask(payload);
    });
  const counter = new Counter();
  client.on('message', () => counter.add());
  return {
    name: `bare ws echo, ${inFlight} in flight`,
    async run() {
      if (inFlight === 1) {
        await request();
        return 1;
      }
      const target = counter.count + inFlight;
      for (let i = 0; i < inFlight; i++) ask(payload);
      await counter.until(target);
      return inFlight;
    },
    once: request,
    async close() {
      client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function wampRpc(inFlight: number, payload: Uint8Array, encrypted: boolean): Promise<Side> {
  const router = await startRouter();
  const key = CryptoboxKeyring.generateKey();
  const codec = () =>
    encrypted ? { payloadCodec: new CryptoboxKeyring().setKey('com.bench', key.privateKey) } : {};
  const callee: WampClient = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: false,
    ...codec(),
  });
  await callee.register('com.bench.echo', ({ args }) => args[0]);
  const caller: WampClient = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: false,
    ...codec(),
  });
  const call = () => caller.call('com.bench.echo', [payload]);
  return {
    name: `sealwire call${encrypted ? ' (cryptobox)' : ''}, ${inFlight} in flight`,
    async run() {
      if (inFlight === 1) {
        await call();
        return 1;
      }
      await Promise.all(Array.from({ length: inFlight }, call));
      return inFlight;
    },
    async once() {
      await call();
    },
    async close() {
      await caller.close(500);
      await callee.close(500);
      await router.close();
    },
  };
}

type PatternMatch = 'prefix' | 'wildcard';
const PATTERN_SESSIONS = 100;
/** The default `maxSubscriptionsPerSession`: 100 x 1,000 = 100,000 patterns inside the default limits. */
const PATTERNS_PER_SESSION = 1000;
const PUBLISH_TOPIC = 'com.bench.publish.update';

/**
 * Patterns that share the publish topic's first components (so an index has to look past them) and
 * never match it: wildcards of the same length with an empty component, prefixes that part mid-word.
 */
function benchPattern(match: PatternMatch, session: number, index: number): string {
  return match === 'wildcard' ? `com.bench..s${session}p${index}` : `com.bench.pub${session}.${index}`;
}

/** One raw WAMP session that joins and makes `PATTERNS_PER_SESSION` pattern subscriptions. */
async function patternSubscriber(url: string, match: PatternMatch, session: number): Promise<WebSocket> {
  const codec = SERIALIZERS.msgpack;
  const ws = await openSocket(url, [codec.subprotocol]);
  await new Promise<void>((resolve, reject) => {
    let subscribed = 0;
    ws.on('message', (data: RawData) => {
      const message = codec.decode(data as Buffer) as unknown[];
      if (message[0] === 2) {
        for (let i = 0; i < PATTERNS_PER_SESSION; i++)
          ws.send(codec.encode([32, i + 1, { match }, benchPattern(match, session, i)]) as Uint8Array);
      } else if (message[0] === 33) {
        if (++subscribed === PATTERNS_PER_SESSION) resolve();
      } else reject(new Error(`pattern subscriber got ${JSON.stringify(message)}`));
    });
    ws.send(codec.encode([1, 'realm1', { roles: { subscriber: {} } }]) as Uint8Array);
  });
  return ws;
}

/**
 * Acknowledged publishes (`BATCH` in flight) to a topic nobody subscribed to, with no pattern
 * subscriptions or with 100,000 that do not match it (issue 9: a linear scan over them made every
 * publish pay for all of them).
 */
async function wampPublish(match: PatternMatch | undefined): Promise<Side> {
  const router = await startRouter();
  const sockets: WebSocket[] = [];
  if (match !== undefined)
    for (let session = 0; session < PATTERN_SESSIONS; session += 10)
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, offset) => patternSubscriber(router.url, match, session + offset)),
        )),
      );
  const publisher = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'msgpack',
    reconnect: false,
  });
  const args = [new Uint8Array(64).fill(7)];
  const publishOne = () => publisher.publish(PUBLISH_TOPIC, args, undefined, { acknowledge: true });
  return {
    name:
      match === undefined
        ? 'sealwire router, no pattern subscriptions'
        : `sealwire router, ${PATTERN_SESSIONS * PATTERNS_PER_SESSION} ${match} subscriptions`,
    async run() {
      await Promise.all(Array.from({ length: BATCH }, publishOne));
      return BATCH;
    },
    async once() {
      await publishOne();
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      await publisher.close(500);
      await router.close();
    },
  };
}

async function rate(side: Side, minTimeMs: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    ops += await side.run();
    elapsed = performance.now() - start;
  } while (elapsed < minTimeMs);
  return (ops * 1000) / elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function latency(side: Side, samples: number): Promise<{ p50Us: number; p99Us: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await side.once();
    times.push((performance.now() - start) * 1000);
  }
  times.sort((a, b) => a - b);
  return {
    p50Us: Math.round(times[Math.floor(samples * 0.5)]!),
    p99Us: Math.round(times[Math.floor(samples * 0.99)]!),
  };
}

const round3 = (value: number) => Number(value.toPrecision(4));

/** Alternating rounds like harness.compare, with ops counted by the sides (events or calls per unit of work). */
async function compareSides(
  ctx: Context,
  name: string,
  makeBaseline: () => Promise<Side>,
  makeSealwire: () => Promise<Side>,
  target: number | undefined,
): Promise<void> {
  if (!ctx.wants(name)) return;
  const baseline = await makeBaseline();
  const sealwire = await makeSealwire();
  try {
    await baseline.run();
    await sealwire.run();
    const base: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < ctx.rounds; round++) {
      if (round % 2 === 0) {
        base.push(await rate(baseline, ctx.minTimeMs));
        ours.push(await rate(sealwire, ctx.minTimeMs));
      } else {
        ours.push(await rate(sealwire, ctx.minTimeMs));
        base.push(await rate(baseline, ctx.minTimeMs));
      }
    }
    const samples = ctx.rounds >= 5 ? 1000 : 300;
    const baseLatency = await latency(baseline, samples);
    const ourLatency = await latency(sealwire, samples);
    const value = median(ours);
    const baselineValue = median(base);
    const result: Result & { latency: Record<string, number> } = {
      name,
      value: round3(value),
      unit: 'ops/s',
      baseline: { name: baseline.name, value: round3(baselineValue) },
      ratio: round3(value / baselineValue),
      latency: {
        p50Us: ourLatency.p50Us,
        p99Us: ourLatency.p99Us,
        baselineP50Us: baseLatency.p50Us,
        baselineP99Us: baseLatency.p99Us,
      },
    };
    if (target !== undefined) result.target = target;
    ctx.report(result);
    ctx.log(
      `${name}: latency p50 ${ourLatency.p50Us} us, p99 ${ourLatency.p99Us} us (baseline p50 ${baseLatency.p50Us} us, p99 ${baseLatency.p99Us} us)`,
    );
  } finally {
    await baseline.close();
    await sealwire.close();
  }
}

export const wampSuite: Suite = {
  name: 'wamp',
  async run(ctx) {
    const payload = new Uint8Array(KiB).fill(0x5a);
    // The cryptobox ciphertext of 1 KiB is about 1.45 KiB (Autobahn's format carries binary arguments as
    // base64 inside a JSON plaintext). The first baseline broadcasts 1 KiB frames, so it also charges the
    // router for moving 40% more bytes than the baseline does; the second broadcasts the ciphertext itself,
    // so the ratio is the router's own cost. Both are reported.
    const ciphertext = new CryptoboxKeyring()
      .setKey('com.bench', CryptoboxKeyring.generateKey().privateKey)
      .encode({ kind: 'publish', uri: 'com.bench.fanout', args: [payload], kwargs: undefined })!
      .elements[0] as Uint8Array;
    for (const subscribers of [1, 10, 100]) {
      await compareSides(
        ctx,
        `wamp fan-out 1->${subscribers} 1 KiB encrypted events/s`,
        () => bareFanOut(subscribers, payload),
        () => wampFanOut(subscribers, payload, true),
        0.7,
      );
      await compareSides(
        ctx,
        `wamp fan-out 1->${subscribers} encrypted vs bare broadcast of the same ciphertext events/s`,
        () => bareFanOut(subscribers, ciphertext),
        () => wampFanOut(subscribers, payload, true),
        0.7,
      );
      await compareSides(
        ctx,
        `wamp fan-out 1->${subscribers} 1 KiB with per-event cryptobox events/s`,
        () => bareFanOut(subscribers, payload),
        () => wampFanOut(subscribers, payload, false),
        undefined,
      );
    }
    const small = new Uint8Array(64).fill(1);
    for (const inFlight of [1, 64]) {
      await compareSides(
        ctx,
        `wamp rpc ${inFlight} in flight calls/s`,
        () => bareEcho(inFlight, small),
        () => wampRpc(inFlight, small, false),
        0.6,
      );
      await compareSides(
        ctx,
        `wamp rpc ${inFlight} in flight vs 2-hop relay calls/s`,
        () => bareRelay(inFlight, small),
        () => wampRpc(inFlight, small, false),
        undefined,
      );
      await compareSides(
        ctx,
        `wamp rpc ${inFlight} in flight cryptobox calls/s`,
        () => bareEcho(inFlight, small),
        () => wampRpc(inFlight, small, true),
        undefined,
      );
    }
    // Ratio: publishes/s with 100,000 non-matching pattern subscriptions over publishes/s with none.
    for (const match of ['wildcard', 'prefix'] as const) {
      await compareSides(
        ctx,
        `wamp publish 100k ${match} subs vs none acks/s`,
        () => wampPublish(undefined),
        () => wampPublish(match),
        0.5,
      );
    }
  },
};
