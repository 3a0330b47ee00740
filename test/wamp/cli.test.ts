/**
 * `sealwire wamp ...` as a user runs it: register/call with JOSE keys from `sealwire keygen` (the CLI
 * composes sealwire/seal into the wamp JOSE codec), the echo callee, `call --json`, `--allow-clear`,
 * usage errors (exit 2, one line), a dead relay (exit 1, one sentence), reconnect notices of `subscribe`,
 * and `subscribe | head -1` ending quietly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type EventInfo } from 'sealwire/wamp';
import { CLI_ARGS } from '../helpers/cli.ts';
import { startRouter, type TestRouter, waitFor, within } from './helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let router: TestRouter;
let dir: string;

function sealwire(args: string[]) {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

before(async () => {
  router = await startRouter();
  dir = await mkdtemp(join(tmpdir(), 'sealwire-wamp-cli-'));
});

after(async () => {
  await router.close();
});

test('register and call with JOSE: the callee opens with its key, the result comes back sealed', {
  timeout: 60_000,
}, async () => {
  const keygen = sealwire(['keygen', '--out', join(dir, 'service')]);
  assert.equal(await within(keygen.exited, 20_000, 'keygen'), 0, keygen.out.stderr);
  const common = ['--url', router.url, '--serializer', 'cbor'];
  const callee = sealwire([
    'wamp',
    'register',
    'com.cli.balance',
    '--result',
    '{"balance":42}',
    '--count',
    '1',
    ...common,
    '--jose-key',
    join(dir, 'service.jwk'),
    '--jose-prefix',
    'com.cli.',
  ]);
  try {
    await waitFor(() => callee.out.stderr.includes('registered'), 20_000, `register (${callee.out.stderr})`);
    const caller = sealwire([
      'wamp',
      'call',
      'com.cli.balance',
      'acct-7',
      ...common,
      '--jose-to',
      join(dir, 'service.pub.jwk'),
      '--jose-prefix',
      'com.cli.',
    ]);
    assert.equal(await within(caller.exited, 20_000, 'call'), 0, caller.out.stderr);
    assert.deepEqual(JSON.parse(caller.out.stdout), { args: [{ balance: 42 }], kwargs: {}, encrypted: true });
    assert.equal(await within(callee.exited, 20_000, 'callee exit'), 0, callee.out.stderr);
    assert.deepEqual(JSON.parse(callee.out.stdout), {
      procedure: 'com.cli.balance',
      args: ['acct-7'],
      kwargs: {},
      encrypted: true,
    });
  } finally {
    if (callee.child.exitCode === null) callee.child.kill('SIGKILL');
  }
});

test('usage errors exit 2 with a message; a refused session exits 1', async () => {
  const badSerializer = sealwire(['wamp', 'publish', 'com.x', '--url', router.url, '--serializer', 'xml']);
  assert.equal(await badSerializer.exited, 2);
  assert.match(badSerializer.out.stderr, /--serializer must be one of: json, msgpack, cbor/);
  const noSecret = sealwire([
    'wamp',
    'publish',
    'com.x',
    '--url',
    router.url,
    '--auth',
    'ticket',
    '--authid',
    'a',
  ]);
  assert.equal(await noSecret.exited, 2);
  assert.match(noSecret.out.stderr, /needs --secret-file FILE or SEALWIRE_WAMP_SECRET/);
  const wrongRealm = sealwire(['wamp', 'publish', 'com.x', '--url', router.url, '--realm', 'nowhere']);
  assert.equal(await wrongRealm.exited, 1);
  assert.match(wrongRealm.out.stderr, /wamp\.error\.no_such_realm/);
});

/** Runs a command to its end (bounded), for the short ones. */
async function finished(args: string[], ms = 20_000) {
  const run = sealwire(args);
  const code = await within(run.exited, ms, args.join(' '));
  return { code, ...run.out };
}

test('wamp keygen -o FILE writes the key or keyring 0600, never over an existing file', async () => {
  const pair = join(dir, 'pair.json');
  const made = await finished(['wamp', 'keygen', '-o', pair]);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, '');
  const key = JSON.parse(await readFile(pair, 'utf8')) as { privateKey: string; publicKey: string };
  assert.match(made.stderr, new RegExp(`public key: ${key.publicKey.replace(/[+/]/g, '\\$&')}`));
  assert.equal((await stat(pair)).mode & 0o777, 0o600);
  const ring = join(dir, 'ring.json');
  assert.equal((await finished(['wamp', 'keygen', '--prefix', 'com.ring', '-o', ring])).code, 0);
  assert.equal(typeof JSON.parse(await readFile(ring, 'utf8'))['com.ring'], 'string');
  assert.equal((await stat(ring)).mode & 0o777, 0o600);
  const again = await finished(['wamp', 'keygen', '-o', pair]);
  assert.equal(again.code, 2, again.stderr);
  assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
  assert.deepEqual(JSON.parse(await readFile(pair, 'utf8')), key);
});

test('the echo callee answers with exactly the args and kwargs it got; call --json is one document', {
  timeout: 60_000,
}, async () => {
  const callee = sealwire(['wamp', 'register', 'com.cli.echo', '--url', router.url, '--count', '2']);
  try {
    await waitFor(() => callee.out.stderr.includes('registered'), 20_000, `register (${callee.out.stderr})`);
    const line = await finished([
      'wamp',
      'call',
      'com.cli.echo',
      '1',
      '2',
      '--kwargs',
      '{"a":1}',
      '--url',
      router.url,
    ]);
    assert.equal(line.code, 0, line.stderr);
    assert.equal(line.stdout, '{"args":[1,2],"kwargs":{"a":1},"encrypted":false}\n');
    const doc = await finished([
      'wamp',
      'call',
      'com.cli.echo',
      'x',
      '--json',
      '--timeout',
      '5s',
      '--url',
      router.url,
    ]);
    assert.equal(doc.code, 0, doc.stderr);
    assert.ok(doc.stdout.split('\n').length > 2, 'indented, over several lines');
    assert.deepEqual(JSON.parse(doc.stdout), { args: ['x'], kwargs: {}, encrypted: false });
    assert.equal(await within(callee.exited, 20_000, 'callee exit'), 0, callee.out.stderr);
    assert.deepEqual(
      callee.out.stdout
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text)),
      [
        { procedure: 'com.cli.echo', args: [1, 2], kwargs: { a: 1 }, encrypted: false },
        { procedure: 'com.cli.echo', args: ['x'], kwargs: {}, encrypted: false },
      ],
    );
  } finally {
    if (callee.child.exitCode === null) callee.child.kill('SIGKILL');
  }
});

test('every number, duration and name of the wamp commands is checked: exit 2, one line naming the flag', {
  timeout: 120_000,
}, async () => {
  const url = ['--url', router.url];
  const cases: Array<[string[], RegExp]> = [
    [['wamp', 'call', 'com.x', '--timeout', 'abc', ...url], /--timeout must be a positive duration/],
    [['wamp', 'call', 'com.x', '--timeout', '-5', ...url], /--timeout must be a positive duration/],
    [['wamp', 'call', 'com.x', '--kwargs', '[1]', ...url], /--kwargs must be a JSON object/],
    [['wamp', 'publish', 'com.x', '--kwargs', 'nope', ...url], /--kwargs must be a JSON object/],
    [['wamp', 'subscribe', 'com.x', '--count', '0', ...url], /--count must be a whole number/],
    [['wamp', 'subscribe', 'com.x', '--count', 'many', ...url], /--count must be a whole number/],
    [['wamp', 'register', 'com.x', '--count', '1.5', ...url], /--count must be a whole number/],
    [
      ['wamp', 'subscribe', 'com.x', '--match', 'fuzzy', ...url],
      /--match must be one of: exact, prefix, wildcard/,
    ],
    [['wamp', 'call', 'com.x', '--serializer', 'xml', ...url], /--serializer must be one of/],
    [['wamp', 'register', 'com.x', '--auth', 'password', ...url], /--auth must be one of: anonymous, ticket/],
    [
      ['wamp', 'publish', 'com.x', '--url', 'http://127.0.0.1:1/ws'],
      /--url must be a ws:\/\/ or wss:\/\/ URL/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => finished(args, 60_000)));
  runs.forEach((run, i) => {
    const [args, message] = cases[i]!;
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    assert.equal(run.stdout, '');
  });
});

test('a dead relay: one sentence, exit 1, no stack', { timeout: 60_000 }, async () => {
  const dead = await freePort();
  const url = `ws://127.0.0.1:${dead}/ws`;
  for (const command of [
    ['call', 'com.x'],
    ['subscribe', 'com.x'],
    ['publish', 'com.x', 'hi'],
  ]) {
    const run = await finished(['wamp', ...command, '--url', url]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`connection refused: is the relay running at ${url.replace(/[.]/g, '\\.')}\\?`),
    );
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  }
});

test('--cryptobox: publishing to a topic no key covers is refused unless --allow-clear', {
  timeout: 60_000,
}, async () => {
  const ring = join(dir, 'box.json');
  const keygen = await finished(['wamp', 'keygen', '--prefix', 'com.secret']);
  assert.equal(keygen.code, 0, keygen.stderr);
  await writeFile(ring, keygen.stdout);
  const events: EventInfo[] = [];
  const listener = await connect({ url: router.url, realm: 'realm1', reconnect: false });
  try {
    await listener.subscribe('com.secert.typo', (event) => void events.push(event));
    const refused = await finished([
      'wamp',
      'publish',
      'com.secert.typo',
      'pin 1234',
      '--cryptobox',
      ring,
      '--url',
      router.url,
    ]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /no key of --cryptobox\/--jose-\* covers com\.secert\.typo: .*--allow-clear.*\[ERR_CLEAR_NOT_ALLOWED\]/,
    );
    const callee = await finished([
      'wamp',
      'register',
      'com.secert.echo',
      '--cryptobox',
      ring,
      '--url',
      router.url,
    ]);
    assert.equal(callee.code, 1, callee.stderr);
    assert.match(callee.stderr, /ERR_CLEAR_NOT_ALLOWED/);
    const allowed = await finished([
      'wamp',
      'publish',
      'com.secert.typo',
      'on purpose',
      '--cryptobox',
      ring,
      '--allow-clear',
      '--url',
      router.url,
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    await waitFor(() => events.length === 1);
    assert.deepEqual([events[0]!.args, events[0]!.encrypted], [['on purpose'], false]);
  } finally {
    await listener.close(500);
  }
});

test('subscribe: reconnect notices on stderr, and events again after the relay is back', {
  timeout: 60_000,
}, async () => {
  let relay = await startRouter();
  const port = relay.port;
  const subscriber = sealwire(['wamp', 'subscribe', 'com.cli.again', '--url', relay.url]);
  try {
    await waitFor(() => subscriber.out.stderr.includes('subscribed to'), 20_000, subscriber.out.stderr);
    await relay.close();
    await waitFor(
      () => /connection lost \(.+\); reconnecting in \d+(\.\d)?s/.test(subscriber.out.stderr),
      10_000,
      `the lost notice (${subscriber.out.stderr})`,
    );
    relay = await startRouterOn(port);
    await waitFor(
      () => /\nreconnected\n/.test(subscriber.out.stderr),
      20_000,
      `reconnected (${subscriber.out.stderr})`,
    );
    const publisher = await connect({ url: relay.url, realm: 'realm1', reconnect: false });
    try {
      // The subscription comes back right after the rejoin; publish until it is there.
      for (let i = 0; i < 100 && !subscriber.out.stdout.includes('after'); i++) {
        await publisher.publish('com.cli.again', ['after'], undefined, { acknowledge: true });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await publisher.close(500);
    }
    assert.match(subscriber.out.stdout, /"args":\["after"\]/);
    assert.doesNotMatch(subscriber.out.stderr, /\n\s+at /);
  } finally {
    subscriber.child.kill('SIGKILL');
    await relay.close().catch(() => {});
  }
});

test('subscribe | head -1: prints one event and ends quietly', { timeout: 60_000 }, async () => {
  const command = [process.execPath, ...CLI_ARGS, 'wamp', 'subscribe', 'com.cli.head', '--url', router.url]
    .map((word) => `'${word}'`)
    .join(' ');
  const child = spawn('bash', ['-c', `${command} | head -1; echo "status \${PIPESTATUS[0]}" >&2`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const publisher = await connect({ url: router.url, realm: 'realm1', reconnect: false });
  try {
    await waitFor(() => stderr.includes('subscribed to'), 20_000, stderr);
    let ended = false;
    void exited.then(() => (ended = true));
    // The first event goes through head; a later one finds the pipe closed.
    for (let i = 0; i < 200 && !ended; i++) {
      await publisher.publish('com.cli.head', [i], undefined, { acknowledge: true });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(await within(exited, 10_000, 'the pipeline to end'), 0);
    assert.deepEqual(JSON.parse(stdout), { topic: 'com.cli.head', args: [0], kwargs: {}, encrypted: false });
    assert.match(stderr, /status (0|141)\n/);
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await publisher.close(500);
  }
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A router on a given port (the relay "coming back" where it was). */
async function startRouterOn(port: number): Promise<TestRouter> {
  const { createServer } = await import('node:http');
  const { createWampEndpoint, Router } = await import('sealwire/wamp/router');
  const created = new Router();
  const endpoint = createWampEndpoint(created, { pingIntervalMs: 0, closeGraceMs: 200 });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    router: created,
    endpoint,
    server,
    async close() {
      await endpoint.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
