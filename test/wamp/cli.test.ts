/**
 * `sealwire wamp register|call` with JOSE keys from `sealwire keygen` (the CLI composes sealwire/seal into
 * the wamp JOSE codec), and usage errors with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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
  assert.match(badSerializer.out.stderr, /unknown --serializer xml/);
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
