/**
 * A running service: opens its data directory with the admin password (creating it on first start), serves
 * RPCs, and registers with the relay.
 *
 *   const service = await startService({ dataDir, relay, serviceId, adminPassword });
 *   service.handle('hello', (name) => `hello ${name}`);
 */
import { SealwireError } from '../../errors.ts';
import { ServiceConnector } from './connector.ts';
import {
  initServiceDir,
  isServiceDir,
  type OpenedService,
  openServiceDir,
  type ServiceSettings,
} from './data-dir.ts';
import { type RpcHandler, RpcServer } from './rpc-server.ts';

export interface StartServiceOptions {
  dataDir: string;
  relay: string;
  adminPassword: string;
  /** Needed on first start; must match the data directory afterwards. */
  serviceId?: string;
  /** Settings for a new data directory. */
  settings?: Partial<Omit<ServiceSettings, 'serviceId'>>;
  reconnect?: boolean;
}

export interface RunningService {
  readonly serviceId: string;
  readonly fingerprint: string;
  readonly settings: ServiceSettings;
  /** True when this start created the data directory. */
  readonly created: boolean;
  handle(name: string, handler: RpcHandler): RunningService;
  readonly connector: ServiceConnector;
  stop(): void;
}

/** The RPC server of an opened service directory, with its certificate, token key and policy. */
export function rpcServerFor(opened: OpenedService): RpcServer {
  return new RpcServer({
    serviceId: opened.settings.serviceId,
    certPem: opened.certPem,
    keyPem: opened.keyPem,
    fingerprint: opened.fingerprint,
    tokenKey: opened.tokenKey,
    requireE2ee: opened.settings.require_e2ee,
    requireSessionVerification: opened.settings.require_session_verification,
  });
}

export async function startService(options: StartServiceOptions): Promise<RunningService> {
  let opened: OpenedService;
  let created = false;
  if (await isServiceDir(options.dataDir)) {
    opened = await openServiceDir(options.dataDir, options.adminPassword);
    if (options.serviceId !== undefined && options.serviceId !== opened.settings.serviceId) {
      throw new SealwireError(
        'ERR_INVALID_ARGUMENT',
        `${options.dataDir} holds service ${opened.settings.serviceId}, not ${options.serviceId}`,
      );
    }
  } else {
    if (options.serviceId === undefined)
      throw new SealwireError('ERR_INVALID_ARGUMENT', 'the first start of a service needs its id (--id)');
    opened = await initServiceDir(options.dataDir, {
      serviceId: options.serviceId,
      adminPassword: options.adminPassword,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
    created = true;
  }
  const server = rpcServerFor(opened);
  const connector = new ServiceConnector({
    relay: options.relay,
    serviceId: opened.settings.serviceId,
    identityKey: opened.identityKey,
    server,
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
  });
  await connector.start();
  const running: RunningService = {
    serviceId: opened.settings.serviceId,
    fingerprint: opened.fingerprint,
    settings: opened.settings,
    created,
    connector,
    handle(name, handler) {
      server.handle(name, handler);
      return running;
    },
    stop() {
      connector.stop();
      server.close();
    },
  };
  return running;
}
