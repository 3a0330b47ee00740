/**
 * A reader that stops early (`sealwire ... | head -c 10`) ends the command quietly: no `Error: write
 * EPIPE` stack, exit 141 (what a shell reports for `cat` in the same place: 128 + SIGPIPE). Real pipes:
 * the child's stdout goes to a real `head` process, or the test closes its end of the child's stdout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealwire } from '../helpers/cli.ts';
import { list, scratch, shellStatus, start } from './process-control.ts';

const dir = scratch('pipes');
const big = Buffer.alloc(8 * 1024 * 1024, 'sealwire ');
writeFileSync(join(dir, 'big'), big);
const made = await sealwire(['age', 'keygen', '-o', join(dir, 'age.txt')]);
assert.equal(made.code, 0, made.stderr);
const recipient = /age1[0-9a-z]+/.exec(readFileSync(join(dir, 'age.txt'), 'utf8'))![0];
assert.equal(
  (await sealwire(['age', 'encrypt', '-r', recipient, '-o', join(dir, 'big.age'), join(dir, 'big')])).code,
  0,
);
assert.equal((await sealwire(['keygen', '--out', join(dir, 'x')])).code, 0);
assert.equal(
  (
    await sealwire([
      'seal',
      '--to',
      join(dir, 'x.pub.jwk'),
      '--in',
      join(dir, 'big'),
      '--out',
      join(dir, 'big.jwe'),
    ])
  ).code,
  0,
);

function assertQuiet(stderr: string, label: string): void {
  assert.ok(!stderr.includes('EPIPE'), `${label}: ${stderr}`);
  assert.ok(!stderr.includes('    at '), `${label}: no stack trace: ${stderr}`);
  assert.ok(!stderr.includes('unexpected error'), `${label}: ${stderr}`);
}

test('age decrypt | head -c 10 (a real head process): quiet, exit 141', async () => {
  const head = spawn('head', ['-c', '10'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let headOut = Buffer.alloc(0);
  head.stdout.on('data', (chunk: Buffer) => {
    headOut = Buffer.concat([headOut, chunk]);
  });
  const headDone = new Promise((resolve) => head.once('close', resolve));
  // sealwire's stdout is head's stdin: the same kernel pipe a shell would make.
  const running = start(['age', 'decrypt', '-i', join(dir, 'age.txt'), join(dir, 'big.age')], {
    stdio: ['ignore', head.stdin, 'pipe'],
  });
  head.stdin.destroy();
  const exit = await running.exited;
  await headDone;
  assert.equal(headOut.toString(), 'sealwire s');
  assertQuiet(running.stderr(), 'age decrypt');
  assert.equal(shellStatus(exit), 141, running.stderr());
});

for (const [label, args] of [
  ['open (one large write)', ['open', '--key', join(dir, 'x.jwk'), '--in', join(dir, 'big.jwe')]],
  ['age decrypt (streaming)', ['age', 'decrypt', '-i', join(dir, 'age.txt'), join(dir, 'big.age')]],
  ['age encrypt -a (streaming)', ['age', 'encrypt', '-r', recipient, '-a', join(dir, 'big')]],
] as const) {
  test(`${label}: the reader closes after the first bytes: quiet, exit 141`, async () => {
    const running = start([...args]);
    // Closed in the handler of the first chunk, not after a poll: under load a poll could let the test
    // read all 8 MiB first, and the command would then end normally.
    await Promise.race([
      new Promise<void>((resolve) =>
        running.child.stdout!.once('data', () => {
          running.child.stdout!.destroy();
          resolve();
        }),
      ),
      running.exited,
    ]);
    assert.ok(running.stdout().length > 0, 'the first output');
    const exit = await running.exited;
    assertQuiet(running.stderr(), label);
    assert.equal(shellStatus(exit), 141, running.stderr());
  });
}

for (const args of [['keys', '--help'], ['--help'], ['age', 'encrypt', '--help'], ['--version']]) {
  test(`sealwire ${args.join(' ')} into a closed pipe: no stack trace`, async () => {
    const running = start(args);
    // Closed before the child writes anything: its first write fails.
    running.child.stdout!.destroy();
    const exit = await running.exited;
    assertQuiet(running.stderr(), args.join(' '));
    assert.ok([0, 141].includes(shellStatus(exit)), `exit ${JSON.stringify(exit)}: ${running.stderr()}`);
  });
}

test('a closed stderr drops diagnostics but does not stop the work (age decrypt -o completes)', async () => {
  const out = join(dir, 'out');
  mkdirSync(out);
  // stdout unused by `-o`: close stderr instead, with a progress line asked for, and check the result.
  const running = start(
    ['age', 'decrypt', '-i', join(dir, 'age.txt'), '-o', join(out, 'big'), join(dir, 'big.age')],
    {
      env: { SEALWIRE_PROGRESS_INTERVAL: '1ms' },
    },
  );
  running.child.stderr!.destroy();
  const exit = await running.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(list(out), ['big']);
  assert.equal(Buffer.compare(readFileSync(join(out, 'big')), big), 0);
});
