/**
 * Interrupted and failed writes leave nothing behind. `age decrypt -o` and `age encrypt -o` stream into a
 * temporary file next to the output; SIGINT, SIGTERM or SIGHUP in the middle of the write (stdin fed at the
 * test's pace, so the signal lands mid-stream) removes the temporary file, then ends the process by that
 * signal, so that a shell reports 128 + its number (130, 143, 129): no unauthenticated plaintext, no half
 * ciphertext, no output file. A decryption error mid-stream (truncation, a modified chunk) leaves nothing
 * either, with exit 1. Ctrl-C ends any command with 130.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, sealwire } from '../helpers/cli.ts';
import { list, run, scratch, shellStatus, start, waitFor } from './process-control.ts';

const dir = scratch('interrupt');
const keys = join(dir, 'keys');
mkdirSync(keys);
const identity = join(keys, 'key.txt');
const made = await sealwire(['age', 'keygen', '-o', identity]);
assert.equal(made.code, 0, made.stderr);
const recipient = /age1[0-9a-z]+/.exec(readFileSync(identity, 'utf8'))![0];
const plaintext = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < plaintext.length; i += 4096) plaintext.writeUInt32LE(i, i);
writeFileSync(join(keys, 'big'), plaintext);
const encrypted = await sealwire([
  'age',
  'encrypt',
  '-r',
  recipient,
  '-o',
  join(keys, 'big.age'),
  join(keys, 'big'),
]);
assert.equal(encrypted.code, 0, encrypted.stderr);
const ciphertext = readFileSync(join(keys, 'big.age'));

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
let caseNumber = 0;

function freshOutputDir(): string {
  const out = join(dir, `out-${caseNumber++}`);
  mkdirSync(out);
  return out;
}

/** The temporary file the command writes into, once it holds bytes. */
function temporaryWithData(out: string): string | undefined {
  return list(out).find((name) => /^\..+\.tmp$/.test(name) && statSync(join(out, name)).size > 0);
}

for (const [what, args, feed] of [
  ['age decrypt -o', ['age', 'decrypt', '-i', identity, '-o'], ciphertext.subarray(0, 2 * 1024 * 1024)],
  ['age encrypt -o', ['age', 'encrypt', '-r', recipient, '-o'], plaintext.subarray(0, 1024 * 1024)],
] as const) {
  for (const [signal, code] of Object.entries(SIGNALS)) {
    test(`${signal} during ${what}: exit ${code}, no temporary file, no output`, async () => {
      const out = freshOutputDir();
      const running = start([...args, join(out, 'result')]);
      // Part of the input only: the command keeps waiting for the rest, mid-write.
      running.child.stdin!.write(feed);
      const temporary = await waitFor(() => temporaryWithData(out), 20_000, `a temporary file in ${out}`);
      assert.match(temporary, /^\.result\.[0-9a-f]+\.tmp$/);
      running.child.kill(signal as NodeJS.Signals);
      const exit = await running.exited;
      assert.equal(shellStatus(exit), code, running.stderr());
      assert.equal(exit.signal, signal, 'the process dies of the signal (a shell stops its loop on it)');
      assert.deepEqual(list(out), [], 'nothing is left in the output directory');
      assert.ok(!running.stderr().includes('    at '), running.stderr());
    });
  }
}

test('a decryption error mid-write (truncated, modified chunk; file or stdin) leaves nothing', async () => {
  const truncated = join(keys, 'truncated.age');
  writeFileSync(truncated, ciphertext.subarray(0, 3 * 1024 * 1024));
  const modified = Buffer.from(ciphertext);
  modified[2 * 1024 * 1024]! ^= 0x40;
  writeFileSync(join(keys, 'modified.age'), modified);
  for (const input of [truncated, join(keys, 'modified.age')]) {
    for (const viaStdin of [false, true]) {
      const out = freshOutputDir();
      const result = await run(
        ['age', 'decrypt', '-i', identity, '-o', join(out, 'result'), ...(viaStdin ? [] : [input])],
        viaStdin ? readFileSync(input) : '',
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /\[ERR_DECRYPTION_FAILED\]\n$/);
      assert.deepEqual(list(out), [], `${input} via ${viaStdin ? 'stdin' : 'file'}`);
    }
  }
});

test('the registry removes any live temporary file on a signal (the writer every command uses)', async () => {
  const out = freshOutputDir();
  const fixture = new URL('./fixtures/hold-temporary.ts', import.meta.url).pathname;
  for (const [signal, code] of Object.entries(SIGNALS)) {
    const target = join(out, `held-${signal}`);
    const child = spawn(process.execPath, [...CLI_ARGS.slice(0, 3), fixture, target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => stdout.includes('ready'), 20_000, 'the fixture to hold its temporary file');
    assert.equal(list(out).filter((name) => name.startsWith(`.held-${signal}.`)).length, 1);
    child.kill(signal as NodeJS.Signals);
    assert.equal(shellStatus(await exited), code, stderr);
    assert.deepEqual(list(out), [], `${signal}: ${stderr}`);
  }
});

test('Ctrl-C ends every command with 130, also while it waits for input', async () => {
  const fifoDir = freshOutputDir();
  const made = await sealwire(['keygen', '--out', join(keys, 'x')]);
  assert.equal(made.code, 0, made.stderr);
  const commands: [string, (fifo: string) => string[]][] = [
    ['seal', (fifo) => ['seal', '--to', join(keys, 'x.pub.jwk'), '--in', fifo]],
    ['open', (fifo) => ['open', '--key', join(keys, 'x.jwk'), '--in', fifo]],
    ['age encrypt', (fifo) => ['age', 'encrypt', '-r', recipient, '-a', fifo]],
    ['age decrypt', (fifo) => ['age', 'decrypt', '-i', identity, fifo]],
    ['age keygen -y', (fifo) => ['age', 'keygen', '-y', fifo]],
    ['pubkey', (fifo) => ['pubkey', fifo]],
    ['keygen --password-file', (fifo) => ['keygen', '--out', join(fifoDir, 'k'), '--password-file', fifo]],
  ];
  for (const [name, args] of commands) {
    const fifo = join(fifoDir, `fifo-${caseNumber++}`);
    execFileSync('mkfifo', [fifo]);
    const running = start(args(fifo));
    // The command has opened the FIFO (so it is running its action) once a non-blocking writer can open it.
    const writer = await waitFor(
      () => {
        try {
          return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          return undefined;
        }
      },
      20_000,
      `${name} to open its input`,
    );
    running.child.kill('SIGINT');
    const exit = await running.exited;
    closeSync(writer);
    assert.equal(shellStatus(exit), 130, `${name}: ${running.stderr()}`);
    assert.ok(!running.stderr().includes('    at '), `${name}: ${running.stderr()}`);
  }
  assert.deepEqual(
    list(fifoDir).filter((name) => !name.startsWith('fifo-')),
    [],
    'no key file or temporary file from the interrupted keygen',
  );
});

test('as a shell sees it: $? is 130 after Ctrl-C, 143 after SIGTERM, and the temporary file is gone', async () => {
  for (const [signal, code] of [
    ['INT', 130],
    ['TERM', 143],
  ] as const) {
    const out = freshOutputDir();
    const node = [process.execPath, ...CLI_ARGS].map((word) => `'${word}'`).join(' ');
    const feed = join(out, 'feed');
    execFileSync('mkfifo', [feed]);
    // Job control (set -m): each job in its own process group with default signal dispositions, as typed
    // in a terminal. The feeder holds the FIFO open after 1 MiB, so sealwire waits mid-write.
    const script = `set -m
(head -c 1048576 '${join(keys, 'big')}'; exec sleep 30) > '${feed}' &
feeder=$!
${node} age encrypt -r ${recipient} -o '${out}/result' < '${feed}' &
pid=$!
for i in $(seq 1 400); do ls -A '${out}' | grep -q '[.]tmp$' && break; sleep 0.05; done
kill -${signal} $pid
wait $pid
echo "status=$?"
kill $feeder
rm '${feed}'
exit 0`;
    const shell = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const timer = setTimeout(() => shell.kill('SIGKILL'), 30_000);
    await new Promise((resolve) => shell.once('close', resolve));
    clearTimeout(timer);
    assert.match(stdout, new RegExp(`status=${code}\\b`), stdout);
    assert.deepEqual(list(out), [], `SIG${signal}`);
  }
});
