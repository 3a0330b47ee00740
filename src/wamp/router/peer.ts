/**
 * What the broker and the dealer see of a joined session: who it is, what it announced, and how to answer
 * it. Nothing of its connection or its handshake: a later cluster backplane can stand a session of another
 * node behind this same interface.
 */
import type { AuthOutcome } from './auth/index.ts';
import type { ClientRole } from './features.ts';
import type { SharedFrames } from './frames.ts';

export interface RouterPeer {
  /** The WAMP session ID. */
  readonly id: number;
  /** Who the session authenticated as; set for every session that reached a realm. */
  readonly auth: AuthOutcome | undefined;
  /** Whether its HELLO announced `feature` for `role`. */
  features(role: ClientRole, feature: string): boolean;
  send(message: readonly unknown[]): void;
  /** Sends a message encoded at most once per serializer (fan-out). */
  sendShared(frames: SharedFrames): void;
  sendError(requestType: number, request: number, uri: string, message?: string): void;
  /** Ends the session as a protocol violation. */
  abort(reason: string, message: string): void;
}
