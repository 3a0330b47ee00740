/**
 * A running service: opens its data directory with the admin password (creating it on first start), serves
 * RPCs, and registers with the relay. It holds the data directory's lock while it runs: a second start on
 * the same directory is refused (ERR_ALREADY_RUNNING) instead of fighting the first over the relay.
 *
 *   const service = await startService({ dataDir, relay, serviceId, adminPassword });
 *   service.handle('hello', (name) => `hello ${name}`);
 */
import { mkdir } from 'node:fs/promises';
import { ArgumentError } from '../../errors.ts';
import { assertAdminPasswordStrength } from './admin-password.ts';
import { ServiceConnector } from './connector.ts';
import {
  assertServiceId,
  initServiceDir,
  isServiceDir,
  type OpenedService,
  openServiceDir,
  type ServiceSettings,
} from './data-dir.ts';
import { lockDataDir } from './lock.ts';
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
  /** Stops serving, leaves the relay and releases the data directory. */
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
  const exists = await isServiceDir(options.dataDir);
  if (!exists) {
    if (options.serviceId === undefined)
      throw new ArgumentError('the first start of a service needs its id (--id)');
    // Both checked before the directory exists, so a refusal leaves nothing behind.
    assertServiceId(options.serviceId);
    assertAdminPasswordStrength(options.adminPassword);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  }
  const lock = await lockDataDir(options.dataDir);
  let opened: OpenedService;
  let connector: ServiceConnector;
  let server: RpcServer;
  try {
    if (exists) {
      opened = await openServiceDir(options.dataDir, options.adminPassword);
      if (options.serviceId !== undefined && options.serviceId !== opened.settings.serviceId) {
        throw new ArgumentError(
          `${options.dataDir} holds service ${opened.settings.serviceId}, not ${options.serviceId}`,
        );
      }
    } else {
      opened = await initServiceDir(options.dataDir, {
        serviceId: options.serviceId!,
        adminPassword: options.adminPassword,
        ...(options.settings === undefined ? {} : { settings: options.settings }),
      });
    }
    server = rpcServerFor(opened);
    connector = new ServiceConnector({
      relay: options.relay,
      serviceId: opened.settings.serviceId,
      identityKey: opened.identityKey,
      server,
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    });
    await connector.start();
  } catch (error) {
    lock.release();
    throw error;
  }
  const running: RunningService = {
    serviceId: opened.settings.serviceId,
    fingerprint: opened.fingerprint,
    settings: opened.settings,
    created: !exists,
    connector,
    handle(name, handler) {
      server.handle(name, handler);
      return running;
    },
    stop() {
      connector.stop();
      server.close();
      lock.release();
    },
  };
  return running;
}
