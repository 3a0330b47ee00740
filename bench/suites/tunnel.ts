/**
 * Tunnel: a relay process, a service process and this client, against the same service code reached over
 * direct TLS on loopback (same certificate, same RPC server, same machine, same run). Bulk 256 MiB down and up,
 * small RPCs with 1 and 100 in flight.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type ClientHttp2Session, connect as h2connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import { connectTunnel, type TunnelClient } from '../../src/tunnel/index.ts';
import { HANDLERS, startRelay, startServiceProcess } from '../../test/helpers/processes.ts';
import { type Context, compare, type Suite } from '../harness.ts';

const MiB = 1024 * 1024;
const BULK = 256 * MiB;
const root = new URL('../..', import.meta.url).pathname;

/** The baseline client: TLS straight to the service's port, the same pin check, HTTP/2 with the same windows. */
async function directClient(port: number, fingerprint: string): Promise<ClientHttp2Session> {
  const socket = await new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
    const tls = tlsConnect(
      { host: '127.0.0.1', port, servername: 'bench', ALPNProtocols: ['h2'], rejectUnauthorized: false },
      () => {
        if (tls.getPeerX509Certificate()?.fingerprint256 !== fingerprint) reject(new Error('pin mismatch'));
        else resolve(tls);
      },
    );
    tls.once('error', reject);
  });
  const session = h2connect('https://bench', {
    createConnection: () => socket,
    settings: { initialWindowSize: 16 * MiB },
  });
  await new Promise((resolve) => session.once('connect', resolve));
  session.setLocalWindowSize(16 * MiB);
  return session;
}

function directCall(
  session: ClientHttp2Session,
  name: string,
  body: Buffer | string,
  contentType = 'application/json',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = session.request({
      ':method': 'POST',
      ':path': `/rpc/${name}`,
      'content-type': contentType,
    });
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => resolve(bytes));
    request.on('error', reject);
    request.end(body);
  });
}

async function startDirect(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=sealwire-source',
      '--import',
      'tsx',
      join(root, 'bench/fixtures/direct-service.ts'),
      dataDir,
    ],
    {
      env: { ...process.env, SEALWIRE_ADMIN_PASSWORD: 'bench admin password' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

async function drain(client: TunnelClient, bytes: number): Promise<void> {
  for await (const _ of client.stream('download', { bytes }, { deadlineMs: 600_000 })) {
    // count nothing: throughput only
  }
}

async function run(ctx: Context): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sealwire-bench-tunnel-'));
  const relay = await startRelay();
  const service = await startServiceProcess({
    relay: relay.url,
    dataDir: join(dir, 'bench'),
    id: 'bench',
    adminPassword: 'bench admin password',
    handlers: HANDLERS,
  });
  const direct = await startDirect(join(dir, 'bench'));
  const client = await connectTunnel('bench', {
    relay: relay.url,
    fingerprint: service.fingerprint,
    deadlineMs: 600_000,
  });
  const session = await directClient(direct.port, service.fingerprint);
  const upload = Buffer.alloc(BULK, 0x33);
  const bulk = { ...ctx, rounds: Math.min(ctx.rounds, 3), minTimeMs: 0 };
  try {
    await compare(bulk, {
      name: 'tunnel bulk download 256 MiB',
      unit: 'MB/s',
      bytesPerOp: BULK,
      baseline: {
        name: 'direct TLS + HTTP/2',
        fn: () => directCall(session, 'download', JSON.stringify({ bytes: BULK })),
      },
      sealwire: { name: 'through the relay', fn: () => drain(client, BULK) },
      maxOpsPerRound: 1,
      target: 0.35,
    });
    await compare(bulk, {
      name: 'tunnel bulk upload 256 MiB',
      unit: 'MB/s',
      bytesPerOp: BULK,
      baseline: {
        name: 'direct TLS + HTTP/2',
        fn: () => directCall(session, 'upload', upload, 'application/octet-stream'),
      },
      sealwire: { name: 'through the relay', fn: () => client.upload('upload', upload) },
      maxOpsPerRound: 1,
      target: 0.35,
    });
    for (const inFlight of [1, 100]) {
      const batch = (fn: () => Promise<unknown>) => () => Promise.all(Array.from({ length: inFlight }, fn));
      await compare(ctx, {
        name: `tunnel rpc ping x${inFlight} in flight`,
        unit: 'ops/s',
        opsPerCall: inFlight,
        baseline: { name: 'direct TLS + HTTP/2', fn: batch(() => directCall(session, 'ping', '1')) },
        sealwire: { name: 'through the relay', fn: batch(() => client.call('ping', 1)) },
        ...(inFlight === 100 ? { target: 0.8 } : {}),
      });
    }
  } finally {
    client.close();
    session.close();
    direct.child.kill('SIGTERM');
    await service.stop();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const tunnelSuite: Suite = {
  name: 'tunnel',
  async run(ctx) {
    if (ctx.wants('tunnel')) await run(ctx);
  },
};
