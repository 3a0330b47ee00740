/**
 * The admin password: a first start (which creates the data directory) refuses a weak one from any source,
 * saying why; on a terminal the first start asks twice and the answers must match (driven through a real
 * pty with util-linux `script`, and as a unit); later starts ask once. Without a password and without a
 * terminal the message names the real flag, `--admin-password-file`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminPasswordProblem, chooseAdminPassword, initServiceDir } from 'sealwire/tunnel';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';
import { freePort, spawnChild, startRelayAt } from './support.ts';

const base = mkdtempSync(join(tmpdir(), 'sealwire-adminpw-'));
// A relay that is not there: a refused password never gets as far as connecting.
const nowhere = 'ws://127.0.0.1:9';

test('first start refuses a weak admin password from the environment or a file, creating nothing', async () => {
  for (const weak of ['abc', 'short pass', 'aaaaaaaaaaaaaaaa']) {
    const dataDir = join(base, 'weak-env');
    const result = await sealwire(
      ['service', 'start', '--id', 'weak', '--relay', nowhere, '--data-dir', dataDir],
      { env: { SEALWIRE_ADMIN_PASSWORD: weak } },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /admin password is too weak: .*(use at least 12|more different ones)/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.ok(!existsSync(dataDir), 'no data directory was created');
  }
  const file = join(base, 'weak.txt');
  writeFileSync(file, 'abc\n', { mode: 0o600 });
  const dataDir = join(base, 'weak-file');
  const result = await sealwire(
    [
      'service',
      'start',
      '--id',
      'weak',
      '--relay',
      nowhere,
      '--data-dir',
      dataDir,
      '--admin-password-file',
      file,
    ],
    { env: { SEALWIRE_ADMIN_PASSWORD: '' } },
  );
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /admin password is too weak: it has 3 characters; use at least 12/);
  assert.ok(!existsSync(dataDir));
  // The library refuses it as well: no caller can create a data dir under a trivial password.
  await assert.rejects(initServiceDir(join(base, 'weak-lib'), { serviceId: 'weak', adminPassword: 'abc' }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /too weak/,
  });
});

test('without a password and without a terminal, the message names --admin-password-file', async () => {
  const noPassword = { env: { SEALWIRE_ADMIN_PASSWORD: '' } };
  const existing = join(base, 'nopw-existing');
  await initServiceDir(existing, { serviceId: 'nopw', adminPassword: 'an admin password' });
  for (const args of [
    ['service', 'start', '--id', 'nopw', '--relay', nowhere, '--data-dir', join(base, 'nopw')],
    ['service', 'start', '--relay', nowhere, '--data-dir', existing],
    ['service', 'issue-token', '--data-dir', existing],
    ['service', 'renew-cert', '--data-dir', existing],
  ]) {
    const result = await sealwire(args, noPassword);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--admin-password-file FILE or set SEALWIRE_ADMIN_PASSWORD/);
    assert.doesNotMatch(result.stderr, /(^|\s)--password-file/);
  }
});

test('the terminal flow: a weak answer is explained, two different answers are refused, then one is confirmed', async () => {
  const script = (answers: string[]) => {
    const asked: string[] = [];
    const said: string[] = [];
    return {
      asked,
      said,
      ask: async (prompt: string) => {
        asked.push(prompt);
        const answer = answers.shift();
        if (answer === undefined) throw new Error('asked once too often');
        return answer;
      },
      say: (line: string) => said.push(line),
    };
  };
  const good = script([
    'abc',
    'correct horse battery',
    'correct horse batterY',
    'correct horse battery',
    'correct horse battery',
  ]);
  assert.equal(await chooseAdminPassword(good.ask, good.say), 'correct horse battery');
  assert.deepEqual(good.asked, [
    'new admin password: ',
    'new admin password: ',
    'the same again: ',
    'new admin password: ',
    'the same again: ',
  ]);
  assert.match(good.said[0]!, /too weak: it has 3 characters; use at least 12/);
  assert.match(good.said[1]!, /the two answers differ/);
  const stubborn = script(['abc', 'abc', 'abc']);
  await assert.rejects(chooseAdminPassword(stubborn.ask, stubborn.say), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /no admin password chosen after 3 tries/,
  });
  assert.equal(adminPasswordProblem('a long enough passphrase'), undefined);
  assert.match(adminPasswordProblem('abc') ?? '', /at least 12/);
});

test('on a real terminal (a pty from `script`): asks twice on first start, refuses abc, once afterwards; Ctrl-C exits 130', {
  timeout: 90_000,
}, async () => {
  const relay = await startRelayAt(await freePort());
  const dataDir = join(base, 'tty');
  const command = (args: string[]) =>
    [process.execPath, ...CLI_ARGS, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const onTerminal = (args: string[]) =>
    spawnChild('script', ['-qec', command(args), '/dev/null'], { SEALWIRE_ADMIN_PASSWORD: '' });
  const first = onTerminal([
    'service',
    'start',
    '--id',
    'tty-1',
    '--relay',
    relay.url,
    '--data-dir',
    dataDir,
  ]);
  try {
    let mark = 0;
    const answer = async (prompt: RegExp, text: string) => {
      const match = await first.waitFor(prompt, { from: mark });
      mark += match.index + match[0].length;
      first.child.stdin!.write(`${text}\r`);
    };
    await answer(/new admin password: /, 'abc');
    await first.waitFor(/too weak: it has 3 characters; use at least 12/, { from: mark });
    await answer(/new admin password: /, 'correct horse battery');
    await answer(/the same again: /, 'correct horse battery');
    await first.waitFor(/service tty-1 created and registered/, { from: mark });
    assert.doesNotMatch(first.output(), /correct horse/, 'the password is never echoed');
    // Ctrl-C on the terminal: the line discipline sends SIGINT to the service.
    first.child.stdin!.write('\x03');
    assert.equal(await first.exited(), 130);
    assert.match(first.output(), /service stopped/);

    const again = onTerminal(['service', 'start', '--relay', relay.url, '--data-dir', dataDir]);
    try {
      await again.waitFor(/admin password: /);
      again.child.stdin!.write('correct horse battery\r');
      await again.waitFor(/service tty-1 registered at/);
      assert.doesNotMatch(again.output(), /the same again|new admin password/);
    } finally {
      again.child.stdin!.write('\x03');
      await again.exited().catch(() => again.stop('SIGKILL'));
    }
  } finally {
    await first.stop('SIGKILL');
    await relay.stop();
  }
});

test('`--admin-password-file -` on a terminal is a prompt too: a first start asks twice, whatever the environment holds', {
  timeout: 60_000,
}, async () => {
  const dataDir = join(base, 'tty-dash');
  const command = [
    process.execPath,
    ...CLI_ARGS,
    ...[
      'service',
      'start',
      '--id',
      'tty-2',
      '--relay',
      nowhere,
      '--data-dir',
      dataDir,
      '--admin-password-file',
      '-',
    ],
  ]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  // A weak password in the environment: were it used, the start would fail as too weak without a prompt.
  const child = spawnChild('script', ['-qec', command, '/dev/null'], { SEALWIRE_ADMIN_PASSWORD: 'abc' });
  try {
    let mark = 0;
    const answer = async (prompt: RegExp, text: string) => {
      const match = await child.waitFor(prompt, { from: mark });
      mark += match.index + match[0].length;
      child.child.stdin!.write(`${text}\r`);
    };
    await answer(/new admin password: /, 'correct horse battery');
    await answer(/the same again: /, 'correct horse battery staple');
    await child.waitFor(/the two answers differ/, { from: mark });
    await answer(/new admin password: /, 'correct horse battery');
    await answer(/the same again: /, 'correct horse battery');
    // Created, then it tries the relay that is not there (and keeps retrying): the choice was accepted.
    await child.waitFor(/created|connection refused|reconnecting/i, { from: mark });
    assert.doesNotMatch(child.output(), /correct horse/, 'the password is never echoed');
  } finally {
    child.child.stdin!.write('\x03');
    await child.exited().catch(() => child.stop('SIGKILL'));
    await child.stop('SIGKILL');
  }
});
