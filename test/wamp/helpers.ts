/** Test helpers: a router on 127.0.0.1:0 behind a plain HTTP server, and small waiting utilities. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWampEndpoint,
  Router,
  type RouterObserver,
  type RouterOptions,
  type WampEndpoint,
  type WampEndpointOptions,
} from 'sealwire/wamp/router';

export interface TestRouter {
  url: string;
  port: number;
  router: Router;
  endpoint: WampEndpoint;
  server: Server;
  close(): Promise<void>;
}

export async function startRouter(
  options: Partial<RouterOptions> = {},
  observer: RouterObserver = {},
  endpointOptions: WampEndpointOptions = {},
): Promise<TestRouter> {
  const router = new Router(options, observer);
  const endpoint = createWampEndpoint(router, { pingIntervalMs: 0, closeGraceMs: 500, ...endpointOptions });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/ws') endpoint.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    router,
    endpoint,
    server,
    async close() {
      await endpoint.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects after `ms` unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref(),
    ),
  ]);
}
