/**
 * Real processes for end-to-end tests and benchmarks: the relay (`sealwire relay`) and tunneled services
 * (`sealwire service start`), started from source on 127.0.0.1 with OS-chosen ports, and always stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLI_ARGS } from './cli.ts';

const root = new URL('../..', import.meta.url).pathname;

export interface Running {
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resident set size of the process, from /proc (Linux). */
  rssMiB(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resolves with the first line of the child's output that `match` accepts; rejects on exit or after `ms`. */
function waitForLine(
  running: Running,
  match: (line: string) => boolean,
  ms: number,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} not seen within ${ms} ms:\n${running.output().slice(-2000)}`)),
      ms,
    );
    const check = (line: string) => {
      if (!match(line)) return;
      clearTimeout(timer);
      resolve(line);
    };
    for (const stream of [running.child.stdout!, running.child.stderr!])
      createInterface({ input: stream }).on('line', check);
    running.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited with ${code}:\n${running.output().slice(-2000)}`));
    });
  });
}

export interface RelayProcess extends Running {
  /** Base URL for tunnel clients and services, `ws://127.0.0.1:PORT`. */
  url: string;
  http: string;
}

export async function startRelay(
  options: { config?: string; env?: Record<string, string> } = {},
): Promise<RelayProcess> {
  const args = [
    'relay',
    '--port',
    '0',
    '--log-level',
    'info',
    ...(options.config ? ['--config', options.config] : []),
  ];
  const running = start(args, options.env);
  const line = await waitForLine(
    running,
    (text) => text.includes('"relay listening"'),
    30_000,
    'relay listening',
  );
  const wampUrl = JSON.parse(line).url as string;
  const url = new URL(wampUrl);
  return { ...running, url: `ws://${url.host}`, http: `http://${url.host}` };
}

export interface ServiceProcess extends Running {
  fingerprint: string;
}

export async function startServiceProcess(options: {
  relay: string;
  dataDir: string;
  id: string;
  adminPassword: string;
  handlers?: string;
  extra?: string[];
}): Promise<ServiceProcess> {
  const args = [
    'service',
    'start',
    '--id',
    options.id,
    '--relay',
    options.relay,
    '--data-dir',
    options.dataDir,
    ...(options.handlers ? ['--handlers', options.handlers] : []),
    ...(options.extra ?? []),
  ];
  const running = start(args, { SEALWIRE_ADMIN_PASSWORD: options.adminPassword });
  const line = await waitForLine(
    running,
    (text) => text.startsWith('sha256 Fingerprint='),
    60_000,
    'service fingerprint',
  );
  return { ...running, fingerprint: line.slice('sha256 Fingerprint='.length).trim() };
}

export const HANDLERS = `${root}examples/tunnel/handlers.ts`;
