/**
 * `sealwire relay` as a user meets it when something is wrong: `--check` validates the configuration
 * (file, environment, flags) without starting; a port in use or a privileged port is one line and exit 2,
 * not an "unexpected error"; `--port`, `--host` and `--log-level` are checked when the command line is read.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

async function scratch(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-relay-cli-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

test('--check: a valid configuration prints "configuration OK", exits 0 and does not start', async () => {
  // The port is taken: --check must not try to bind it.
  const { server, port } = await occupy();
  try {
    const result = await sealwire(['relay', '--check', '--port', String(port)]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'configuration OK\n');
    assert.ok(!result.stderr.includes('relay listening'));
  } finally {
    server.close();
  }
});

test('--check --json: a summary of what would run, with no secrets', async () => {
  const config = await scratch(
    'relay.yaml',
    `host: 0.0.0.0
port: 9443
wamp:
  realms:
    - name: app
      anonymous: { role: guest }
      ticket:
        alice: { ticket: "t0p-s3cret", role: user }
      roles:
        - { name: guest, permissions: [] }
        - { name: user, permissions: [{ uri: com.app., match: prefix, allow: [publish] }] }
`,
  );
  const result = await sealwire(['relay', '--check', '--json', '--config', config]);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout.toString());
  assert.equal(summary.ok, true);
  assert.equal(summary.host, '0.0.0.0');
  assert.equal(summary.port, 9443);
  assert.equal(summary.wamp.path, '/ws');
  assert.deepEqual(summary.wamp.realms, [
    { name: 'app', authmethods: ['anonymous', 'ticket'], roles: ['guest', 'user'] },
  ]);
  assert.equal(summary.tunnel.enabled, true);
  assert.ok(Array.isArray(summary.warnings));
  assert.ok(
    summary.warnings.some((warning: string) => warning.includes('service ids can be claimed')),
    JSON.stringify(summary.warnings),
  );
  assert.ok(!result.stdout.toString().includes('t0p-s3cret'), 'no secret in the summary');
});

test('--check: an invalid file, environment or flag is one line on stderr and exit 2', async () => {
  const bad = await scratch('bad.yaml', 'wamp:\n  realms:\n    - name: app\n      anonymous: { rol: x }\n');
  const file = await sealwire(['relay', '--check', '--config', bad]);
  assert.equal(file.code, 2);
  assert.equal(file.stdout.toString(), '');
  assert.match(file.stderr, /^sealwire: config: wamp\.realms\[0\]\.anonymous\.rol is not a known setting/);
  assert.equal(file.stderr.trim().split('\n').length, 1, file.stderr);
  const env = await sealwire(['relay', '--check'], { env: { SEALWIRE_RELAY_PORT: '99999' } });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /SEALWIRE_RELAY_PORT must be an integer from 0 to 65535/);
  const missing = await sealwire(['relay', '--check', '--config', '/nonexistent/relay.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^sealwire: config: cannot read \/nonexistent\/relay\.yaml: ENOENT\n$/);
});

test('a port in use: one line naming the port and what to do, exit 2', async () => {
  const { server, port } = await occupy();
  try {
    const result = await sealwire(['relay', '--port', String(port)]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      `sealwire: port ${port} on 127.0.0.1 is already in use: stop the other process or pass --port N\n`,
    );
  } finally {
    server.close();
  }
});

test('a privileged port without the privilege: one line, exit 2', async () => {
  // Root may bind any port, so the relay runs as `nobody` when the test runs as root. The port is the
  // highest one the kernel still reserves for privileged processes here (1023 on a default kernel).
  const asNobody = process.getuid?.() === 0;
  const unprivilegedFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  assert.ok(
    unprivilegedFrom > 1,
    'this kernel reserves no port for privileged processes (ip_unprivileged_port_start)',
  );
  const port = unprivilegedFrom - 1;
  const child = spawn(process.execPath, [...CLI_ARGS, 'relay', '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 2, stderr);
  assert.ok(
    stderr.startsWith(`sealwire: port ${port} on 127.0.0.1 needs privileges this process does not have: `),
    stderr,
  );
  assert.equal(stderr.split('\n').length, 2, stderr);
});

test('--port, --host and --log-level are checked when the command line is read', async () => {
  for (const [args, pattern] of [
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--port', 'eighty'], /--port must be a whole number from 0 to 65535/],
    [['--host', 'http://example.com'], /--host must be an IP address or a host name/],
    [['--host', '127.0.0.1:8080'], /--host must be an IP address or a host name/],
    [['--log-level', 'loud'], /--log-level must be one of: fatal, error, warn, info, debug, trace, silent/],
  ] as const) {
    const result = await sealwire(['relay', '--check', ...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  const ok = await sealwire(['relay', '--check', '--host', '::1', '--port', '0']);
  assert.equal(ok.code, 0, ok.stderr);
});
