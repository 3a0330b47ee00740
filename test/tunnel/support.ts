/**
 * Process helpers for the tunnel's lifecycle tests: the CLI as a long-running child whose output can be
 * waited on from a mark (so a line seen before a relay restart does not satisfy a wait after it), a relay
 * on a port chosen by the test (so a replacement relay can take over the same address), and free ports.
 * Every child is killed by `stop()`; waits are bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI_ARGS } from '../helpers/cli.ts';

const root = new URL('../..', import.meta.url).pathname;

export interface Child {
  child: ChildProcess;
  /** Everything written so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output after offset `from`; rejects on exit or timeout. */
  waitFor(pattern: RegExp, options?: { from?: number; ms?: number }): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or 128 + signal number when killed by a signal); rejects after `ms`. */
  exited(ms?: number): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function spawnChild(command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exit = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))),
  );
  let exitCode: number | undefined;
  exit.then((code) => {
    exitCode = code;
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => text,
    waitFor(pattern, { from = 0, ms = 30_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text.slice(from));
          if (match) {
            done();
            resolve(match);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`${pattern} not seen; exited with ${exitCode}:\n${text.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${pattern} not seen within ${ms} ms:\n${text.slice(-3000)}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited(ms = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        exit,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`still running after ${ms} ms:\n${text.slice(-3000)}`)),
            ms,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The CLI from source, as a long-running child (`sealwire service start ...`, `sealwire relay ...`). */
export function spawnCli(args: string[], env: Record<string, string> = {}): Child {
  return spawnChild(process.execPath, [...CLI_ARGS, ...args], env);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RelayAt extends Child {
  url: string;
}

/** `sealwire relay` on 127.0.0.1:`port`, resolved once it listens. */
export async function startRelayAt(port: number, config?: string): Promise<RelayAt> {
  const relay = spawnCli([
    'relay',
    '--port',
    String(port),
    '--log-level',
    'info',
    ...(config === undefined ? [] : ['--config', config]),
  ]);
  await relay.waitFor(/"relay listening"/);
  return Object.assign(relay, { url: `ws://127.0.0.1:${port}` });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
