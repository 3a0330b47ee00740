/**
 * The two routing roles of a realm, as the realm's dispatch calls them. `LocalBroker` and `LocalDealer`
 * route among the sessions of this process; a later cluster backplane implements the same interfaces to
 * route across nodes. Each message handler takes the joined session it came from and the validated message.
 */
import type { WampMessage } from '../protocol/messages.ts';
import type { RouterPeer } from './peer.ts';
import type { IndexStats } from './uri-index.ts';

export interface Broker {
  subscribe(peer: RouterPeer, message: WampMessage): void;
  unsubscribe(peer: RouterPeer, message: WampMessage): void;
  publish(peer: RouterPeer, message: WampMessage): void;
  /** `peer` left the realm: its subscriptions go. */
  sessionLeft(peer: RouterPeer): void;
  /** Subscriptions held, and what the pattern indexes hold and have visited (tests, diagnostics). */
  readonly stats: { subscriptions: number; prefix: IndexStats; wildcard: IndexStats };
}

export interface Dealer {
  register(peer: RouterPeer, message: WampMessage): void;
  unregister(peer: RouterPeer, message: WampMessage): void;
  call(peer: RouterPeer, message: WampMessage): void;
  cancel(peer: RouterPeer, message: WampMessage): void;
  yield(peer: RouterPeer, message: WampMessage): void;
  /** ERROR for an INVOCATION, from its callee. */
  invocationError(peer: RouterPeer, message: WampMessage): void;
  /** `peer` left the realm: its registrations go, and every call it was part of ends now. */
  sessionLeft(peer: RouterPeer): void;
  /** Registrations held, and what the pattern indexes hold and have visited (tests, diagnostics). */
  readonly stats: { registrations: number; prefix: IndexStats; wildcard: IndexStats };
}
