/**
 * `sealwire service status`: what a data directory holds and whether a process serves it now, read without
 * the admin password (nothing here is secret: the id, the policy, the pinned fingerprint, the public identity).
 */
import type { PublicJwk } from '../../keys/types.ts';
import { readFingerprint, readIdentity, readSettings } from './data-dir.ts';
import { lockHolder } from './lock.ts';

export interface ServiceStatus {
  dataDir: string;
  serviceId: string;
  /** The certificate's SHA-256 fingerprint, as clients pin it. */
  fingerprint: string;
  settings: { require_e2ee: boolean; require_session_verification: boolean };
  /** The Ed25519 public key the relay checks registrations against. */
  identity: PublicJwk;
  /** Whether a live process holds the directory's lock (a stale lock from a dead one does not count). */
  running: boolean;
  /** That process, when running. */
  pid?: number;
}

export async function serviceStatus(dataDir: string): Promise<ServiceStatus> {
  const { serviceId, require_e2ee, require_session_verification } = await readSettings(dataDir);
  const pid = await lockHolder(dataDir);
  return {
    dataDir,
    serviceId,
    fingerprint: await readFingerprint(dataDir),
    settings: { require_e2ee, require_session_verification },
    identity: await readIdentity(dataDir),
    running: pid !== undefined,
    ...(pid === undefined ? {} : { pid }),
  };
}
