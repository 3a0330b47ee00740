/**
 * Malicious relays. One terminates TLS with its own certificate (a man in the middle): the pinned client
 * refuses it and sends it nothing — the access token, its proof and every RPC stay on the client. Another
 * answers as a cleartext service claiming "no E2EE": a pinned client never falls back. A third cuts a
 * response mid-stream: the client reports truncation, never a short success.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { connectTunnel, initServiceDir, issueAccessToken, RpcServer } from 'sealwire/tunnel';
import { createWebSocketStream, WebSocketServer } from 'ws';
import handlers from '../../examples/tunnel/handlers.ts';
import { createServiceCertificate } from '../../src/tunnel/service/certificate.ts';

const dir = join(mkdtempSync(join(tmpdir(), 'sealwire-mitm-')), 'lab-1');
const service = await initServiceDir(dir, { serviceId: 'lab-1', adminPassword: 'mitm admin password' });
const { token } = issueAccessToken(service.tokenKey, {
  serviceId: 'lab-1',
  fingerprint: service.fingerprint,
  ttlSeconds: 600,
});

/** A fake relay: every client WebSocket on /tunnel/client is handed to `onClient` as a byte stream. */
async function fakeRelay(
  onClient: (stream: Duplex, raw: Buffer[]) => void,
): Promise<{ url: string; server: Server }> {
  const wss = new WebSocketServer({ noServer: true });
  const server = createHttpServer();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const raw: Buffer[] = [];
      ws.on('message', (data) => raw.push(Buffer.from(data as Buffer)));
      onClient(createWebSocketStream(ws, { allowHalfOpen: false }), raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('a relay terminating TLS with its own certificate: ERR_PIN_MISMATCH, and the token never left the client', async () => {
  const impostor = await createServiceCertificate('lab-1');
  const decrypted: Buffer[] = [];
  const raw: Buffer[][] = [];
  const tlsServer = createTlsServer(
    { key: impostor.keyPem, cert: impostor.certPem, ALPNProtocols: ['h2'] },
    (socket) => {
      socket.on('data', (chunk: Buffer) => decrypted.push(chunk));
      socket.on('error', () => {});
    },
  );
  const relay = await fakeRelay((stream, bytes) => {
    raw.push(bytes);
    stream.on('error', () => {});
    tlsServer.emit('connection', stream);
  });
  await assert.rejects(
    connectTunnel('lab-1', { relay: relay.url, fingerprint: service.fingerprint, accessToken: token }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_PIN_MISMATCH');
      assert.match(error.message, /possible man-in-the-middle/);
      return true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  // What the impostor could read after terminating TLS: nothing at all (no HTTP/2 preface, no proof, no token).
  assert.equal(Buffer.concat(decrypted).length, 0);
  const everything = Buffer.concat(raw.flat());
  assert.ok(everything.length > 0, 'the TLS handshake did reach the impostor');
  for (const part of token.split('.'))
    assert.ok(!everything.includes(part), 'no part of the token in any byte the relay handled');
  relay.server.close();
});

test('a relay forging a cleartext "no E2EE" service: the pinned client refuses, it never speaks cleartext', async () => {
  let requests = 0;
  const h2 = createH2Server();
  h2.on('stream', (stream) => {
    requests++;
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ serviceId: 'lab-1', e2ee: false, requireE2ee: false }));
  });
  const relay = await fakeRelay((stream) => {
    stream.on('error', () => {});
    h2.emit('connection', stream);
  });
  await assert.rejects(
    connectTunnel('lab-1', {
      relay: relay.url,
      fingerprint: service.fingerprint,
      accessToken: token,
      connectTimeoutMs: 3000,
    }),
    {
      code: 'ERR_TUNNEL_UNAVAILABLE',
    },
  );
  assert.equal(requests, 0, 'not a single cleartext request from a pinned client');
  // Only an explicitly insecure client would accept the forged answer (and is told it is not E2EE).
  const insecure = await connectTunnel('lab-1', { relay: relay.url, insecure: true });
  const answer = await insecure.call('capabilities').catch((error: Error) => error);
  insecure.close();
  assert.ok(answer instanceof Error || (answer as { e2ee: { used: boolean } }).e2ee.used === false);
  relay.server.close();
});

test('a relay cutting the stream mid-response: ERR_TRUNCATED or ERR_CONNECTION_LOST, never a short success', async () => {
  // The real service behind a TCP hop (real sockets: in-process duplex pairs do not propagate destroy).
  const server = new RpcServer({
    serviceId: 'lab-1',
    certPem: service.certPem,
    keyPem: service.keyPem,
    fingerprint: service.fingerprint,
    tokenKey: service.tokenKey,
    requireE2ee: true,
    requireSessionVerification: false,
  });
  server.handle('download', handlers.download);
  const backend = createNetServer((socket) => server.accept(socket));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as { port: number }).port;
  const CUT_AFTER = 3 * 1024 * 1024;
  const relay = await fakeRelay((stream) => {
    const upstream = netConnect(port, '127.0.0.1');
    let forwarded = 0;
    stream.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (forwarded > CUT_AFTER) {
        upstream.destroy();
        stream.destroy();
        return;
      }
      stream.write(chunk);
    });
    stream.on('error', () => upstream.destroy());
  });
  const client = await connectTunnel('lab-1', { relay: relay.url, fingerprint: service.fingerprint });
  const started = Date.now();
  let received = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of client.stream('download', { bytes: 32 * 1024 * 1024 }))
        received += chunk.length;
    })(),
    (error: Error & { code?: string }) => ['ERR_TRUNCATED', 'ERR_CONNECTION_LOST'].includes(error.code ?? ''),
  );
  assert.ok(received < 32 * 1024 * 1024);
  assert.ok(Date.now() - started < 5000, 'noticed quickly');
  client.close();
  server.close();
  backend.close();
  relay.server.close();
});
