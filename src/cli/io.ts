/**
 * File and terminal I/O for the CLI: stdin/stdout defaults, files written through the shared writer
 * (private, 0600, unless the caller says the content is public), passwords from files, stdin or a prompt.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SealwireError } from '../errors.ts';
import { writeFileAtomic } from '../platform/files.ts';

export { writeFileAtomic };

/** Mode of files holding plaintext, private keys or anything else only their owner should read. */
export const PRIVATE_FILE = 0o600;
/** Mode of files meant to be shared: ciphertext, public keys, signatures. */
export const PUBLIC_FILE = 0o644;

/** A usage problem the user can fix by changing the command line (exit code 2). */
export class UsageError extends SealwireError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

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
async function readStdin(): Promise<Buffer> {
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
 * A secret (password, passphrase) from a file, or from stdin when the file is `-` or /dev/stdin: the
 * whole content less one final newline. `what` names it in messages ("password file").
 */
export async function readSecretFile(path: string, what: string): Promise<string> {
  const bytes = isStdinPath(path) ? await readStdin() : await readFileOrExplain(path);
  const text = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (text === '') {
    throw new UsageError(
      isStdinPath(path)
        ? `no ${what.replace(/ file$/, '')} on stdin (it was empty)`
        : `${what} ${path} is empty`,
    );
  }
  return text;
}

/**
 * A password from, in order: `--password-file` (a file, or `-` / /dev/stdin for stdin), the environment
 * variable, or a prompt when stdin is a terminal. Never from the command line itself (it would show in
 * `ps` and shell history).
 */
export async function readPassword(options: {
  file?: string;
  envVar: string;
  prompt: string;
}): Promise<string> {
  if (options.file !== undefined) {
    // On a terminal, "read stdin" means asking, without echo.
    if (isStdinPath(options.file) && process.stdin.isTTY) return promptHidden(options.prompt);
    return readSecretFile(options.file, 'password file');
  }
  const fromEnv = process.env[options.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError(`a password is needed: pass --password-file FILE or set ${options.envVar}`);
  }
  return promptHidden(options.prompt);
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

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    let shown = false;
    output._writeToOutput = (text: string) => {
      // Echo the prompt once, never the typed characters.
      if (!shown) {
        process.stderr.write(text);
        shown = true;
      }
    };
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      answer === '' ? reject(new UsageError('empty password')) : resolve(answer);
    });
  });
}
