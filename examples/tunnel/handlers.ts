/**
 * Example RPC handlers for `sealwire service start --handlers examples/tunnel/handlers.ts`: what a lab
 * service behind a relay might offer. Used by the tunnel tests and benchmarks.
 *
 *   hello(name)                 -> "hello <name>"
 *   download({ bytes, seed })   -> a byte stream of that size (deterministic content)
 *   upload(<octet-stream>)      -> { bytes, sha256 } of what arrived
 *   sleep({ ms })               -> waits, then { slept: ms } (for deadline tests)
 *   whoami()                    -> the caller's E2EE / verification state as the service sees it
 */
import { createHash } from 'node:crypto';
import type { RpcContext } from '../../src/tunnel/index.ts';

const CHUNK = 256 * 1024;

function pattern(seed: number): Buffer {
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk[i] = (i * 31 + seed) & 0xff;
  return chunk;
}

export default {
  hello: (name: unknown) => `hello ${String(name)}`,

  async *download(arg: unknown, ctx: RpcContext) {
    const { bytes, seed = 7 } = arg as { bytes: number; seed?: number };
    const chunk = pattern(seed);
    for (let sent = 0; sent < bytes && !ctx.signal.aborted; sent += CHUNK) {
      yield sent + CHUNK <= bytes ? chunk : chunk.subarray(0, bytes - sent);
    }
  },

  async upload(_arg: unknown, ctx: RpcContext) {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of ctx.body ?? []) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, sha256: hash.digest('hex') };
  },

  async sleep(arg: unknown, ctx: RpcContext) {
    const ms = (arg as { ms: number }).ms;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => clearTimeout(timer));
    });
    return { slept: ms };
  },

  whoami: (_arg: unknown, ctx: RpcContext) => ({
    e2ee: ctx.e2ee,
    verified: ctx.verified,
    token: ctx.claims?.jti ?? null,
  }),
};

/** The bytes `download` sends, for checking on the client side. */
export function expectedDownloadHash(bytes: number, seed = 7): string {
  const chunk = pattern(seed);
  const hash = createHash('sha256');
  for (let sent = 0; sent < bytes; sent += CHUNK)
    hash.update(sent + CHUNK <= bytes ? chunk : chunk.subarray(0, bytes - sent));
  return hash.digest('hex');
}
