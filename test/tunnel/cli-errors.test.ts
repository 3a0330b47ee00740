/**
 * What the `service` and `call` commands say when the user got something wrong: a data dir that is not there,
 * a `--handlers` module that is missing or is TypeScript under plain node (the installed CLI, built here into
 * a scratch package), bad numbers, durations, booleans, URLs and ids (exit 2, naming the flag), and a relay
 * that is not running ("connection refused: is the relay running at URL?", exit 1). Also `service status`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initServiceDir } from 'sealwire/tunnel';
import { sealwire } from '../helpers/cli.ts';
import { freePort, spawnCli, startRelayAt } from './support.ts';

const root = new URL('../..', import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), 'sealwire-tcli-errors-'));
const PASSWORD = 'errors admin password';
const env = { SEALWIRE_ADMIN_PASSWORD: PASSWORD };
const missing = join(base, 'nope');

function assertOneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /unexpected error|ENOENT|ERR_MODULE_NOT_FOUND/);
}

test('a missing data dir is a usage error saying what to do, for every command that reads one', async () => {
  for (const command of ['fingerprint', 'identity', 'status', 'settings', 'issue-token', 'renew-cert']) {
    const result = await sealwire(['service', command, '--data-dir', missing], { env });
    assert.equal(result.code, 2, `${command}: ${result.stderr}`);
    assert.match(
      result.stderr,
      new RegExp(
        `${missing} does not hold a service .*check --data-dir, or create it with \`sealwire service start --id ID`,
      ),
      command,
    );
    assertOneLine(result.stderr);
  }
});

test('--handlers: a missing module and a broken one are usage errors, checked before anything is created', async () => {
  const relay = 'ws://127.0.0.1:9';
  const dataDir = join(base, 'handlers-missing');
  const absent = await sealwire(
    [
      'service',
      'start',
      '--id',
      'h-1',
      '--relay',
      relay,
      '--data-dir',
      dataDir,
      '--handlers',
      './no-such.mjs',
    ],
    { env },
  );
  assert.equal(absent.code, 2, absent.stderr);
  assert.match(absent.stderr, /--handlers \.\/no-such\.mjs: no such file; pass the path of a JS module/);
  assertOneLine(absent.stderr);
  const broken = join(base, 'broken.mjs');
  writeFileSync(broken, 'export default {\n');
  const syntax = await sealwire(
    ['service', 'start', '--id', 'h-1', '--relay', relay, '--data-dir', dataDir, '--handlers', broken],
    { env },
  );
  assert.equal(syntax.code, 2, syntax.stderr);
  assert.match(syntax.stderr, /--handlers .*broken\.mjs could not be loaded: /);
  assertOneLine(syntax.stderr);
  const notObject = join(base, 'number.mjs');
  writeFileSync(notObject, 'export default 42;\n');
  const shape = await sealwire(
    ['service', 'start', '--id', 'h-1', '--relay', relay, '--data-dir', dataDir, '--handlers', notObject],
    { env },
  );
  assert.equal(shape.code, 2, shape.stderr);
  assert.match(shape.stderr, /must export default an object of RPC handlers/);
  assert.ok(!existsSync(dataDir), 'no data dir was created');
});

test('--handlers with a .ts module under the installed (compiled, plain node) CLI: "compile it to .js", exit 2', {
  timeout: 120_000,
}, async () => {
  // The package as `npm install` leaves it: dist/ built by tsc, bin/sealwire.js, run by plain node.
  const pkg = join(base, 'package');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'bin/sealwire.js'), join(pkg, 'bin/sealwire.js'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  const build = spawnSync(
    join(root, 'node_modules/.bin/tsc'),
    ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')],
    { cwd: root, timeout: 100_000 },
  );
  assert.ok(existsSync(join(pkg, 'dist/cli/main.js')), build.stdout.toString());
  const handlers = join(base, 'handlers.ts');
  writeFileSync(
    handlers,
    'export default { hi: (): string => "hi" } satisfies Record<string, () => string>;\n',
  );
  const result = spawnSync(
    process.execPath,
    [
      join(pkg, 'bin/sealwire.js'),
      'service',
      'start',
      '--id',
      'h-ts',
      '--relay',
      'ws://127.0.0.1:9',
      '--data-dir',
      join(base, 'h-ts'),
      '--handlers',
      handlers,
    ],
    { env: { ...process.env, ...env }, timeout: 60_000 },
  );
  const stderr = result.stderr.toString();
  assert.equal(result.status, 2, stderr);
  assert.match(
    stderr,
    /is TypeScript, which plain node cannot load: compile it to \.js .*and pass the \.js file/,
  );
  assertOneLine(stderr);
  // Its help says what it takes.
  const help = spawnSync(process.execPath, [join(pkg, 'bin/sealwire.js'), 'service', 'start', '--help']);
  assert.match(help.stdout.toString(), /--handlers <module>\s+JS module/);
});

test('numbers, durations, booleans, URLs and ids are checked when the command line is read (exit 2)', async () => {
  const dataDir = join(base, 'parsers');
  await initServiceDir(dataDir, { serviceId: 'parsers', adminPassword: PASSWORD });
  const cases: [string[], RegExp][] = [
    [
      ['call', '--relay', 'ws://127.0.0.1:9', '--service', 'x', '--deadline', 'abc', 'ping'],
      /--deadline must be a positive duration/,
    ],
    [['call', '--relay', 'ws://127.0.0.1:9', '--service', 'x', '--deadline', '-5', 'ping'], /--deadline/],
    [
      ['call', '--relay', 'not a url', '--service', 'x', '--insecure', 'ping'],
      /--relay must be a ws:\/\/ or wss:\/\/ URL/,
    ],
    [
      ['call', '--relay', 'ws://127.0.0.1:9', '--service', 'Bad_Id', '--insecure', 'ping'],
      /--service must be/,
    ],
    [['service', 'issue-token', '--data-dir', dataDir, '--ttl', 'abc'], /--ttl must be a positive duration/],
    [['service', 'issue-token', '--data-dir', dataDir, '--ttl', '500ms'], /--ttl must be at least 1 second/],
    [
      ['service', 'settings', '--data-dir', dataDir, '--require-e2ee', 'maybe'],
      /--require-e2ee must be true or false/,
    ],
    [
      ['service', 'settings', '--data-dir', dataDir, '--require-session-verification', '2'],
      /--require-session-verification must be true or false/,
    ],
    [
      [
        'service',
        'start',
        '--id',
        'Bad_Id',
        '--relay',
        'ws://127.0.0.1:9',
        '--data-dir',
        join(base, 'bad-id'),
      ],
      /--id must be/,
    ],
    [
      ['service', 'start', '--relay', 'ftp://x', '--data-dir', dataDir],
      /--relay must be a ws:\/\/ or wss:\/\/ URL/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await sealwire(args, { env });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  // The durations that are valid are taken.
  const token = await sealwire(['service', 'issue-token', '--data-dir', dataDir, '--ttl', '90s'], { env });
  assert.equal(token.code, 0, token.stderr);
  const settings = await sealwire(['service', 'settings', '--data-dir', dataDir, '--require-e2ee', 'false']);
  assert.equal(settings.code, 0, settings.stderr);
  assert.equal(JSON.parse(settings.stdout.toString()).require_e2ee, false);
});

test('a relay that is not running: "connection refused: is the relay running at URL?", exit 1', async () => {
  const url = `ws://127.0.0.1:${await freePort()}`;
  const call = await sealwire(['call', '--relay', url, '--service', 'x', '--insecure', 'capabilities']);
  assert.equal(call.code, 1, call.stderr);
  assert.match(call.stderr, new RegExp(`connection refused: is the relay running at ${url}\\?`));
  assertOneLine(call.stderr);
  const start = await sealwire(
    ['service', 'start', '--id', 'dead-relay', '--relay', url, '--data-dir', join(base, 'dead-relay')],
    { env },
  );
  assert.equal(start.code, 1, start.stderr);
  assert.match(start.stderr, new RegExp(`connection refused: is the relay running at ${url}\\?`));
});

test('service status: one JSON document with --json, whether it runs and with which pid', {
  timeout: 60_000,
}, async () => {
  const relay = await startRelayAt(await freePort());
  const dataDir = join(base, 'status');
  const service = spawnCli(
    ['service', 'start', '--id', 'status-1', '--relay', relay.url, '--data-dir', dataDir],
    env,
  );
  try {
    const fingerprint = (await service.waitFor(/^sha256 Fingerprint=(\S+)$/m))[1]!;
    const running = await sealwire(['service', 'status', '--data-dir', dataDir, '--json']);
    assert.equal(running.code, 0, running.stderr);
    const status = JSON.parse(running.stdout.toString());
    assert.deepEqual(
      { ...status, identity: typeof status.identity },
      {
        dataDir,
        serviceId: 'status-1',
        fingerprint,
        settings: { require_e2ee: true, require_session_verification: false },
        identity: 'object',
        running: true,
        pid: service.child.pid,
      },
    );
    const human = await sealwire(['service', 'status', '--data-dir', dataDir]);
    assert.match(human.stdout.toString(), new RegExp(`running \\(pid ${service.child.pid}\\)`));
    await service.stop();
    const stopped = JSON.parse(
      (await sealwire(['service', 'status', '--data-dir', dataDir, '--json'])).stdout.toString(),
    );
    assert.equal(stopped.running, false);
    assert.equal(stopped.pid, undefined);
  } finally {
    await service.stop();
    await relay.stop();
  }
});
