/**
 * Clients and services that misbehave on purpose. Idle clients that open `/tunnel/client?id=svc` and never
 * speak TLS cannot lock a service out: a session must carry its first bytes both ways within a deadline, and
 * one address may hold only a few such unestablished sessions per service (floods come from 127.0.0.2; the
 * legitimate caller from 127.0.0.1: loopback answers for all of 127/8). And the refusal counters are keyed
 * by a closed set of reason codes, never by text an attacker chose.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  connectTunnel,
  initServiceDir,
  REFUSAL_REASONS,
  rpcServerFor,
  ServiceConnector,
  TunnelForwarder,
  type TunnelForwarderOptions,
} from 'sealwire/tunnel';
import { WebSocket } from 'ws';
import { sealwire } from '../helpers/cli.ts';
import { startRelay, startServiceProcess } from '../helpers/processes.ts';
import { sleep } from './support.ts';

const base = mkdtempSync(join(tmpdir(), 'sealwire-abuse-'));
const PASSWORD = 'abuse admin password';

async function hostRelay(options: TunnelForwarderOptions = {}) {
  const relay = new TunnelForwarder(options);
  const http = createServer();
  http.on('upgrade', (req, socket, head) => {
    if (!relay.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
  return {
    relay,
    url,
    stop: async () => {
      await relay.close();
      http.close();
    },
  };
}

async function startInProcessService(id: string, url: string) {
  const opened = await initServiceDir(join(base, id), { serviceId: id, adminPassword: PASSWORD });
  const server = rpcServerFor(opened);
  const connector = new ServiceConnector({
    relay: url,
    serviceId: id,
    identityKey: opened.identityKey,
    server,
    reconnect: false,
  });
  await connector.start();
  return {
    fingerprint: opened.fingerprint,
    stop: () => {
      connector.stop();
      server.close();
    },
  };
}

interface Idle {
  ws: WebSocket;
  opened: Promise<boolean>;
  closed: Promise<{ code: number; reason: string; at: number }>;
}

/** A client that connects to the tunnel and then says nothing (or only `bytes`). */
function idleClient(url: string, id: string, localAddress: string, bytes?: Buffer): Idle {
  const ws = new WebSocket(`${url}/tunnel/client?id=${id}`, { localAddress, perMessageDeflate: false });
  ws.on('error', () => {});
  const opened = new Promise<boolean>((resolve) => {
    ws.once('open', () => {
      if (bytes !== undefined) ws.send(bytes);
      resolve(true);
    });
    ws.once('close', () => resolve(false));
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  return { ws, opened, closed };
}

/**
 * `count` idle clients from `localAddress`, paced in groups of 8 so that each group is paired with the service
 * before the next arrives (a burst would only trip the pending-handshake limit; an attacker paces).
 */
async function flood(url: string, id: string, localAddress: string, count: number): Promise<Idle[]> {
  const clients: Idle[] = [];
  for (let i = 0; i < count; i += 8) {
    const group = Array.from({ length: Math.min(8, count - i) }, () => idleClient(url, id, localAddress));
    clients.push(...group);
    await Promise.all(group.map((client) => client.opened));
    await sleep(100);
  }
  return clients;
}

test('64 idle clients from one address: most are refused at once, the rest cut at the first-bytes deadline; a pinned call goes through', {
  timeout: 60_000,
}, async () => {
  const host = await hostRelay({ firstBytesTimeoutMs: 3000, maxUnestablishedPerAddress: 4 });
  const service = await startInProcessService('flood-1', host.url);
  const idle: Idle[] = [];
  try {
    const started = Date.now();
    idle.push(...(await flood(host.url, 'flood-1', '127.0.0.2', 64)));
    // While the flood holds what it can, a legitimate pinned call succeeds at once.
    const client = await connectTunnel('flood-1', { relay: host.url, fingerprint: service.fingerprint });
    assert.equal((await client.call('ping', 'through')).value, 'through');
    const ends = await Promise.all(idle.map((client) => client.closed));
    const refused = ends.filter((end) => end.code === 4429);
    const cut = ends.filter((end) => end.code === 4408);
    assert.equal(refused.length, 60, JSON.stringify(ends.slice(0, 5)));
    assert.match(refused[0]!.reason, /too many unestablished sessions from this address/);
    assert.equal(cut.length, 4);
    assert.match(cut[0]!.reason, /no TLS bytes in time/);
    for (const end of cut)
      assert.ok(end.at - started >= 2900 && end.at - started < 8000, `${end.at - started}`);
    // The established session is untouched by the deadline.
    assert.equal((await client.call('ping', 'still')).value, 'still');
    const stats = host.relay.stats();
    assert.equal(stats.sessions, 1);
    assert.equal(stats.rejected.address_limit, 60);
    assert.equal(stats.rejected.first_bytes_timeout, 4);
    client.close();
  } finally {
    for (const client of idle) client.ws.terminate();
    service.stop();
    await host.stop();
  }
});

test('idle and one-byte clients from many addresses fill the session limit only until the deadline', {
  timeout: 60_000,
}, async () => {
  const host = await hostRelay({ firstBytesTimeoutMs: 700, maxSessionsPerService: 8 });
  const service = await startInProcessService('flood-2', host.url);
  const clients: Idle[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      // Half say nothing, half send one byte of a ClientHello and stall (the service never answers that).
      clients.push(
        idleClient(host.url, 'flood-2', `127.0.1.${i + 1}`, i % 2 ? Buffer.from([0x16]) : undefined),
      );
    }
    await Promise.all(clients.map((client) => client.opened));
    await sleep(150);
    await assert.rejects(connectTunnel('flood-2', { relay: host.url, fingerprint: service.fingerprint }), {
      message: /session limit/,
    });
    await Promise.all(clients.map((client) => client.closed));
    const client = await connectTunnel('flood-2', { relay: host.url, fingerprint: service.fingerprint });
    assert.equal((await client.call('ping', 'after the deadline')).value, 'after the deadline');
    assert.equal(host.relay.stats().rejected.first_bytes_timeout, 8);
    client.close();
  } finally {
    for (const client of clients) client.ws.terminate();
    service.stop();
    await host.stop();
  }
});

test('a real relay with its defaults: 64 idle connections from one address do not lock a service out', {
  timeout: 90_000,
}, async () => {
  const relay = await startRelay();
  const service = await startServiceProcess({
    relay: relay.url,
    dataDir: join(base, 'flood-3'),
    id: 'flood-3',
    adminPassword: PASSWORD,
  });
  const idle: Idle[] = [];
  try {
    idle.push(...(await flood(relay.url, 'flood-3', '127.0.0.2', 64)));
    const result = await sealwire([
      'call',
      '--relay',
      relay.url,
      '--service',
      'flood-3',
      '--fingerprint',
      service.fingerprint,
      'ping',
      '"legitimate"',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout.toString()), 'legitimate');
  } finally {
    for (const client of idle) client.ws.terminate();
    await service.stop();
    await relay.stop();
  }
});

test('2,000 registrations with attacker-chosen key types: the refusal counters keep a fixed set of keys', {
  timeout: 90_000,
}, async () => {
  const host = await hostRelay();
  const register = (i: number) =>
    new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = new WebSocket(`${host.url}/tunnel/service?id=evil-${i % 50}`);
      ws.on('error', () => {});
      ws.on('message', () => {
        // Distinct, long and multi-byte: the refusal must neither grow a table nor overflow a close frame.
        const kty = `${i}-${'€'.repeat(60)}-${Math.random()}`;
        ws.send(
          JSON.stringify({
            type: 'register',
            id: `evil-${i % 50}`,
            publicKey: { kty, x: 'AA' },
            signature: 'AA',
          }),
        );
      });
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  try {
    const closes: { code: number; reason: string }[] = [];
    for (let batch = 0; batch < 20; batch++) {
      closes.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => register(batch * 100 + i)))));
    }
    assert.ok(
      closes.every((close) => close.code === 4403),
      JSON.stringify(closes.find((close) => close.code !== 4403)),
    );
    assert.equal(
      new Set(closes.map((close) => close.reason)).size,
      1,
      'the close reason is ours, not theirs',
    );
    const rejected = host.relay.stats().rejected;
    // Every reason is always present (a stable label set for metrics), and nothing else ever is.
    assert.deepEqual(Object.keys(rejected).sort(), [...REFUSAL_REASONS].sort());
    assert.deepEqual(
      Object.entries(rejected).filter(([, count]) => count > 0),
      [['registration_malformed', 2000]],
    );
    // The relay is still in service.
    const service = await startInProcessService('after-evil', host.url);
    service.stop();
  } finally {
    await host.stop();
  }
});

test('per-address limits count IPv4 addresses one by one and IPv6 addresses by /64', async () => {
  const { addressKey } = await import('../../src/tunnel/forwarder/address-key.ts');
  assert.equal(addressKey('127.0.0.2'), '127.0.0.2');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey(undefined), 'unknown');
});

test('a peer sending an invalid (unmasked) frame is dropped; the relay keeps serving', async () => {
  const host = await hostRelay();
  const { connect: tcp } = await import('node:net');
  const port = new URL(host.url).port;
  try {
    for (const path of ['/tunnel/service?id=raw-1', '/tunnel/accept?id=raw-1&session=abc']) {
      const socket = tcp(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      const closed = new Promise((resolve) => socket.once('close', resolve));
      let upgraded = false;
      socket.on('data', (data) => {
        if (upgraded || !data.toString().startsWith('HTTP/1.1 101')) return;
        upgraded = true;
        // A client frame without the mask bit: a protocol error ws reports as an 'error' event.
        socket.write(Buffer.from([0x82, 0x01, 0x00]));
      });
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await closed;
      assert.ok(upgraded, path);
    }
    const service = await startInProcessService('after-raw', host.url);
    service.stop();
  } finally {
    await host.stop();
  }
});
