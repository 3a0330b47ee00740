/**
 * File I/O for the CLI: stdin/stdout defaults, and files written, whole or streamed, through the shared
 * writers of files/atomic.ts (private, 0600, unless the caller says the content is public). Secrets
 * (passwords, passphrases) have their own ladder in secrets.ts.
 */
import { readFile } from 'node:fs/promises';
import { type Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SealwireError, UsageError } from '../errors.ts';
import { pipeToFileAtomic, writeFileAtomic } from '../files/atomic.ts';

/** `UsageError` (`ERR_USAGE`): a problem the user fixes by changing the command line (exit code 2). */
export { UsageError, writeFileAtomic };

/** Mode of files holding plaintext, private keys or anything else only their owner should read. */
export const PRIVATE_FILE = 0o600;
/** Mode of files meant to be shared: ciphertext, public keys, signatures. */
export const PUBLIC_FILE = 0o644;

/** Whether `path` names this process's stdin (`-`, /dev/stdin and its aliases). */
export function isStdinPath(path: string | undefined): boolean {
  return (
    path === undefined ||
    path === '-' ||
    path === '/dev/stdin' ||
    path === '/dev/fd/0' ||
    path === '/proc/self/fd/0'
  );
}

/** All of stdin. Read from the stream, never by opening /dev/stdin: that fails on sockets (ENXIO). */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a whole file, or stdin for `-`/undefined (and /dev/stdin). */
export async function readInput(path: string | undefined): Promise<Buffer> {
  if (isStdinPath(path)) return readStdin();
  return readFileOrExplain(path as string);
}

export async function readFileOrExplain(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`no such file: ${path}`);
    if (code === 'EACCES') throw new UsageError(`permission denied: ${path}`);
    if (code === 'EISDIR') throw new UsageError(`is a directory: ${path}`);
    throw error;
  }
}

/**
 * Writes to a file, or stdout for `-`/undefined. Files are private (0600) unless `mode` says otherwise:
 * pass PUBLIC_FILE only for content anyone may read (ciphertext, public keys).
 */
export async function writeOutput(
  path: string | undefined,
  data: string | Uint8Array,
  mode: number = PRIVATE_FILE,
): Promise<void> {
  if (path === undefined || path === '-') {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(data, (error) => (error ? reject(error) : resolve())),
    );
    return;
  }
  await writeFileAtomic(path, data, mode, true);
}

/**
 * Streams `source` through `stages` to a file, or to stdout for `-`/undefined. A file is written through
 * a registered temporary file and moved into place only on success (files/atomic.ts): a failed decryption
 * never leaves partial plaintext under the chosen name, and a signal or a broken pipe removes the temporary
 * file before the process exits (signals.ts). Files are private (0600) unless `mode` says otherwise.
 */
export async function pipeToOutput(
  source: Readable,
  stages: readonly Transform[],
  path: string | undefined,
  mode: number = PRIVATE_FILE,
): Promise<void> {
  if (path === undefined || path === '-') {
    // Never end stdout: when it is a socket shared with the parent shell, ending it shuts it down for the
    // shell too (its next write dies of SIGPIPE).
    await pipeline([source, ...stages, stdoutWriter()]);
    return;
  }
  await pipeToFileAtomic(source, stages, path, mode, true);
}

/** Writes to stdout with backpressure, and leaves it open at the end. */
function stdoutWriter(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      process.stdout.write(chunk, (error) => callback(error ?? null));
    },
  });
}

/**
 * Refuses, before reading anything, a secret file that is stdin when the input is stdin too: both cannot
 * come from it. `secrets` pairs each flag with its value; `hint` says how to give the input otherwise.
 */
export function refuseStdinTwice(
  input: string | undefined,
  secrets: readonly (readonly [flag: string, file: string | undefined])[],
  hint: string,
): void {
  if (!isStdinPath(input)) return;
  for (const [flag, file] of secrets)
    if (file !== undefined && isStdinPath(file))
      throw new UsageError(`${flag} reads stdin, which already carries the input: ${hint}`);
}

/**
 * Rewrites a library limit's hint into the CLI flag that sets it: "(raise maxPlaintextBytes)" becomes
 * "(raise --max-size)". The library names its options; the user can only type flags.
 */
export function withFlagHints<T>(work: Promise<T>, flags: Readonly<Record<string, string>>): Promise<T> {
  return work.catch((error: unknown) => {
    if (error instanceof SealwireError) {
      for (const [option, flag] of Object.entries(flags))
        error.message = error.message.replace(new RegExp(`\\b${option}\\b`, 'g'), flag);
    }
    throw error;
  });
}
