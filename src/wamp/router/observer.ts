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
  /** A HELLO or AUTHENTICATE was refused (after `error('auth', reason)`); never carries what was presented. */
  authFailed?(failure: AuthFailure): void;
}

/** Who failed to log in, and why: what an operator needs to act on, and nothing secret. */
export interface AuthFailure {
  realm: string;
  /** As the client claimed it in HELLO (unverified), when it gave one. */
  authid: string | undefined;
  /** The method that failed, or the methods offered when none is allowed. */
  authmethod: string;
  /** The WAMP error URI of the ABORT (`wamp.error.authentication_failed`, `wamp.error.no_auth_method`, ...). */
  reason: string;
  remote: { address: string; port: number } | undefined;
}
