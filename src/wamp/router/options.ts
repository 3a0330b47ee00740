/** Router configuration: realms, their authentication and roles, and the limits that protect the router. */
import type { MatchPolicy } from '../protocol/uri.ts';

export interface RouterLimits {
  /** Largest accepted message, in bytes as received (before decoding). */
  maxMessageBytes: number;
  /** Most concurrent sessions, all realms together. */
  maxSessions: number;
  maxSubscriptionsPerSession: number;
  maxRegistrationsPerSession: number;
  /** Most calls a session may have in flight as a caller. */
  maxPendingCallsPerSession: number;
  /**
   * Bytes a session may have queued for sending. Above it the session is a slow consumer and is
   * disconnected with a reason, so one stuck reader cannot make the router buffer without bound.
   */
  maxSendQueueBytes: number;
  /** Time allowed from connect to WELCOME (HELLO and authentication). */
  handshakeTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<RouterLimits> = {
  maxMessageBytes: 1024 * 1024,
  maxSessions: 10_000,
  maxSubscriptionsPerSession: 1_000,
  maxRegistrationsPerSession: 1_000,
  maxPendingCallsPerSession: 1_000,
  maxSendQueueBytes: 8 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
};

export interface Permission {
  /** URI or pattern the rule covers. */
  uri: string;
  match: MatchPolicy;
  publish?: boolean;
  subscribe?: boolean;
  call?: boolean;
  register?: boolean;
}

export interface RoleConfig {
  name: string;
  permissions: Permission[];
}

export interface TicketPrincipal {
  ticket: string;
  role: string;
}

export interface CraUser {
  secret: string;
  role: string;
  /** With a salt, the key is PBKDF2-SHA256(secret, salt, iterations, keylen), as Autobahn derives it. */
  salt?: string;
  iterations?: number;
  keylen?: number;
}

export interface CryptosignPrincipal {
  /** Ed25519 public keys, 64 hex characters each (Autobahn's `public_key()` form). */
  authorizedKeys: string[];
  role: string;
}

export interface RealmConfig {
  name: string;
  /** Anonymous sessions allowed, with this role. Absent: anonymous is refused. */
  anonymous?: { role: string };
  ticket?: Record<string, TicketPrincipal>;
  wampcra?: Record<string, CraUser>;
  cryptosign?: Record<string, CryptosignPrincipal>;
  /**
   * Roles and their permissions. Absent: every session may do everything (the development default).
   * Present: deny by default; a session whose role is not listed can do nothing.
   */
  roles?: RoleConfig[];
}

export interface RouterOptions {
  realms: RealmConfig[];
  limits?: Partial<RouterLimits>;
}

/** The embedded default: realm `realm1`, anonymous, full permissions. Meant for localhost. */
export const DEFAULT_REALMS: readonly RealmConfig[] = [{ name: 'realm1', anonymous: { role: 'anonymous' } }];
