/**
 * Where the CLI gets a secret (a key file's password, an age passphrase, a keyring, admin or WAMP secret):
 * one ladder for every command. In order: the command's file flag (a file, or `-` / /dev/stdin: stdin, and a
 * hidden prompt when stdin is a terminal), then its environment variable, then a hidden prompt on a
 * terminal. Never from the command line itself: it would show in `ps` and in shell history.
 *
 * Prompts go through npm's `read` package with the input silenced, so that no typed character is echoed.
 * Ctrl-C at a prompt ends the process as Ctrl-C anywhere else does (signals.ts: exit 130).
 */
import { constants, openSync } from 'node:fs';
import { ReadStream as TtyReadStream, WriteStream as TtyWriteStream } from 'node:tty';
import { isStdinPath, readFileOrExplain, readStdin, UsageError } from './io.ts';

/**
 * Which terminal a prompt asks on. `stdin`: the one stdin is, when it is one (answers stay off stdout, on
 * stderr). `controlling`: the process's terminal (/dev/tty), for commands whose stdin may carry data.
 */
export type PromptTerminal = 'stdin' | 'controlling';

export interface SecretLadder {
  /** What the secret is called in messages: "password", "passphrase", "admin password". */
  noun: string;
  /** The flag that names the file, for messages: "--password-file". */
  flag: string;
  /** Its value, when given. */
  file?: string | undefined;
  /** The environment variable that may hold the secret. */
  envVar: string;
  /** The prompt, exactly as shown: "Enter passphrase: ". */
  prompt: string;
  /** When typed, ask again with this prompt; different answers are refused with `mismatch`. */
  confirm?: { prompt: string; mismatch: string };
  /** Where to ask when neither the file nor the environment gives the secret (default `stdin`). */
  terminal?: PromptTerminal;
  /** The message when there is nothing to read and no terminal to ask on, if not the usual one. */
  missing?: string;
}

/** The secret, from the first rung of the ladder that has one (see the top of this file). */
export async function readSecret(ladder: SecretLadder): Promise<string> {
  if (ladder.file !== undefined) {
    // On a terminal, "read stdin" means asking, without echo.
    if (isStdinPath(ladder.file) && process.stdin.isTTY) return askTyped(ladder, 'stdin');
    return readSecretFile(ladder.file, `${ladder.noun} file`);
  }
  const fromEnv = process.env[ladder.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return askTyped(ladder, ladder.terminal ?? 'stdin');
}

/**
 * A secret from a file, or from stdin when the file is `-` or /dev/stdin: the whole content less one final
 * newline. `what` names it in messages ("password file").
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
 * Asks for `prompt` without echo on `terminal`. An empty answer is a usage error naming `noun`; a terminal
 * that cannot be asked on is the usage error `missing`.
 */
export async function askHidden(
  prompt: string,
  options: { noun: string; missing: string; terminal?: PromptTerminal },
): Promise<string> {
  // Loaded on first use: most commands never ask.
  const { read } = await import('read');
  const streams = openTerminal(options.terminal ?? 'stdin');
  if (streams === undefined) throw new UsageError(options.missing);
  const empty = () => new UsageError(`empty ${options.noun}`);
  let answer: string;
  try {
    answer = await Promise.race([
      read({
        prompt,
        silent: true,
        replace: '',
        input: streams.input,
        output: streams.output,
        // Raw mode (hence no echo) even when stderr is redirected: the keys come from the terminal.
        terminal: true,
      }),
      // Ctrl-D on an empty line closes the prompt without an answer, which `read` never settles: the
      // input pauses then. (After an answer it pauses too, but the answer has won the race by then.)
      new Promise<never>((_resolve, reject) =>
        streams.input.once('pause', () => setImmediate(() => reject(empty()))),
      ),
    ]);
  } catch (error) {
    // `read` turns Ctrl-C into this rejection (raw mode: the terminal sends no SIGINT). End the way a
    // SIGINT would: temporary files removed, exit 130 (signals.ts), nothing after the prompt runs.
    if (error instanceof Error && error.message === 'canceled') return interrupted();
    throw error;
  } finally {
    // The line's own newline was silenced with the typed characters.
    streams.output.write('\n');
    streams.close();
  }
  if (answer === '') throw empty();
  return answer;
}

/**
 * Raises SIGINT on this process, for signals.ts to end it by (exit 130), and never settles. The timer keeps
 * the event loop up until the signal lands, and exits with the same status should it not.
 */
function interrupted(): Promise<never> {
  process.kill(process.pid, 'SIGINT');
  return new Promise<never>(() => {
    setTimeout(() => process.exit(130), 1000);
  });
}

/** Asks on `terminal`, twice when the ladder confirms. */
async function askTyped(ladder: SecretLadder, terminal: PromptTerminal): Promise<string> {
  const options = {
    noun: ladder.noun,
    terminal,
    missing:
      ladder.missing ??
      `a ${ladder.noun} is needed and there is no terminal to ask on: pass ${ladder.flag} FILE or set ${ladder.envVar}`,
  };
  const first = await askHidden(ladder.prompt, options);
  if (ladder.confirm !== undefined && (await askHidden(ladder.confirm.prompt, options)) !== first)
    throw new UsageError(ladder.confirm.mismatch);
  return first;
}

interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  close(): void;
}

/** The streams to ask on, or undefined when there is no such terminal. */
function openTerminal(terminal: PromptTerminal): PromptStreams | undefined {
  if (terminal === 'stdin') {
    if (!process.stdin.isTTY) return undefined;
    return { input: process.stdin, output: process.stderr, close: () => {} };
  }
  // One descriptor a direction: each stream closes its own when destroyed.
  let readFd: number;
  let writeFd: number;
  try {
    readFd = openSync('/dev/tty', constants.O_RDONLY | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  const input = new TtyReadStream(readFd);
  try {
    writeFd = openSync('/dev/tty', constants.O_WRONLY | constants.O_NOCTTY);
  } catch {
    input.destroy();
    return undefined;
  }
  const output = new TtyWriteStream(writeFd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      output.destroy();
    },
  };
}
