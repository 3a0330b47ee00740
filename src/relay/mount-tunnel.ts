/**
 * Mounts the tunnel endpoint on the relay server: `/tunnel/service`, `/tunnel/accept`, `/tunnel/client` on
 * the same port as WAMP, with its limits from the config, its log lines through pino, and its counters on
 * `/metrics`. The relay composes capabilities; the tunnel module itself knows nothing of the relay server.
 */
import { Gauge, type Registry } from 'prom-client';
import { TUNNEL_PATHS, TunnelForwarder } from '../tunnel/index.ts';
import type { TunnelConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { UpgradeHandler, UpgradeRoutes } from './upgrade-routes.ts';

type Host = UpgradeRoutes;

export function mountTunnel(
  host: Host,
  config: TunnelConfig,
  logger: Logger,
  registry: Registry,
): TunnelForwarder {
  const tunnel = new TunnelForwarder({
    services: config.services,
    allowFirstUse: config.allowFirstUse,
    ...config.limits,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  const handler: UpgradeHandler = (request, socket, head) => {
    tunnel.handleUpgrade(request, socket, head);
  };
  host.addUpgradeRoute(TUNNEL_PATHS.service, handler, () => tunnel.close());
  host.addUpgradeRoute(TUNNEL_PATHS.accept, handler);
  host.addUpgradeRoute(TUNNEL_PATHS.client, handler);
  const gauge = (name: string, help: string, read: (stats: ReturnType<TunnelForwarder['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(tunnel.stats()));
      },
    });
  gauge('sealwire_tunnel_services', 'Services registered on the tunnel endpoint', (s) => s.services);
  gauge('sealwire_tunnel_sessions', 'Paired E2EE sessions being relayed', (s) => s.sessions);
  gauge('sealwire_tunnel_pending', 'Client sessions waiting for their service to accept', (s) => s.pending);
  gauge('sealwire_tunnel_sessions_opened', 'Sessions paired since start', (s) => s.sessionsOpened);
  gauge(
    'sealwire_tunnel_bytes_to_service',
    'Bytes relayed from clients to services (TLS records)',
    (s) => s.bytesToService,
  );
  gauge(
    'sealwire_tunnel_bytes_to_client',
    'Bytes relayed from services to clients (TLS records)',
    (s) => s.bytesToClient,
  );
  gauge(
    'sealwire_tunnel_refusals',
    'Connections refused (unknown service, limits, bad registration, idle)',
    (s) => Object.values(s.rejected).reduce((sum, count) => sum + count, 0),
  );
  return tunnel;
}
