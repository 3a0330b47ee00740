/**
 * age v1: Sealwire's Node streaming API against the reference `age` binary (Debian age 1.1.1, Go) on the
 * same file in the same run, and against raw node:crypto ChaCha20-Poly1305 over the same bytes in memory
 * (64 KiB chunks, one cipher per chunk: the limit of any age implementation on this runtime). Both sides
 * stream from the page cache to a sink (/dev/null for the binary). Peak memory: each side runs once more in
 * a child process and reports its peak RSS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateIdentity, identityToRecipient } from '../../src/seal/age/index.ts';
import { createDecryptStream, createEncryptStream } from '../../src/seal/age/node.ts';
import { type Context, compare, type Suite } from '../harness.ts';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const TARGET = 1.0;
const PEAK_LIMIT_MIB = 64;
const root = new URL('../..', import.meta.url).pathname;

function sink(): Writable {
  return new Writable({
    highWaterMark: MiB,
    write(_chunk, _encoding, callback) {
      callback();
    },
    writev(_chunks, callback) {
      callback();
    },
  });
}

function runAge(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('age', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`age ${args[0]}: ${stderr}`))));
  });
}

/** Raw node:crypto over an in-memory buffer, chunked exactly like age's STREAM. */
function rawChaCha(size: number) {
  const key = randomBytes(32);
  const nonce = Buffer.alloc(12);
  const plaintext = randomBytes(size);
  const chunks = Math.ceil(size / CHUNK);
  const tags: Buffer[] = [];
  const ciphertext = Buffer.alloc(size);
  for (let i = 0; i < chunks; i++) {
    nonce.writeUInt32BE(i, 7);
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    cipher.update(plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)).copy(ciphertext, i * CHUNK);
    cipher.final();
    tags.push(cipher.getAuthTag());
  }
  return {
    encrypt() {
      for (let i = 0; i < chunks; i++) {
        nonce.writeUInt32BE(i, 7);
        const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        cipher.update(plaintext.subarray(i * CHUNK, (i + 1) * CHUNK));
        cipher.final();
        cipher.getAuthTag();
      }
    },
    decrypt() {
      for (let i = 0; i < chunks; i++) {
        nonce.writeUInt32BE(i, 7);
        const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        decipher.setAuthTag(tags[i]!);
        decipher.update(ciphertext.subarray(i * CHUNK, (i + 1) * CHUNK));
        decipher.final();
      }
    },
  };
}

/**
 * Peak RSS of the age binary (KiB -> MiB), from the kernel's child rusage through a small Python parent
 * (the figure is at least Python's own ~10 MiB, which the child inherits across fork/exec).
 */
function agePeakMiB(args: string[]): number {
  const script =
    'import resource, subprocess, sys\nsubprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
  const result = spawnSync('/usr/bin/python3', ['-c', script, 'age', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`age peak memory: ${result.stderr}`);
  return Number(result.stdout.trim()) / 1024;
}

/**
 * Sealwire's peak RSS above its own baseline (after imports) while streaming a file in a fresh process:
 * what the streaming adds, whatever the file size. `readBytes` is the fs read size (Node's default is 64 KiB).
 */
function sealwirePeakMiB(mode: 'encrypt' | 'decrypt', key: string, input: string, readBytes: number): number {
  const script = `
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from 'sealwire/seal/age/node';
const [mode, key, input, readBytes] = process.argv.slice(1);
import { readFileSync } from 'node:fs';
// VmHWM is this process's own peak RSS (ru_maxrss would inherit the parent's peak across fork/exec).
const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const base = hwm();
const transform = mode === 'encrypt' ? createEncryptStream(key) : createDecryptStream(key);
await pipeline(createReadStream(input, { highWaterMark: Number(readBytes) }), transform, new Writable({ write(_c, _e, cb) { cb(); } }));
console.log(hwm() - base);
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
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`sealwire peak memory: ${result.stderr}`);
  return Number(result.stdout.trim()) / MiB;
}

async function throughput(
  ctx: Context,
  label: string,
  files: {
    plain: string;
    sealed: string;
    keyFile: string;
    identity: string;
    recipient: string;
    size: number;
  },
): Promise<void> {
  const { plain, sealed, keyFile, identity, recipient, size } = files;
  await compare(ctx, {
    name: `age encrypt ${label}`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: {
      name: 'age binary (Go) -> /dev/null',
      fn: () => runAge(['-r', recipient, '-o', '/dev/null', plain]),
    },
    sealwire: {
      name: 'createEncryptStream',
      fn: () =>
        pipeline(createReadStream(plain, { highWaterMark: MiB }), createEncryptStream(recipient), sink()),
    },
    target: TARGET,
  });
  await compare(ctx, {
    name: `age decrypt ${label}`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: {
      name: 'age binary (Go) -> /dev/null',
      fn: () => runAge(['-d', '-i', keyFile, '-o', '/dev/null', sealed]),
    },
    sealwire: {
      name: 'createDecryptStream',
      fn: () =>
        pipeline(createReadStream(sealed, { highWaterMark: MiB }), createDecryptStream(identity), sink()),
    },
    target: TARGET,
  });
}

export const ageSuite: Suite = {
  name: 'age',
  async run(ctx: Context): Promise<void> {
    if (!ctx.wants('age encrypt') && !ctx.wants('age decrypt') && !ctx.wants('age peak memory')) return;
    if (spawnSync('age', ['--version']).status !== 0) {
      ctx.log('age: the reference age binary is missing (npm run peers installs it); skipping the age suite');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'sealwire-bench-age-'));
    try {
      const identity = await generateIdentity();
      const recipient = await identityToRecipient(identity);
      const keyFile = join(dir, 'key.txt');
      spawnSync('sh', ['-c', `umask 077 && printf '%s\\n' '${identity}' > '${keyFile}'`]);
      const sizes = ctx.rounds < 5 ? [256 * MiB] : [256 * MiB, 1024 * MiB];
      for (const size of sizes) {
        const label = size >= 1024 * MiB ? `${size / (1024 * MiB)} GiB` : `${size / MiB} MiB`;
        if (
          !ctx.wants(`age encrypt ${label}`) &&
          !ctx.wants(`age decrypt ${label}`) &&
          !ctx.wants('age peak memory')
        )
          continue;
        const plain = join(dir, `plain-${label}`);
        const sealed = join(dir, `sealed-${label}.age`);
        ctx.log(`age: preparing ${label} of random data and its age encryption (by the age binary)`);
        spawnSync('sh', ['-c', `head -c ${size} /dev/urandom > '${plain}'`]);
        await runAge(['-r', recipient, '-o', sealed, plain]);
        const files = { plain, sealed, keyFile, identity, recipient, size };
        await throughput(ctx, label, files);
        if (size === 256 * MiB) {
          const raw = rawChaCha(size);
          await compare(ctx, {
            name: `age encrypt ${label} vs raw node:crypto`,
            unit: 'MB/s',
            bytesPerOp: size,
            baseline: { name: 'node:crypto chacha20-poly1305, in memory', fn: raw.encrypt },
            sealwire: {
              name: 'createEncryptStream',
              fn: () =>
                pipeline(
                  createReadStream(plain, { highWaterMark: MiB }),
                  createEncryptStream(recipient),
                  sink(),
                ),
            },
          });
          await compare(ctx, {
            name: `age decrypt ${label} vs raw node:crypto`,
            unit: 'MB/s',
            bytesPerOp: size,
            baseline: { name: 'node:crypto chacha20-poly1305, in memory', fn: raw.decrypt },
            sealwire: {
              name: 'createDecryptStream',
              fn: () =>
                pipeline(
                  createReadStream(sealed, { highWaterMark: MiB }),
                  createDecryptStream(identity),
                  sink(),
                ),
            },
          });
        }
        if (ctx.wants('age peak memory')) {
          for (const mode of ['decrypt', 'encrypt'] as const) {
            const ageArgs =
              mode === 'decrypt'
                ? ['-d', '-i', keyFile, '-o', '/dev/null', sealed]
                : ['-r', recipient, '-o', '/dev/null', plain];
            const agePeak = agePeakMiB(ageArgs);
            for (const readBytes of [64 * 1024, MiB]) {
              const peak = sealwirePeakMiB(
                mode,
                mode === 'decrypt' ? identity : recipient,
                mode === 'decrypt' ? sealed : plain,
                readBytes,
              );
              const name = `age peak memory ${mode} ${label} (${readBytes === MiB ? '1 MiB' : '64 KiB'} reads)`;
              ctx.report({
                name,
                value: Number(peak.toFixed(1)),
                unit: 'MiB',
                baseline: { name: 'age binary, whole-process max RSS', value: Number(agePeak.toFixed(1)) },
              });
              ctx.log(
                `${name}: ${peak.toFixed(1)} MiB above the process baseline (limit ${PEAK_LIMIT_MIB}) ${peak < PEAK_LIMIT_MIB ? 'ok' : 'MISSED'}`,
              );
            }
          }
        }
        rmSync(plain);
        rmSync(sealed);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
