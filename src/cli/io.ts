/** File and terminal I/O for the CLI: stdin/stdout defaults, private files written 0600, passwords. */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SealwireError } from '../errors.ts';
import { writeFileAtomic } from '../platform/files.ts';

export { writeFileAtomic };

/** A usage problem the user can fix by changing the command line (exit code 2). */
export class UsageError extends SealwireError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

/** Reads a whole file, or stdin for `-`/undefined. */
export async function readInput(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  return readFileOrExplain(path);
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

/** Writes to a file, or stdout for `-`/undefined. */
export async function writeOutput(path: string | undefined, data: string | Uint8Array): Promise<void> {
  if (path === undefined || path === '-') {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(data, (error) => (error ? reject(error) : resolve())),
    );
    return;
  }
  await writeFileAtomic(path, data, 0o644, true);
}

/**
 * A password from, in order: `--password-file`, the environment variable, or a prompt when stdin is a
 * terminal. Never from the command line itself (it would show in `ps` and shell history).
 */
export async function readPassword(options: {
  file?: string;
  envVar: string;
  prompt: string;
}): Promise<string> {
  if (options.file !== undefined) {
    const text = (await readFileOrExplain(options.file)).toString('utf8').replace(/\r?\n$/, '');
    if (text === '') throw new UsageError(`password file ${options.file} is empty`);
    return text;
  }
  const fromEnv = process.env[options.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError(`a password is needed: pass --password-file FILE or set ${options.envVar}`);
  }
  return promptHidden(options.prompt);
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
