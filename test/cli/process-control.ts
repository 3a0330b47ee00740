/**
 * Driving the CLI as a long-lived child process from a test: stdin the test feeds at its own pace, real
 * signals, output collected as it comes, and polling for a state of the file system. Every wait is bounded.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { CLI_ARGS } from '../helpers/cli.ts';

export interface Started {
  child: ChildProcess;
  stdout(): Buffer;
  stderr(): string;
  /** Exit code, or 128 + signal number when the process died of a signal it did not handle. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdio?: StdioOptions } = {},
): Started {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...process.env, ...options.env },
    stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'],
  });
  // The child may exit before it read all its input (that is often the point of the test).
  child.stdin?.on('error', () => {});
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, exited };
}

/** The status a shell reports (`$?`): the exit code, or 128 + the number of the signal that ended it. */
export function shellStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  if (exit.code !== null) return exit.code;
  return 128 + (osConstants.signals[exit.signal as NodeJS.Signals] ?? 0);
}

/** Runs to the end with `input` on stdin. */
export async function run(
  args: string[],
  input: Uint8Array | string = '',
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }> {
  const running = start(args, options);
  running.child.stdin!.end(input);
  const exit = await running.exited;
  return { ...exit, stdout: running.stdout(), stderr: running.stderr() };
}

/** Polls `check` every 20 ms until it returns something other than undefined/false, for at most `ms`. */
export async function waitFor<T>(check: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fresh temporary directory, removed when the test file ends. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sealwire-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Names in `dir`, hidden ones included, sorted. */
export function list(dir: string): string[] {
  return readdirSync(dir).sort();
}
