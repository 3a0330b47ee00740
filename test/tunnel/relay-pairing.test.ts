/**
 * The relay's tunnel endpoint on its own (in this process): who may register an id, limits on sessions and
 * pending handshakes, bad session tokens, unknown services, idle sessions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyPair } from 'sealwire/keys';
import {
  connectTunnel,
  initServiceDir,
  rpcServerFor,
  ServiceConnector,
  TunnelForwarder,
  type TunnelForwarderOptions,
} from 'sealwire/tunnel';
import { WebSocket } from 'ws';

const base = mkdtempSync(join(tmpdir(), 'sealwire-relay-'));

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

async function service(
  id: string,
  url: string,
  identityKey?: Awaited<ReturnType<typeof generateKeyPair>>['privateJwk'],
) {
  const opened = await initServiceDir(join(base, `${id}-${Math.random()}`), {
    serviceId: id,
    adminPassword: 'pairing admin password',
  });
  const server = rpcServerFor(opened);
  server.handle(
    'sleep',
    async (arg) => new Promise((resolve) => setTimeout(() => resolve('done'), (arg as { ms: number }).ms)),
  );
  const connector = new ServiceConnector({
    relay: url,
    serviceId: id,
    identityKey: identityKey ?? opened.identityKey,
    server,
    reconnect: false,
  });
  return { opened, server, connector };
}

test('configured ids accept only their key; first use binds an id to its first key', async () => {
  const owner = await generateKeyPair('Ed25519');
  const strict = await hostRelay({ services: { 'lab-1': owner.publicJwk } });
  const impostor = await service('lab-1', strict.url);
  await assert.rejects(impostor.connector.start(), {
    code: 'ERR_TUNNEL_UNAVAILABLE',
    message: /not allowed to register/,
  });
  const unknown = await service('lab-2', strict.url);
  await assert.rejects(unknown.connector.start(), { message: /unknown service id/ });
  const genuine = await service('lab-1', strict.url, owner.privateJwk);
  await genuine.connector.start();
  assert.equal(strict.relay.stats().services, 1);
  genuine.connector.stop();
  await strict.stop();

  const open = await hostRelay();
  const first = await service('lab-3', open.url);
  await first.connector.start();
  const second = await service('lab-3', open.url);
  await assert.rejects(second.connector.start(), { message: /already bound to another key/ });
  first.connector.stop();
  await open.stop();
});

test('unknown service, bad session token, invalid id: refused with a reason', async () => {
  const host = await hostRelay();
  const ghost = (
    await initServiceDir(join(base, 'ghost'), { serviceId: 'ghost', adminPassword: 'pairing admin password' })
  ).fingerprint;
  await assert.rejects(connectTunnel('ghost', { relay: host.url, fingerprint: ghost }), {
    code: 'ERR_TUNNEL_UNAVAILABLE',
    message: /service not connected/,
  });
  const closed = (path: string, headers: Record<string, string> = {}) =>
    new Promise<[number, string]>((resolve) => {
      const ws = new WebSocket(`${host.url}${path}`, { headers });
      ws.on('close', (code, reason) => resolve([code, reason.toString()]));
      ws.on('error', () => {});
    });
  assert.deepEqual(
    await closed('/tunnel/accept?id=ghost&session=abc', { 'x-sealwire-session-token': 'AAAA' }),
    [4403, 'unknown session or bad session token'],
  );
  assert.deepEqual(await closed('/tunnel/client?id=Not_Valid'), [4400, 'invalid service id']);
  await host.stop();
});

test('limits: sessions per service; an idle session is cut, pending calls fail, new calls reconnect', async () => {
  const host = await hostRelay({ maxSessionsPerService: 2, idleTimeoutMs: 400 });
  const svc = await service('lab-4', host.url);
  const clients: { close(): void }[] = [];
  try {
    await svc.connector.start();
    const options = { relay: host.url, fingerprint: svc.opened.fingerprint };
    const a = await connectTunnel('lab-4', options);
    const b = await connectTunnel('lab-4', options);
    clients.push(a, b);
    await assert.rejects(connectTunnel('lab-4', options), {
      code: 'ERR_TUNNEL_UNAVAILABLE',
      message: /session limit/,
    });
    assert.equal(host.relay.stats().sessions, 2);
    // A call that keeps the line quiet for longer than the idle limit is cut, and fails fast.
    const started = Date.now();
    await assert.rejects(a.call('sleep', { ms: 3000 }), { code: 'ERR_CONNECTION_LOST' });
    assert.ok(Date.now() - started < 2000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(host.relay.stats().sessions, 0);
    assert.ok(host.relay.stats().rejected.idle_timeout >= 2);
    // The next call opens a fresh session.
    assert.equal((await a.call('ping', 'again')).value, 'again');
  } finally {
    for (const client of clients) client.close();
    svc.connector.stop();
    svc.server.close();
    await host.stop();
  }
});

test('pending handshakes are capped, and a service that never accepts times the client out', async () => {
  const host = await hostRelay({ maxPendingPerService: 2, handshakeTimeoutMs: 700 });
  // A service that registers properly but never opens the data connections it is asked for.
  const { opened } = await service('lab-5', host.url);
  const { runtime } = await import('../../src/runtime/node.ts');
  const { publicJwkOf } = await import('sealwire/keys');
  const control = new WebSocket(`${host.url}/tunnel/service?id=lab-5`);
  const sessions: string[] = [];
  await new Promise<void>((resolve, reject) => {
    control.on('message', async (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'challenge') {
        const signature = await runtime.sign(
          'EdDSA',
          opened.identityKey,
          new TextEncoder().encode(`sealwire-tunnel-register-v1\nlab-5\n${message.nonce}`),
        );
        control.send(
          JSON.stringify({
            type: 'register',
            id: 'lab-5',
            publicKey: publicJwkOf(opened.identityKey),
            signature: Buffer.from(signature).toString('base64url'),
          }),
        );
      } else if (message.type === 'registered') resolve();
      else if (message.type === 'session') sessions.push(message.session);
    });
    control.on('close', (code, reason) => reject(new Error(`${code} ${reason}`)));
  });
  try {
    const options = { relay: host.url, fingerprint: opened.fingerprint, connectTimeoutMs: 5000 };
    const first = connectTunnel('lab-5', options);
    const second = connectTunnel('lab-5', options);
    // Observed now: on a slow machine they may reject before the assertions below get to them.
    for (const pending of [first, second]) pending.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(host.relay.stats().pending, 2);
    await assert.rejects(connectTunnel('lab-5', options), {
      code: 'ERR_TUNNEL_UNAVAILABLE',
      message: /too many pending handshakes/,
    });
    for (const pending of [first, second]) {
      await assert.rejects(pending, {
        code: 'ERR_TUNNEL_UNAVAILABLE',
        message: /did not accept the session in time/,
      });
    }
    assert.equal(sessions.length, 2, 'the relay asked the service twice and never a third time');
    assert.equal(host.relay.stats().pending, 0);
  } finally {
    control.close();
    await host.stop();
  }
});
