/**
 * Hidden prompts on a real terminal (a pty from util-linux `script`): `age encrypt -p` asks for the
 * passphrase twice and `age decrypt` once, on the terminal even when stdin carries the data; a key file's
 * password is asked once. Nothing typed is ever echoed; different answers, an empty answer (Enter or
 * Ctrl-D) are usage errors; Ctrl-C at a prompt exits 130 and leaves no output or temporary file behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';
import { spawnChild } from '../tunnel/support.ts';
import { scratch } from './process-control.ts';

const dir = scratch('prompts');
const at = (name: string) => join(dir, name);
writeFileSync(at('plain.txt'), 'the plaintext\n');
const PASSPHRASE = 'correct horse battery';

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
const sw = [process.execPath, ...CLI_ARGS].map(quote).join(' ');

/** `shell` (a command line in which `sw` runs the CLI) on a pty; the passphrase variables are unset. */
function onTerminal(shell: string) {
  const running = spawnChild('script', ['-qec', shell, '/dev/null'], {
    SEALWIRE_AGE_PASSPHRASE: '',
    SEALWIRE_KEY_PASSWORD: '',
  });
  let mark = 0;
  return {
    ...running,
    /** Waits for `prompt` after the previous one, then types `keys`. */
    async answer(prompt: RegExp, keys: string) {
      const match = await running.waitFor(prompt, { from: mark });
      mark += match.index + match[0].length;
      running.child.stdin!.write(keys);
    },
  };
}

const temporaryFiles = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

test('age encrypt -p asks twice, decrypt once, and nothing typed is echoed', {
  timeout: 60_000,
}, async () => {
  const encrypt = onTerminal(
    `${sw} age encrypt -p --work-factor 10 -o ${quote(at('p.age'))} ${quote(at('plain.txt'))}`,
  );
  try {
    await encrypt.answer(/Enter passphrase: /, `${PASSPHRASE}\r`);
    await encrypt.answer(/Confirm passphrase: /, `${PASSPHRASE}\r`);
    assert.equal(await encrypt.exited(), 0, encrypt.output());
    assert.doesNotMatch(encrypt.output(), /correct|horse/, 'the passphrase is never echoed');
  } finally {
    await encrypt.stop('SIGKILL');
  }
  // Asked on the terminal, not on stdin, which carries the file.
  const decrypt = onTerminal(`${sw} age decrypt < ${quote(at('p.age'))}`);
  try {
    await decrypt.answer(/Enter passphrase: /, `${PASSPHRASE}\r`);
    assert.equal(await decrypt.exited(), 0, decrypt.output());
    assert.match(decrypt.output(), /the plaintext/);
    assert.doesNotMatch(decrypt.output(), /Confirm passphrase|correct|horse/);
  } finally {
    await decrypt.stop('SIGKILL');
  }
  const checked = await sealwire(['age', 'decrypt', at('p.age')], {
    env: { SEALWIRE_AGE_PASSPHRASE: PASSPHRASE },
  });
  assert.equal(checked.stdout.toString(), 'the plaintext\n', checked.stderr);
});

test('a data stream on stdin and the passphrase on the terminal: printf ... | age encrypt -p', {
  timeout: 60_000,
}, async () => {
  const encrypt = onTerminal(`printf 'piped data' | ${sw} age encrypt -p --work-factor 10 -a`);
  try {
    await encrypt.answer(/Enter passphrase: /, `${PASSPHRASE}\r`);
    await encrypt.answer(/Confirm passphrase: /, `${PASSPHRASE}\r`);
    assert.equal(await encrypt.exited(), 0, encrypt.output());
    const armored = /-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----/.exec(
      encrypt.output(),
    );
    assert.ok(armored, encrypt.output());
    const opened = await sealwire(['age', 'decrypt'], {
      input: armored[0].replaceAll('\r\n', '\n'),
      env: { SEALWIRE_AGE_PASSPHRASE: PASSPHRASE },
    });
    assert.equal(opened.stdout.toString(), 'piped data', opened.stderr);
  } finally {
    await encrypt.stop('SIGKILL');
  }
});

test('different answers, Enter and Ctrl-D are one-line usage errors', { timeout: 60_000 }, async () => {
  const differ = onTerminal(
    `${sw} age encrypt -p --work-factor 10 -o ${quote(at('differ.age'))} ${quote(at('plain.txt'))}`,
  );
  await differ.answer(/Enter passphrase: /, `${PASSPHRASE}\r`);
  await differ.answer(/Confirm passphrase: /, `${PASSPHRASE}!\r`);
  assert.equal(await differ.exited(), 2, differ.output());
  assert.match(differ.output(), /the passphrases do not match/);
  assert.ok(!existsSync(at('differ.age')));
  for (const keys of ['\r', '\x04']) {
    const empty = onTerminal(`${sw} age decrypt ${quote(at('p.age'))}`);
    await empty.answer(/Enter passphrase: /, keys);
    assert.equal(await empty.exited(), 2, empty.output());
    assert.match(empty.output(), /empty passphrase/);
  }
});

test('Ctrl-C at a prompt exits 130 and leaves no output file', { timeout: 60_000 }, async () => {
  const decrypt = onTerminal(`${sw} age decrypt -o ${quote(at('out.txt'))} ${quote(at('p.age'))}`);
  await decrypt.answer(/Enter passphrase: /, 'half typ');
  // The header is read, so the output is being written: its temporary file exists while the prompt waits.
  assert.equal(temporaryFiles().length, 1);
  decrypt.child.stdin!.write('\x03');
  assert.equal(await decrypt.exited(), 130, decrypt.output());
  assert.ok(!existsSync(at('out.txt')), 'no output under the chosen name');
  assert.deepEqual(temporaryFiles(), [], 'no temporary file left');
  assert.doesNotMatch(decrypt.output(), /half typ/);
  const encrypt = onTerminal(`${sw} age encrypt -p -o ${quote(at('never.age'))} ${quote(at('plain.txt'))}`);
  await encrypt.answer(/Enter passphrase: /, '\x03');
  assert.equal(await encrypt.exited(), 130, encrypt.output());
  assert.ok(!existsSync(at('never.age')));
});

test("a protected key file's password is asked once, hidden; Ctrl-C there exits 130", {
  timeout: 60_000,
}, async () => {
  writeFileSync(at('pw.txt'), 'key file password\n');
  const made = await sealwire(['keygen', '--out', at('locked'), '--password-file', at('pw.txt')]);
  assert.equal(made.code, 0, made.stderr);
  const sealed = await sealwire(['seal', '--to', at('locked.pub.jwk')], { input: 'for the key' });
  writeFileSync(at('msg.jwe'), sealed.stdout);
  const command = `${sw} open --key ${quote(at('locked.jwk'))} --in ${quote(at('msg.jwe'))}`;
  const open = onTerminal(command);
  await open.answer(/password for .*locked\.jwk: /, 'key file password\r');
  assert.equal(await open.exited(), 0, open.output());
  assert.match(open.output(), /for the key/);
  assert.doesNotMatch(open.output(), /file password/);
  const cancelled = onTerminal(command);
  await cancelled.answer(/password for .*locked\.jwk: /, '\x03');
  assert.equal(await cancelled.exited(), 130, cancelled.output());
});
