/** Spawns test/interop/autobahn/peer.py under Debian's /usr/bin/python3 and reads its marker lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./peer.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export interface PeerOptions {
  url: string;
  serializer: 'json' | 'msgpack' | 'cbor';
  uri: string;
  realm?: string;
  match?: 'exact' | 'prefix' | 'wildcard';
  keys?: Record<string, Record<string, string>>;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  count?: number;
  timeoutS?: number;
  authid?: string;
  cryptosignKey?: string;
}

export interface Marker {
  tag: string;
  value: unknown;
}

/** JSON for the peer: bytes as {"$bytes": base64} (peer.py turns them into Python bytes). */
function toPeerJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) =>
    item instanceof Uint8Array ? { $bytes: Buffer.from(item).toString('base64') } : item,
  );
}

export function fromPeerJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromPeerJson);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (Object.keys(record).length === 1 && typeof record.$bytes === 'string')
      return new Uint8Array(Buffer.from(record.$bytes, 'base64'));
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, fromPeerJson(item)]));
  }
  return value;
}

export class PythonPeer {
  readonly child: ChildProcess;
  readonly markers: Marker[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: Array<() => void> = [];

  constructor(mode: 'sub' | 'pub' | 'callee' | 'caller' | 'join', options: PeerOptions) {
    const argv = [
      SCRIPT,
      mode,
      '--url',
      options.url,
      '--serializer',
      options.serializer,
      '--uri',
      options.uri,
    ];
    argv.push('--realm', options.realm ?? 'realm1', '--match', options.match ?? 'exact');
    argv.push('--count', String(options.count ?? 1), '--timeout', String(options.timeoutS ?? 20));
    if (options.keys) argv.push('--keys', JSON.stringify(options.keys));
    if (options.args) argv.push('--args', toPeerJson(options.args));
    if (options.kwargs) argv.push('--kwargs', toPeerJson(options.kwargs));
    if (options.authid) argv.push('--authid', options.authid);
    if (options.cryptosignKey) argv.push('--cryptosign-key', options.cryptosignKey);
    this.child = spawn(PYTHON, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const raw = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        // Marker lines start with "@@ "; anything else on stdout is Autobahn's own logging.
        if (!raw.startsWith('@@ ')) continue;
        const line = raw.slice(3);
        const space = line.indexOf(' ');
        const tag = space < 0 ? line : line.slice(0, space);
        const value = space < 0 ? undefined : fromPeerJson(JSON.parse(line.slice(space + 1)));
        this.markers.push({ tag, value });
        for (const wake of this.#waiters.splice(0)) wake();
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve(code);
      }),
    );
  }

  /** Waits for the `n`-th marker with `tag` (1-based); fails with the peer's stderr on timeout or exit. */
  async waitFor(tag: string, n = 1, timeoutMs = 20_000): Promise<Marker> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.markers.filter((marker) => marker.tag === tag);
      if (found.length >= n) return found[n - 1]!;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `Autobahn peer: no ${tag} #${n} (exit ${this.child.exitCode}); markers ${JSON.stringify(this.markers)}; stderr:\n${this.stderr.slice(-2000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Originator (publisher/caller) and responder (subscriber/callee) cryptobox key pairs, base64, Autobahn's format. */
export interface CryptoboxPairs {
  originator: { privateKey: string; publicKey: string };
  responder: { privateKey: string; publicKey: string };
}

/** Key specs for peer.py (`keys` option), by side. */
export function pythonKeys(prefix: string, pairs: CryptoboxPairs, side: 'originator' | 'responder') {
  return side === 'originator'
    ? { [prefix]: { originator_priv: pairs.originator.privateKey, responder_pub: pairs.responder.publicKey } }
    : {
        [prefix]: { originator_pub: pairs.originator.publicKey, responder_priv: pairs.responder.privateKey },
      };
}
