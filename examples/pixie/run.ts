/**
 * Runs the three demo processes (data source, proxy, client) on 127.0.0.1 and collects what each saw.
 * Used by `npm run demo` and by the canary test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateKeyPair } from '../../src/keys/index.ts';

export interface PixieOptions {
  canary?: string;
  /** The proxy swaps the client's key for its own (an active attacker). */
  swapKey?: boolean;
  /** The client signs its request with an identity key the data source knows. */
  authenticate?: boolean;
}

export interface PixieRun {
  proxyEvents: Record<string, unknown>[];
  client: Record<string, unknown>;
  /** Every byte the proxy handled, both directions. */
  proxyBytes: Buffer;
}

const here = new URL('.', import.meta.url).pathname;

function start(script: string, args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=sealwire-source', '--import', 'tsx', join(here, script), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

/** Collects JSON lines from a child; resolves the first line matching `ready`. */
function lines(child: ChildProcess, sink: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a demo process did not start within 30 s')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.ready === true) {
        clearTimeout(timer);
        resolve(event);
      } else sink.push(event);
    });
    child.on('exit', (code) => reject(new Error(`a demo process exited early (${code})`)));
  });
}

export async function runPixie(options: PixieOptions = {}): Promise<PixieRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sealwire-pixie-'));
  const children: ChildProcess[] = [];
  try {
    const dataSourceKey = await generateKeyPair('Ed25519');
    const clientIdentity = await generateKeyPair('Ed25519');
    writeFileSync(join(dir, 'ds.jwk'), JSON.stringify(dataSourceKey.privateJwk), { mode: 0o600 });
    writeFileSync(join(dir, 'ds.pub.jwk'), JSON.stringify(dataSourceKey.publicJwk));
    writeFileSync(join(dir, 'client.jwk'), JSON.stringify(clientIdentity.privateJwk), { mode: 0o600 });
    writeFileSync(join(dir, 'clients.json'), JSON.stringify([clientIdentity.publicJwk]));

    const dsArgs = ['--key', join(dir, 'ds.jwk'), ...(options.canary ? ['--canary', options.canary] : [])];
    if (options.authenticate) dsArgs.push('--clients', join(dir, 'clients.json'));
    const dataSource = start('data-source.ts', dsArgs);
    children.push(dataSource);
    const dsReady = await lines(dataSource, []);

    const proxyEvents: Record<string, unknown>[] = [];
    const record = join(dir, 'proxy.bytes');
    const proxy = start('proxy.ts', [
      '--upstream',
      String(dsReady.port),
      '--record',
      record,
      ...(options.swapKey ? ['--swap-key'] : []),
    ]);
    children.push(proxy);
    const proxyReady = await lines(proxy, proxyEvents);

    const clientArgs = ['--proxy', String(proxyReady.port), '--server-key', join(dir, 'ds.pub.jwk')];
    if (options.authenticate) clientArgs.push('--identity', join(dir, 'client.jwk'));
    const client = start('client.ts', clientArgs);
    children.push(client);
    const clientLines: Record<string, unknown>[] = [];
    createInterface({ input: client.stdout! }).on('line', (line) =>
      clientLines.push(JSON.parse(line) as Record<string, unknown>),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the client did not finish within 30 s')), 30_000);
      client.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Let the proxy flush its last event line.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      proxyEvents,
      client: clientLines[0] ?? { ok: false, error: 'no output' },
      proxyBytes: readFileSync(record),
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
