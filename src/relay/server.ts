/**
 * The relay process: one HTTP server with `/healthz`, `/metrics`, and WebSocket endpoints routed by
 * path. The WAMP router sits at `wamp.path` (default `/ws`); the tunnel endpoint (`/tunnel/*`, see
 * `tunnel.ts`) adds its upgrade routes with `addUpgradeRoute` on the same server and port.
 *
 * Anything a client does to its own connection (reset it at any point, send garbage) costs that
 * connection only: every socket the server hands out has an 'error' listener before anything is written
 * to it, because an unheard socket error ends the whole process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWampEndpoint, Router, type RouterObserver, type WampEndpoint } from '../wamp/router/index.ts';
import { refuseUpgrade } from '../wamp/router/ws-server.ts';
import { configWarnings, type RelayConfig } from './config.ts';
import { listen } from './listen.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type RelayMetrics } from './metrics.ts';
import { mountTunnel } from './mount-tunnel.ts';
import type { UpgradeHandler, UpgradeRoutes } from './upgrade-routes.ts';

export type { UpgradeHandler } from './upgrade-routes.ts';

export interface RelayServer extends UpgradeRoutes {
  readonly config: RelayConfig;
  readonly router: Router;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly server: Server;
  /** After `start`: the bound address (port 0 resolves to the real port). */
  readonly address: { host: string; port: number; url: string; wampUrl: string };
  start(): Promise<void>;
  /** Graceful stop: refuse new connections, GOODBYE every session, drain, close. */
  stop(): Promise<void>;
}

export interface RelayOptions {
  logger?: Logger;
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

export function createRelay(config: RelayConfig, options: RelayOptions = {}): RelayServer {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const observer: RouterObserver = {
    ...metrics.observer,
    error(kind, detail) {
      metrics.observer.error?.(kind, detail);
      // Failed logins have their own line, with who and from where (authFailed below).
      if (kind !== 'auth') logger.warn({ kind, detail }, 'wamp session error');
    },
    authFailed({ realm, authid, authmethod, reason, remote }) {
      logger.warn(
        { realm, authid, authmethod, reason, remoteAddress: remote?.address, remotePort: remote?.port },
        'wamp authentication failed',
      );
    },
    sessionOpened(realm) {
      metrics.observer.sessionOpened?.(realm);
      logger.debug({ realm }, 'wamp session joined');
    },
    sessionClosed(realm) {
      metrics.observer.sessionClosed?.(realm);
      logger.debug({ realm }, 'wamp session left');
    },
  };
  const router = new Router({ realms: config.wamp.realms, limits: config.wamp.limits }, observer);
  const wamp: WampEndpoint = createWampEndpoint(router);
  const upgrades = new Map<string, UpgradeHandler>();
  const closers: Array<() => Promise<void>> = [];
  let draining = false;
  let bound = { host: config.host, port: config.port, url: '', wampUrl: '' };

  upgrades.set(config.wamp.path, (request, socket, head) => wamp.handleUpgrade(request, socket, head));

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = pathOf(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const body = JSON.stringify({
        status: draining ? 'draining' : 'ok',
        sessions: router.sessionCount,
        connections: router.connectionCount,
        uptimeSeconds: Math.round(process.uptime()),
      });
      response.writeHead(draining ? 503 : 200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (upgrades.has(path)) {
      // A WebSocket endpoint reached without the upgrade (a browser, curl): say so instead of a 404.
      response
        .writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'Upgrade' })
        .end(`${path} is a WebSocket endpoint: connect with a WebSocket client\n`);
      return;
    }
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch(() => response.writeHead(500).end());
      return;
    }
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`not found; WAMP is at ${config.wamp.path}\n`);
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // From here the socket is ours alone (Node's HTTP server stopped listening for its errors): whatever
    // the handler does, a reset by the client must not be an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    const handler = draining ? undefined : upgrades.get(pathOf(request));
    if (handler === undefined) {
      if (draining) refuseUpgrade(socket, 503, 'the relay is shutting down\n');
      else refuseUpgrade(socket, 404, `not found; WAMP is at ${config.wamp.path}\n`);
      return;
    }
    handler(request, socket, head);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  // After start: a failure of the listening socket itself (accept failing, e.g. EMFILE). The connections
  // already open carry on; an unheard 'error' would end them all.
  const onServerError = (error: Error) => logger.error({ err: error }, 'relay server error');

  const relay: RelayServer = {
    config,
    router,
    metrics,
    logger,
    server,
    get address() {
      return bound;
    },
    addUpgradeRoute(path, handler, onClose) {
      if (upgrades.has(path)) throw new Error(`an endpoint is already routed at ${path}`);
      upgrades.set(path, handler);
      if (onClose !== undefined) closers.push(onClose);
    },
    async start() {
      await listen(server, config.host, config.port);
      server.on('error', onServerError);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      bound = {
        host: address.address,
        port: address.port,
        url: `http://${host}:${address.port}`,
        wampUrl: `ws://${host}:${address.port}${config.wamp.path}`,
      };
      logger.info(
        { url: bound.wampUrl, realms: config.wamp.realms.map((entry) => entry.name) },
        'relay listening',
      );
      for (const warning of configWarnings(config)) logger.warn({ host: config.host }, warning);
    },
    async stop() {
      if (draining) return;
      draining = true;
      logger.info('relay shutting down: sending GOODBYE to sessions');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([wamp.close(config.shutdownTimeoutMs), ...closers.map((close) => close())]);
      server.closeAllConnections();
      await closed;
      logger.info('relay stopped');
    },
  };
  if (config.tunnel.enabled) mountTunnel(relay, config.tunnel, logger, metrics.registry);
  return relay;
}
