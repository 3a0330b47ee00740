/**
 * A 256 MiB file (an exact multiple of the 64 KiB chunk: its last chunk is full) both ways between the
 * reference `age` binary and Sealwire's Node streaming API, streamed from disk and never held in memory.
 * Each Sealwire side runs in a child process that reports its peak memory above its own baseline.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { generateIdentity, identityToRecipient } from 'sealwire/seal/age';

const SIZE = 256 * 1024 * 1024;
const PEAK_LIMIT = 64 * 1024 * 1024;
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sealwire-age-large-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** Streams with Sealwire in a fresh process; returns its output hash and peak RSS above its post-import baseline. */
function sealwireChild(
  mode: 'encrypt' | 'decrypt',
  key: string,
  input: string,
  readBytes: number,
  output?: string,
) {
  const script = `
import { createReadStream, createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from 'sealwire/seal/age/node';
import { readFileSync } from 'node:fs';
const [mode, key, input, readBytes, output] = process.argv.slice(1);
// VmHWM is this process's own peak RSS (ru_maxrss would inherit the parent's peak across fork/exec).
const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const base = hwm();
const started = performance.now();
const hash = createHash('sha256');
const transform = mode === 'encrypt' ? createEncryptStream(key) : createDecryptStream(key);
await pipeline(createReadStream(input, { highWaterMark: Number(readBytes) }), transform, output ? createWriteStream(output) : hash);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ hash: output ? undefined : hash.digest('hex'), peak: hwm() - base, seconds }));
`;
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=sealwire-source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      mode,
      key,
      input,
      String(readBytes),
      output ?? '',
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { hash?: string; peak: number; seconds: number };
}

function ageTo(args: string[]): void {
  const result = spawnSync('age', args, { timeout: 120_000, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

test('256 MiB: age (Go) -> Sealwire stream and Sealwire stream -> age, bounded memory', {
  timeout: 300_000,
}, async () => {
  const plain = join(dir, 'big.bin');
  const made = spawnSync('sh', ['-c', `head -c ${SIZE} /dev/urandom > '${plain}'`]);
  assert.equal(made.status, 0);
  assert.equal(statSync(plain).size, SIZE);
  const expected = await sha256File(plain);
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const keyFile = join(dir, 'key.txt');
  writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });

  // age -> Sealwire
  const byAge = join(dir, 'big.age');
  ageTo(['-r', recipient, '-o', byAge, plain]);
  // 1 MiB reads here, Node's default 64 KiB below: the peak must not depend on the reader's buffer size.
  const decrypted = sealwireChild('decrypt', identity, byAge, 1024 * 1024);
  assert.equal(decrypted.hash, expected);
  rmSync(byAge);

  // Sealwire -> age
  const bySealwire = join(dir, 'big-sw.age');
  const encrypted = sealwireChild('encrypt', recipient, plain, 64 * 1024, bySealwire);
  assert.equal(statSync(bySealwire).size > SIZE, true);
  const child = spawn('age', ['-d', '-i', keyFile, bySealwire], { stdio: ['ignore', 'pipe', 'pipe'] });
  const hash = createHash('sha256');
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await pipeline(child.stdout, hash);
  assert.equal(await exited, 0);
  assert.equal(hash.digest('hex'), expected);

  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  console.log(
    `age-large: decrypt ${mib(decrypted.peak)} MiB peak RSS above baseline (${(256 / decrypted.seconds).toFixed(0)} MiB/s), encrypt ${mib(encrypted.peak)} MiB (${(256 / encrypted.seconds).toFixed(0)} MiB/s)`,
  );
  assert.ok(decrypted.peak < PEAK_LIMIT, `decrypt peak ${mib(decrypted.peak)} MiB`);
  assert.ok(encrypted.peak < PEAK_LIMIT, `encrypt peak ${mib(encrypted.peak)} MiB`);
});
