/** Running the `sealwire` CLI from source as a child process, the way a user runs it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Node arguments that run the CLI from source. The tsx loader is named by path, so the command also runs
 * from a scratch directory outside the project (where a bare `--import tsx` would not resolve).
 */
export const CLI_ARGS = [
  '--conditions=sealwire-source',
  '--import',
  join(root, 'node_modules/tsx/dist/loader.mjs'),
  join(root, 'src/cli/main.ts'),
];

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function sealwire(
  args: string[],
  options: { input?: string | Uint8Array; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(stdout), stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
