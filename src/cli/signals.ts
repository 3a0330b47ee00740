/**
 * How the CLI process ends when something outside it ends it: a signal, or the reader of its output going
 * away. Installed once by `main`, for every command.
 *
 * - SIGINT, SIGTERM, SIGHUP: every temporary file is removed (synchronously: the process is about to go),
 *   then the process ends by that same signal, with the default action restored, so the shell reports
 *   128 + the signal number ($? is 130, 143, 129). Dying of the signal rather than calling exit(130) is
 *   deliberate: bash stops a script's loop on Ctrl-C only when the child died of SIGINT (an exit(130) reads
 *   as "the child handled it", and the loop goes on), and Node's exit() waits for thread-pool reads, so
 *   an input that never ends (`--in <(slow-producer)`) would hold the process. Should the signal not end
 *   the process (an ignored disposition), exit(128 + n) follows.
 *   A command that stops gracefully on a signal (the relay, `service start`, `wamp subscribe`) listens
 *   for it too: it is then left to stop, and a second signal ends the process at once. After a graceful
 *   stop Ctrl-C still exits 130; SIGTERM and SIGHUP exit 0 (a clean shutdown, as supervisors expect).
 * - A closed stdout (`sealwire age decrypt ... | head -c 10`): the command ends quietly with exit 141, the
 *   status a shell reports for `cat` killed by SIGPIPE in the same place (Node ignores SIGPIPE, so writes
 *   fail with EPIPE instead: this turns that into what coreutils do). No message: the reader chose to stop.
 * - A closed stderr: diagnostics are dropped and the command carries on (its results go to stdout).
 */
import { removeTemporaryFilesSync } from '../files/atomic.ts';

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type HandledSignal = keyof typeof SIGNAL_NUMBERS;

/** Exit status for a closed stdout: 128 + SIGPIPE (13). */
export const BROKEN_PIPE_EXIT = 141;

let received: HandledSignal | undefined;
let receivedAt = 0;
let installed = false;
const exitHooks = new Set<() => void>();

/** Installs the signal and broken-pipe handlers (once per process). */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of Object.keys(SIGNAL_NUMBERS) as HandledSignal[])
    process.on(signal, () => onSignal(signal));
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (isBrokenPipe(error)) exitNow(BROKEN_PIPE_EXIT);
    // Any other failure to write results (EIO, a full disk behind a redirect) is a real error.
    process.stderr.write(`sealwire: cannot write to stdout: ${error.message}\n`);
    exitNow(1);
  });
  process.stderr.on('error', () => {
    // Diagnostics cannot be shown any more; the results may still matter.
  });
}

/**
 * Runs `hook` synchronously before the process exits on a signal or a broken pipe (e.g. to clear a progress
 * line). Returns a function that removes the hook.
 */
export function onForcedExit(hook: () => void): () => void {
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

/** The signal that asked the process to stop, if one did. */
export function receivedSignal(): HandledSignal | undefined {
  return received;
}

/** Exit code of a command that returned normally: 130 when Ctrl-C stopped it gracefully, else 0. */
export function exitCodeAfterReturn(): number {
  return received === 'SIGINT' ? 128 + SIGNAL_NUMBERS.SIGINT : 0;
}

/** EPIPE on stdout, however it surfaces (the stream's error, a write callback, a rejected pipeline). */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || (code === 'ERR_STREAM_DESTROYED' && process.stdout.destroyed);
}

function onSignal(signal: HandledSignal): void {
  const first = received === undefined;
  // The same signal again within moments is the same request: Ctrl-C under `npm start` arrives twice (from
  // the terminal, and forwarded by npm), and must not cut the graceful stop the first one started.
  const repeat = signal === received && Date.now() - receivedAt < 500;
  received ??= signal;
  if (first) receivedAt = Date.now();
  removeTemporaryFilesSync();
  // Our listener is one; any other belongs to a command that stops gracefully on this signal.
  if ((first || repeat) && process.listenerCount(signal) > 1) return;
  runExitHooks();
  // With no listener left, libuv restores the default action: the signal then ends the process.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + SIGNAL_NUMBERS[signal]), 1000);
}

function runExitHooks(): void {
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // Exiting anyway.
    }
  }
  removeTemporaryFilesSync();
}

function exitNow(code: number): never {
  runExitHooks();
  process.exit(code);
}
