/**
 * docs/tunnel.md's walkthrough, step by step as written (three terminals), with one change: port 8080 becomes
 * a free port chosen now, and `sealwire` runs the CLI from source. The client's output must show the
 * result and the E2EE information.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

function step(name: string): string {
  const doc = readFileSync(join(root, 'docs/tunnel.md'), 'utf8');
  const match = new RegExp(`\`\`\`sh\\n# tunnel-walkthrough: ${name}\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(match, `docs/tunnel.md has a "${name}" step`);
  return match[1]!;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('docs/tunnel.md walkthrough: relay, service, client with pinned fingerprint', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealwire-walkthrough-'));
  const bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  // `sealwire` as a user who installed the package runs it; here it runs the CLI from source.
  writeFileSync(
    join(bin, 'sealwire'),
    `#!/bin/sh\nexec "${process.execPath}" --conditions=sealwire-source --import "${root}node_modules/tsx/dist/loader.mjs" "${root}src/cli/main.ts" "$@"\n`,
  );
  chmodSync(join(bin, 'sealwire'), 0o755);
  const port = String(await freePort());
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const run = (script: string): ChildProcess =>
    spawn('bash', ['-c', script.replaceAll('8080', port)], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const collect = (child: ChildProcess) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return () => text;
  };
  const waitFor = async (read: () => string, needle: string, what: string) => {
    for (let i = 0; i < 300 && !read().includes(needle); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(read().includes(needle), `${what}: ${read().slice(-1000)}`);
  };
  const relay = run(`exec ${step('relay').trim()}`);
  const relayOut = collect(relay);
  let service: ChildProcess | undefined;
  try {
    await waitFor(relayOut, 'relay listening', 'relay');
    service = run(step('service').replace(/^sealwire/m, 'exec sealwire'));
    const serviceOut = collect(service);
    await waitFor(serviceOut, 'sha256 Fingerprint=', 'service');
    const client = spawnSync('bash', ['-c', step('client').replaceAll('8080', port)], {
      cwd: dir,
      env,
      timeout: 60_000,
    });
    const stdout = client.stdout.toString();
    const stderr = client.stderr.toString();
    assert.equal(client.status, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { hello: 'world' });
    assert.match(
      stderr,
      /^e2ee: yes; service lab-1; certificate CN=lab-1, O=Sealwire service; fingerprint [0-9A-F:]{95}; session verified: no$/m,
    );
    assert.match(serviceOut(), /service lab-1 created and registered/);
  } finally {
    service?.kill('SIGTERM');
    relay.kill('SIGTERM');
  }
});
