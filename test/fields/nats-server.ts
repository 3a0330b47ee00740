/**
 * Runs the real Debian `nats-server` for the JetStream tests: JetStream on, 127.0.0.1 only, a port chosen
 * by the server (-1) and read back from its log, a temporary store directory, bounded start and stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface NatsServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/** Starts nats-server with JetStream storing in `storeDir`; `port` 0 lets the server pick one. */
export async function startNatsServer(storeDir: string, port = 0): Promise<NatsServer> {
  const child = spawn(
    'nats-server',
    [
      '--jetstream',
      '--store_dir',
      storeDir,
      '--addr',
      '127.0.0.1',
      '--port',
      port === 0 ? '-1' : String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chosen = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const match = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match !== null && /Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run nats-server (install the Debian package nats-server): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with code ${code}:\n${log}`));
    });
  });
  return { port: chosen, url: `nats://127.0.0.1:${chosen}`, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
