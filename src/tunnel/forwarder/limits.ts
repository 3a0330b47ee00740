/**
 * The tunnel relay's limits and their defaults, written once: `TunnelForwarder` fills the options it was not
 * given from here, and the relay server's configuration offers the same numbers as the defaults of
 * `tunnel.limits`, so the two cannot drift apart. Each limit bounds what one service, or one client address,
 * can make the relay hold (sessions, waiting clients, time, message size).
 */

export interface TunnelLimits {
  /** Concurrent E2EE sessions per service. */
  maxSessionsPerService: number;
  /** Clients waiting for the service to accept, per service. */
  maxPendingPerService: number;
  /** How long registration and session acceptance may take. */
  handshakeTimeoutMs: number;
  /** A client session must carry its first bytes both ways within this time of connecting. */
  firstBytesTimeoutMs: number;
  /** Unestablished sessions one address may hold per service (IPv6 counts by /64). */
  maxUnestablishedPerAddress: number;
  /** A paired session with no bytes either way for this long is closed. */
  idleTimeoutMs: number;
  /** Largest WebSocket message accepted (TLS records are at most 16 KiB). */
  maxPayload: number;
}

export const DEFAULT_TUNNEL_LIMITS: Readonly<TunnelLimits> = {
  maxSessionsPerService: 64,
  maxPendingPerService: 16,
  handshakeTimeoutMs: 10_000,
  firstBytesTimeoutMs: 10_000,
  maxUnestablishedPerAddress: 8,
  idleTimeoutMs: 5 * 60_000,
  maxPayload: 4 * 1024 * 1024,
};

/** Every limit: the one given, or its default where it was left out (or given as undefined). */
export function tunnelLimits(given: Partial<TunnelLimits>): TunnelLimits {
  const limits = { ...DEFAULT_TUNNEL_LIMITS };
  for (const name of Object.keys(limits) as (keyof TunnelLimits)[])
    limits[name] = given[name] ?? limits[name];
  return limits;
}
