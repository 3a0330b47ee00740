/**
 * One connection must never take the relay down. A real relay process gets TCP resets (RST) at every stage
 * of every endpoint: before sending anything, mid request line, mid headers, right after the request, right
 * after its 101/200/400/404/405/426 answer, and after a WebSocket upgrade (mid frame, a bad frame, a frame
 * over the limit, mid WAMP handshake). After each stage the process must still be alive and answer
 * /healthz, and a WAMP session opened before the first stage must keep routing throughout. Then the 503
 * a draining relay answers to a late upgrade, reset by its client, must still let the relay exit 0.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type WampClient } from 'sealwire/wamp';
import { type RelayProcess, startRelay } from '../helpers/processes.ts';
import { deferred, within } from '../wamp/helpers.ts';
import { frame, httpRequest, Opcode, open, type RawConnection, upgradeRequest } from './raw-socket.ts';

let relay: RelayProcess;
let port: number;
let subscriber: WampClient;
let publisher: WampClient;
let wake: (() => void) | undefined;
let events = 0;

before(async () => {
  relay = await startRelay();
  port = Number(new URL(relay.http).port);
  const url = `${relay.url}/ws`;
  subscriber = await connect({ url, realm: 'realm1', reconnect: false });
  publisher = await connect({ url, realm: 'realm1', reconnect: false, serializer: 'msgpack' });
  await subscriber.subscribe('com.hostile.ping', () => {
    events++;
    wake?.();
  });
});

after(async () => {
  await subscriber?.close(500).catch(() => {});
  await publisher?.close(500).catch(() => {});
  await relay?.stop();
});

/** The relay is alive and serving HTTP; `stage` names what was just done to it. */
async function assertServing(stage: string): Promise<void> {
  assert.equal(relay.child.exitCode, null, `relay died after: ${stage}\n${relay.output().slice(-2000)}`);
  const response = await fetch(`${relay.http}/healthz`).catch((error: unknown) => error);
  assert.ok(
    response instanceof Response && response.status === 200,
    `relay not serving after: ${stage}: ${String(response)}\n${relay.output().slice(-2000)}`,
  );
}

/** The session opened before the attacks still routes an event end to end. */
async function assertSessionWorks(stage: string): Promise<void> {
  const before = events;
  const got = deferred<void>();
  wake = () => {
    if (events > before) got.resolve();
  };
  await publisher.publish('com.hostile.ping', [stage], undefined, { acknowledge: true });
  await within(got.promise, 3000, `event after ${stage}`);
}

type Step = (connection: RawConnection) => Promise<unknown>;

const write =
  (data: string | Buffer): Step =>
  (connection) =>
    connection.write(data);
const read =
  (text: string): Step =>
  (connection) =>
    connection.read(text);
/** Writes without waiting: the reset follows at once, racing the relay's answer. */
const writeNow =
  (data: string): Step =>
  async (connection) => {
    connection.socket.write(data);
  };

async function attack(stage: string, steps: Step[], expect?: RegExp): Promise<void> {
  const connection = await open(port);
  for (const step of steps) await step(connection);
  if (expect !== undefined) assert.match(connection.received(), expect, stage);
  await connection.reset();
  await assertServing(stage);
}

interface Endpoint {
  name: string;
  request: string;
  /** Status line the relay answers a complete request with. */
  status: RegExp;
  /** A WAMP upgrade (JSON), for the handshake stages. */
  wamp?: boolean;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const endpoints: Endpoint[] = [
  {
    name: '/ws (wamp.2.json)',
    request: upgradeRequest('/ws', 'wamp.2.json'),
    status: /^HTTP\/1.1 101/,
    wamp: true,
  },
  { name: '/ws without subprotocol', request: upgradeRequest('/ws'), status: /^HTTP\/1.1 400/ },
  {
    name: '/ws with an unsupported subprotocol',
    request: upgradeRequest('/ws', 'mqtt'),
    status: /^HTTP\/1.1 400/,
  },
  {
    name: '/ws with a bad Sec-WebSocket-Key',
    request: upgradeRequest('/ws', 'wamp.2.json', 'short'),
    status: /^HTTP\/1.1 400/,
  },
  { name: '/tunnel/service', request: upgradeRequest('/tunnel/service?id=svc'), status: /^HTTP\/1.1 101/ },
  { name: '/tunnel/client', request: upgradeRequest('/tunnel/client?id=svc'), status: /^HTTP\/1.1 101/ },
  {
    name: '/tunnel/accept',
    request: upgradeRequest('/tunnel/accept?id=svc&session=abc'),
    status: /^HTTP\/1.1 101/,
  },
  {
    name: '/tunnel/client with a bad id',
    request: upgradeRequest('/tunnel/client?id=B%20D'),
    status: /^HTTP\/1.1 101/,
  },
  {
    name: 'upgrade to an unknown path',
    request: upgradeRequest('/nope', undefined, KEY),
    status: /^HTTP\/1.1 404/,
  },
  { name: 'GET /healthz', request: httpRequest('GET', '/healthz'), status: /^HTTP\/1.1 200/ },
  { name: 'GET /metrics', request: httpRequest('GET', '/metrics'), status: /^HTTP\/1.1 200/ },
  { name: 'GET /ws without upgrade', request: httpRequest('GET', '/ws'), status: /^HTTP\/1.1 426/ },
  { name: 'POST /healthz', request: httpRequest('POST', '/healthz'), status: /^HTTP\/1.1 405/ },
  { name: 'GET an unknown path', request: httpRequest('GET', '/nope'), status: /^HTTP\/1.1 404/ },
];

for (const endpoint of endpoints) {
  test(`resets at every stage of ${endpoint.name} leave the relay serving`, async () => {
    const { request } = endpoint;
    const firstLine = request.indexOf('\r\n');
    await attack(`${endpoint.name}: reset before sending`, []);
    await attack(`${endpoint.name}: reset mid request line`, [write(request.slice(0, 7))]);
    await attack(`${endpoint.name}: reset mid headers`, [write(request.slice(0, firstLine + 10))]);
    await attack(`${endpoint.name}: reset right after the request`, [writeNow(request)]);
    await attack(`${endpoint.name}: reset after the request, answer unread`, [write(request)]);
    await attack(
      `${endpoint.name}: reset after the answer`,
      [write(request), read('\r\n\r\n')],
      endpoint.status,
    );
    if (endpoint.status.source.includes('101')) {
      const upgraded = [write(request), read('\r\n\r\n')];
      await attack(`${endpoint.name}: reset mid frame`, [
        ...upgraded,
        write(frame(Opcode.text, 'x'.repeat(40), { length: 100 }).subarray(0, 20)),
      ]);
      await attack(`${endpoint.name}: unmasked frame, then reset`, [
        ...upgraded,
        write(frame(Opcode.text, 'hello', { masked: false })),
      ]);
      await attack(`${endpoint.name}: reserved opcode, then reset`, [
        ...upgraded,
        write(frame(Opcode.reserved, 'hello')),
      ]);
      await attack(`${endpoint.name}: frame over the size limit, then reset`, [
        ...upgraded,
        write(frame(Opcode.binary, Buffer.alloc(8), { length: 2 ** 31 }).subarray(0, 18)),
      ]);
      await attack(`${endpoint.name}: close frame, then reset`, [...upgraded, write(frame(Opcode.close))]);
    }
    if (endpoint.wamp === true) {
      const hello = frame(Opcode.text, JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }]));
      await attack(`${endpoint.name}: reset right after HELLO`, [
        write(request),
        read('\r\n\r\n'),
        write(hello),
      ]);
      await attack(`${endpoint.name}: reset after WELCOME`, [
        write(request),
        read('\r\n\r\n'),
        write(hello),
        read('[2,'),
      ]);
      const subscribe = frame(Opcode.text, JSON.stringify([32, 1, {}, 'com.hostile.ping']));
      await attack(`${endpoint.name}: subscribed, then reset`, [
        write(request),
        read('\r\n\r\n'),
        write(hello),
        read('[2,'),
        write(subscribe),
        read('[33,'),
      ]);
    }
    await assertSessionWorks(endpoint.name);
  });
}

test('a draining relay answers a late upgrade 503; the client resets; the relay still exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-hostile-'));
  const config = join(dir, 'relay.yaml');
  await writeFile(config, 'shutdownTimeoutMs: 3000\n');
  const draining = await startRelay({ config });
  try {
    const drainingPort = Number(new URL(draining.http).port);
    // A joined session that ignores the close frame keeps the drain going (up to the close grace).
    const stubborn = await open(drainingPort);
    await stubborn.write(upgradeRequest('/ws', 'wamp.2.json'));
    await stubborn.read('\r\n\r\n');
    await stubborn.write(frame(Opcode.text, JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }])));
    await stubborn.read('[2,');
    // Requests in progress (headers not finished) are not idle connections: shutdown does not cut them.
    const request = upgradeRequest('/ws', 'wamp.2.json');
    const late = await open(drainingPort);
    await late.write(request.slice(0, -2));
    const hasty = await open(drainingPort);
    await hasty.write(request.slice(0, -2));
    draining.child.kill('SIGTERM');
    const deadline = Date.now() + 5000;
    while (!draining.output().includes('relay shutting down') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await late.write('\r\n');
    await late.read('\r\n\r\n');
    assert.match(late.received(), /^HTTP\/1.1 503/);
    // The other resets while the 503 is on its way.
    hasty.socket.write('\r\n');
    await hasty.reset();
    const exited = new Promise<number | null>((resolve) => draining.child.once('exit', resolve));
    await late.reset();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stubborn.reset();
    assert.equal(await within(exited, 15_000, 'relay exit'), 0, draining.output().slice(-2000));
  } finally {
    await draining.stop();
  }
});

test('refused upgrades are closed by the relay, not left open for the client to end', async () => {
  const fds = () => readdirSync(`/proc/${relay.child.pid}/fd`).length;
  const baseline = fds();
  const clients: RawConnection[] = [];
  for (const request of [upgradeRequest('/nope'), upgradeRequest('/ws'), upgradeRequest('/ws', 'mqtt')]) {
    for (let i = 0; i < 10; i++) {
      const client = await open(port, { halfOpen: true });
      await client.write(request);
      await client.read('\r\n\r\n');
      clients.push(client);
    }
  }
  try {
    // The clients never close; each refused socket must still be gone from the relay.
    const deadline = Date.now() + 3000;
    while (fds() > baseline + 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(fds() <= baseline + 3, `relay holds ${fds() - baseline} more descriptors than before`);
  } finally {
    for (const client of clients) await client.reset();
  }
  await assertServing('refused upgrades left open by their clients');
});
