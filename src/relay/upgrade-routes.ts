/**
 * WebSocket upgrade routes: the relay's one HTTP server hands each upgrade to the endpoint mounted at its path
 * (WAMP, the tunnel endpoint, later messaging). Its own file so that a mount depends on this contract, not on
 * the server that implements it (which imports the mounts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeRoutes {
  /** Route WebSocket upgrades for `path` to `handler`; `onClose` runs when the server stops. */
  addUpgradeRoute(path: string, handler: UpgradeHandler, onClose?: () => Promise<void>): void;
}
