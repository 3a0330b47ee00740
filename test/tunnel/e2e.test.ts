/**
 * End to end through real processes: `sealwire relay` and `sealwire service start --handlers ...`, with this
 * process as the client. RPCs, concurrency over one session, streaming both ways (64 MiB), per-call
 * sessions, deadlines, session verification with tokens from the CLI, and the require_e2ee policy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectTunnel, sessionProof } from 'sealwire/tunnel';
import { expectedDownloadHash } from '../../examples/tunnel/handlers.ts';
import { openSession } from '../../src/tunnel/client/open-session.ts';
import { sealwire } from '../helpers/cli.ts';
import {
  HANDLERS,
  type RelayProcess,
  type ServiceProcess,
  startRelay,
  startServiceProcess,
} from '../helpers/processes.ts';

const MiB = 1024 * 1024;
const base = mkdtempSync(join(tmpdir(), 'sealwire-e2e-'));
let relay: RelayProcess;
let open: ServiceProcess;
let locked: ServiceProcess;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${relay.http}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

before(async () => {
  relay = await startRelay();
  open = await startServiceProcess({
    relay: relay.url,
    dataDir: join(base, 'lab-1'),
    id: 'lab-1',
    adminPassword: 'admin one password',
    handlers: HANDLERS,
  });
  locked = await startServiceProcess({
    relay: relay.url,
    dataDir: join(base, 'lab-2'),
    id: 'lab-2',
    adminPassword: 'admin two password',
    handlers: HANDLERS,
    extra: ['--require-session-verification'],
  });
});

after(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  await relay?.stop();
});

test('the fingerprint the service prints is what openssl prints for its certificate', () => {
  const openssl = execFileSync('openssl', [
    'x509',
    '-noout',
    '-fingerprint',
    '-sha256',
    '-in',
    join(base, 'lab-1', 'cert.pem'),
  ])
    .toString()
    .trim();
  assert.equal(openssl, `sha256 Fingerprint=${open.fingerprint}`);
});

test('RPCs with their E2EE information; 200 concurrent calls share one session', async () => {
  const client = await connectTunnel('lab-1', { relay: relay.url, fingerprint: open.fingerprint });
  try {
    const pong = await client.call('ping', { hello: 'world' });
    assert.deepEqual(pong.value, { hello: 'world' });
    assert.deepEqual(pong.e2ee, {
      used: true,
      serviceId: 'lab-1',
      verified: false,
      fingerprint: open.fingerprint,
      subject: 'CN=lab-1, O=Sealwire service',
    });
    assert.equal((await client.call('hello', 'tunnel')).value, 'hello tunnel');
    const caps = (await client.capabilities()).value;
    assert.equal(caps.e2ee, true);
    assert.ok((caps.rpcs as string[]).includes('download'));
    const opened = await metric('sealwire_tunnel_sessions_opened');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.call('ping', i)));
    assert.deepEqual(
      results.map((r) => r.value),
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.equal(
      await metric('sealwire_tunnel_sessions_opened'),
      opened,
      'no new relay session for 200 calls',
    );
  } finally {
    client.close();
  }
});

test('streaming: 64 MiB down and 64 MiB up, byte-exact', { timeout: 120_000 }, async () => {
  const client = await connectTunnel('lab-1', { relay: relay.url, fingerprint: open.fingerprint });
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of client.stream('download', { bytes: 64 * MiB + 5 })) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    assert.equal(bytes, 64 * MiB + 5);
    assert.equal(hash.digest('hex'), expectedDownloadHash(64 * MiB + 5));
    const sent = createHash('sha256');
    async function* source() {
      const chunk = Buffer.alloc(MiB, 0x5a);
      for (let i = 0; i < 64; i++) {
        sent.update(chunk);
        yield chunk;
      }
    }
    const result = await client.upload<{ bytes: number; sha256: string }>('upload', source());
    assert.deepEqual(result.value, { bytes: 64 * MiB, sha256: sent.digest('hex') });
    // One 24 MiB buffer: HTTP/2 hands TLS window-sized writes, which must still cross the relay in small messages.
    const whole = Buffer.alloc(24 * MiB, 0xa5);
    const once = await client.upload<{ bytes: number; sha256: string }>('upload', whole);
    assert.deepEqual(once.value, {
      bytes: whole.length,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
  } finally {
    client.close();
  }
});

test('one session per call on request; deadlines; unknown RPCs', async () => {
  const before = await metric('sealwire_tunnel_sessions_opened');
  const client = await connectTunnel('lab-1', {
    relay: relay.url,
    fingerprint: open.fingerprint,
    sessionPerCall: true,
  });
  for (let i = 0; i < 3; i++) assert.equal((await client.call('ping', i)).value, i);
  assert.equal(await metric('sealwire_tunnel_sessions_opened'), before + 3);
  client.close();
  const shared = await connectTunnel('lab-1', { relay: relay.url, fingerprint: open.fingerprint });
  const started = Date.now();
  await assert.rejects(shared.call('sleep', { ms: 5000 }, { deadlineMs: 300 }), { code: 'ERR_TIMEOUT' });
  assert.ok(Date.now() - started < 1500);
  await assert.rejects(shared.call('no-such-rpc'), { code: 'ERR_RPC_FAILED', message: /no such RPC/ });
  assert.equal((await shared.call('ping', 'still fine')).value, 'still fine');
  shared.close();
});

test('session verification: no token, a valid token, an expired one, one for another service', async () => {
  const noToken = await connectTunnel('lab-2', { relay: relay.url, fingerprint: locked.fingerprint });
  await assert.rejects(noToken.call('ping', 1), {
    code: 'ERR_NOT_AUTHORIZED',
    message: /session verification required/,
  });
  assert.equal(
    (await noToken.capabilities()).value.requireSessionVerification,
    true,
    'capabilities answer without a token',
  );
  noToken.close();

  const issue = async (dir: string, password: string, ttl: string) => {
    const result = await sealwire(['service', 'issue-token', '--data-dir', join(base, dir), '--ttl', ttl], {
      env: { SEALWIRE_ADMIN_PASSWORD: password },
    });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.toString().trim();
  };
  const token = await issue('lab-2', 'admin two password', '10m');
  const verified = await connectTunnel('lab-2', {
    relay: relay.url,
    fingerprint: locked.fingerprint,
    accessToken: token,
  });
  const whoami = await verified.call<{ verified: boolean; e2ee: boolean }>('whoami');
  assert.deepEqual(
    { verified: whoami.value.verified, e2ee: whoami.value.e2ee, info: whoami.e2ee.verified },
    { verified: true, e2ee: true, info: true },
  );
  verified.close();

  const shortLived = await issue('lab-2', 'admin two password', '1s');
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await assert.rejects(
    connectTunnel('lab-2', { relay: relay.url, fingerprint: locked.fingerprint, accessToken: shortLived }),
    {
      code: 'ERR_NOT_AUTHORIZED',
      message: /expired/,
    },
  );
  const foreign = await issue('lab-1', 'admin one password', '10m');
  await assert.rejects(
    connectTunnel('lab-2', { relay: relay.url, fingerprint: locked.fingerprint, accessToken: foreign }),
    { code: 'ERR_NOT_AUTHORIZED' },
  );
  const wrongPassword = await sealwire(['service', 'issue-token', '--data-dir', join(base, 'lab-2')], {
    env: { SEALWIRE_ADMIN_PASSWORD: 'nope' },
  });
  assert.equal(wrongPassword.code, 1);
  assert.match(wrongPassword.stderr, /wrong password/);
});

test('require_e2ee: without a pin only capabilities answers; a pinned client never goes without TLS', async () => {
  const insecure = await connectTunnel('lab-1', { relay: relay.url, insecure: true });
  const caps = await insecure.capabilities();
  assert.equal(caps.value.e2ee, false);
  assert.equal(caps.e2ee.used, false);
  await assert.rejects(insecure.call('ping', 1), {
    code: 'ERR_NOT_AUTHORIZED',
    message: /requires end-to-end encryption/,
  });
  insecure.close();
  await assert.rejects(connectTunnel('lab-1', { relay: relay.url }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /fingerprint is required/,
  });
});

test('a session proof replayed on another TLS channel is refused; --admin-password-file works', async () => {
  writeFileSync(join(base, 'admin.txt'), 'admin two password\n', { mode: 0o600 });
  const issued = await sealwire([
    'service',
    'issue-token',
    '--data-dir',
    join(base, 'lab-2'),
    '--admin-password-file',
    join(base, 'admin.txt'),
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  const token = issued.stdout.toString().trim();
  const options = {
    relay: relay.url,
    serviceId: 'lab-2',
    fingerprint: locked.fingerprint,
    insecure: false,
    connectTimeoutMs: 10_000,
  };
  // A proof made for some other channel (as if captured from a log or another connection)...
  const captured = sessionProof(token, Buffer.alloc(32, 7));
  const session = await openSession(options);
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const request = session.h2.request({
        ':method': 'POST',
        ':path': '/session/verify',
        'content-type': 'application/json',
      });
      request.on('response', (headers) => resolve(Number(headers[':status'])));
      request.on('error', reject);
      request.end(JSON.stringify(captured));
    });
    assert.equal(status, 401, '...does not verify this session');
  } finally {
    session.close();
  }
  // ...while the real client, proving on its own channel, is verified.
  const client = await connectTunnel('lab-2', {
    relay: relay.url,
    fingerprint: locked.fingerprint,
    accessToken: token,
  });
  assert.equal((await client.call('ping', 'verified')).e2ee.verified, true);
  client.close();
});
