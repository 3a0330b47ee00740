/** Hooks through which a host (the relay) counts what the router does, without the router knowing how. */

import type { WampMessage } from '../protocol/messages.ts';
import type { Frame } from '../protocol/serializer.ts';

export interface RouterObserver {
  sessionOpened?(realm: string): void;
  sessionClosed?(realm: string): void;
  /** Every frame received, after decoding and validation (tests use it to prove what the router sees). */
  received?(frame: Frame, message: WampMessage, bytes: number): void;
  /** Frames sent: one call per frame put on a connection. */
  sent?(type: number, bytes: number): void;
  /** A routed PUBLISH/CALL/YIELD/ERROR payload, by whether it was end-to-end encrypted. */
  payload?(encrypted: boolean): void;
  /** Something went wrong on one session: protocol violation, auth failure, slow consumer, limits. */
  error?(kind: string, detail: string): void;
}
