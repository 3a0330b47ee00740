/**
 * What goes to stderr besides errors. Progress of age encrypt and decrypt: on a terminal a bar with an
 * ETA (a real pseudo-terminal from `script`), elsewhere a percentage line every few seconds when the input
 * size is known (SEALWIRE_PROGRESS_INTERVAL shortens the 5 s for the test), never under --quiet or
 * --no-progress. Colour only on a terminal and never with NO_COLOR. --quiet silences notices.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';
import { scratch, start } from './process-control.ts';

const dir = scratch('terminal');
const at = (name: string) => join(dir, name);
writeFileSync(at('big'), Buffer.alloc(16 * 1024 * 1024, 7));
assert.equal((await sealwire(['age', 'keygen', '-o', at('age.txt')])).code, 0);
const recipient = /age1[0-9a-z]+/.exec(readFileSync(at('age.txt'), 'utf8'))![0];
assert.equal((await sealwire(['age', 'encrypt', '-r', recipient, '-o', at('big.age'), at('big')])).code, 0);

const ENCRYPT = ['age', 'encrypt', '-r', recipient, at('big')];
const DECRYPT = ['age', 'decrypt', '-i', at('age.txt'), at('big.age')];

/** Runs with stdout read slowly (paused for `pauseMs`), so the work takes that long; returns stderr. */
async function slowly(args: string[], pauseMs: number, env: Record<string, string> = {}, input?: Buffer) {
  const running = start(args, { env });
  if (input !== undefined) running.child.stdin!.end(input);
  else running.child.stdin!.end();
  running.child.stdout!.pause();
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  running.child.stdout!.resume();
  const exit = await running.exited;
  assert.equal(exit.code, 0, running.stderr());
  return running.stderr();
}

const LOG_LINE =
  /^sealwire: (encrypting|decrypting) \d{1,3}% \([\d.]+ [KM]iB of 16 MiB, [\d.]+ [KM]iB\/s, ETA [\dhms?]+\)$/m;

test('not a terminal: a percentage line every interval when the size is known', async () => {
  for (const args of [ENCRYPT, DECRYPT]) {
    const stderr = await slowly(args, 1500, { SEALWIRE_PROGRESS_INTERVAL: '300ms' });
    assert.match(stderr, LOG_LINE, `${args[1]}: ${JSON.stringify(stderr)}`);
    assert.ok(!stderr.includes('\r') && !stderr.includes('\x1b'), 'no terminal control in a log');
  }
});

test('not a terminal: no progress under --quiet, with --no-progress, for an unknown size, or before 5 s', async () => {
  const quick = { SEALWIRE_PROGRESS_INTERVAL: '300ms' };
  assert.equal(await slowly(['-q', ...ENCRYPT], 1200, quick), '');
  assert.equal(await slowly([...DECRYPT, '--no-progress'], 1200, quick), '');
  // stdin through a pipe: the size is unknown.
  assert.equal(await slowly(ENCRYPT.slice(0, -1), 1200, quick, readFileSync(at('big'))), '');
  assert.equal(await slowly(ENCRYPT, 1200), '', 'the default interval is 5 s');
});

/** Runs `command` (a shell command line) with a pseudo-terminal for stdin, stdout and stderr. */
function inTerminal(command: string, env: Record<string, string> = {}): string {
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, TERM: 'xterm', ...env },
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `${command}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

const sw = [process.execPath, ...CLI_ARGS].map((word) => `'${word}'`).join(' ');
const quoted = (args: string[]) => args.map((word) => `'${word}'`).join(' ');

test('on a terminal: a bar with a percentage and an ETA, for encrypt and decrypt', () => {
  for (const args of [ENCRYPT, DECRYPT]) {
    // stdout into a reader that waits 2.5 s: the bar shows after a second of work.
    const output = inTerminal(`${sw} ${quoted(args)} | (sleep 2.5; cat > /dev/null)`);
    assert.match(
      output,
      /(encrypting|decrypting) \[#* *\] +\d+% .* ETA \d/,
      `${args[1]}: ${JSON.stringify(output)}`,
    );
    assert.ok(output.endsWith('\r\x1b[K'), 'the bar is cleared at the end');
  }
  const quiet = inTerminal(`${sw} -q ${quoted(ENCRYPT)} | (sleep 2.5; cat > /dev/null)`);
  assert.ok(!quiet.includes('encrypting'), `--quiet: ${JSON.stringify(quiet)}`);
  const off = inTerminal(`${sw} ${quoted(DECRYPT)} --no-progress | (sleep 2.5; cat > /dev/null)`);
  assert.ok(!off.includes('decrypting'), `--no-progress: ${JSON.stringify(off)}`);
});

test('colour on a terminal only, never with NO_COLOR', async () => {
  const failing = `${sw} open --key '${at('missing.jwk')}' < /dev/null; true`;
  const coloured = inTerminal(failing);
  assert.ok(coloured.includes('\x1b[31msealwire:\x1b[39m no such file'), JSON.stringify(coloured));
  const plain = inTerminal(failing, { NO_COLOR: '1' });
  assert.ok(!plain.includes('\x1b['), `NO_COLOR: ${JSON.stringify(plain)}`);
  assert.match(plain, /sealwire: no such file/);
  const piped = await sealwire(['open', '--key', at('missing.jwk')]);
  assert.equal(piped.stderr, `sealwire: no such file: ${at('missing.jwk')}\n`, 'no colour into a pipe');
});

test('--quiet silences notices, keeps results and errors', async () => {
  const keygen = await sealwire(['-q', 'keygen', '--out', at('q')]);
  assert.equal(keygen.code, 0);
  assert.equal(keygen.stderr, '');
  assert.match(keygen.stdout.toString(), /^\S+\n$/, 'the kid is a result');
  const loud = await sealwire(['keygen', '--out', at('loud')]);
  assert.match(loud.stderr, /^wrote /);
  const ageKeygen = await sealwire(['age', 'keygen', '--quiet', '-o', at('q-age.txt')]);
  assert.equal(ageKeygen.stderr, '');
  assert.equal((await sealwire(['keygen', '--alg', 'Ed25519', '--out', at('signer')])).code, 0);
  const signed = await sealwire(['seal', '--to', at('q.pub.jwk'), '--sign', at('signer.jwk')], {
    input: 'hi',
  });
  const verified = await sealwire(['-q', 'open', '--key', at('q.jwk'), '--from', at('signer.pub.jwk')], {
    input: signed.stdout,
  });
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stderr, '');
  assert.equal(verified.stdout.toString(), 'hi');
  // A warning is not a notice: an unverified signature is said even under --quiet.
  const unverified = await sealwire(['-q', 'open', '--key', at('q.jwk')], { input: signed.stdout });
  assert.match(unverified.stderr, /signed but not verified/);
  const failed = await sealwire(['-q', 'open', '--key', at('missing.jwk')]);
  assert.match(failed.stderr, /no such file/, 'errors are never silenced');
});
