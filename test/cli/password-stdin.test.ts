/**
 * `--password-file /dev/stdin` (as the help of `keys create` suggests) and `--password-file -` read the
 * password from stdin, whatever stdin is: the socket a parent process gives its child (where opening
 * /dev/stdin fails with ENXIO), a shell pipe, or a file. The password is stdin less one final newline.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';
import { scratch } from './process-control.ts';

const dir = scratch('password-stdin');
const at = (name: string) => join(dir, name);

/** Checks that the key file `name.jwk` opens with `password` (through the environment variable). */
async function opensWith(name: string, password: string): Promise<void> {
  const sealed = await sealwire(['seal', '--to', at(`${name}.jwk`)], { input: 'locked' });
  assert.equal(sealed.code, 0, sealed.stderr);
  const opened = await sealwire(['open', '--key', at(`${name}.jwk`)], {
    input: sealed.stdout,
    env: { SEALWIRE_KEY_PASSWORD: password },
  });
  assert.equal(opened.code, 0, `${name}: ${opened.stderr}`);
  assert.equal(opened.stdout.toString(), 'locked');
}

test('keygen --password-file /dev/stdin and - from a piped stdin (a socket)', async () => {
  for (const [name, file] of [
    ['dev-stdin', '/dev/stdin'],
    ['dash', '-'],
  ] as const) {
    const made = await sealwire(['keygen', '--out', at(name), '--password-file', file], {
      input: 'pw one\n',
    });
    assert.equal(made.code, 0, `${file}: ${made.stderr}`);
    assert.match(made.stderr, /password-protected/);
    await opensWith(name, 'pw one');
  }
});

test("printf 'pw\\n' | sealwire ... --password-file /dev/stdin (a real shell pipe)", async () => {
  const command = [
    process.execPath,
    ...CLI_ARGS,
    'keygen',
    '--out',
    at('shell'),
    '--password-file',
    '/dev/stdin',
  ]
    .map((word) => `'${word}'`)
    .join(' ');
  const result = spawnSync('bash', ['-c', `printf 'pw\\n' | ${command}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  await opensWith('shell', 'pw');
});

test('keys create --password-file /dev/stdin sets up a password keyring', async () => {
  const created = await sealwire(
    ['keys', 'create', 'ledger_key', '--dir', at('keyring'), '--password-file', '/dev/stdin'],
    {
      input: 'keyring pw\n',
    },
  );
  assert.equal(created.code, 0, created.stderr);
  const rotated = await sealwire(['keys', 'rotate', 'ledger_key', '--dir', at('keyring')], {
    env: { SEALWIRE_KEYRING_PASSWORD: 'keyring pw' },
  });
  assert.equal(rotated.code, 0, `the password was read without its newline: ${rotated.stderr}`);
});

test('empty stdin, and stdin needed twice, are one-line usage errors', async () => {
  const empty = await sealwire(['keygen', '--out', at('empty'), '--password-file', '/dev/stdin'], {
    input: '',
  });
  assert.equal(empty.code, 2);
  assert.equal(empty.stderr, 'sealwire: no password on stdin (it was empty)\n');
  writeFileSync(at('pw.txt'), 'pw\n');
  assert.equal((await sealwire(['keygen', '--out', at('k'), '--password-file', at('pw.txt')])).code, 0);
  const twice = await sealwire(['open', '--key', at('k.jwk'), '--password-file', '-'], { input: 'x' });
  assert.equal(twice.code, 2);
  assert.match(
    twice.stderr,
    /^sealwire: --password-file reads stdin, which already carries the input: pass --in FILE\n$/,
  );
});
