/**
 * A realm: its sessions, broker, dealer and authorization, and the dispatch of a joined session's messages
 * to its broker or dealer. Realms never see each other's traffic.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import type { WampMessage } from '../protocol/messages.ts';
import { Authorizer } from './authorization.ts';
import { LocalBroker } from './broker.ts';
import type { RealmContext } from './context.ts';
import { LocalDealer } from './dealer.ts';
import type { RouterObserver } from './observer.ts';
import type { RealmConfig, RouterLimits } from './options.ts';
import type { RouterPeer } from './peer.ts';
import type { Broker, Dealer } from './routing.ts';

export class Realm {
  readonly name: string;
  readonly config: RealmConfig;
  readonly authorizer: Authorizer;
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly sessions = new Map<number, RouterPeer>();

  constructor(config: RealmConfig, router: { limits: RouterLimits; observer: RouterObserver }) {
    this.name = config.name;
    this.config = config;
    this.authorizer = new Authorizer(config.roles);
    const context: RealmContext = {
      limits: router.limits,
      observer: router.observer,
      authorizer: this.authorizer,
    };
    this.broker = new LocalBroker(context);
    this.dealer = new LocalDealer(context);
  }

  join(session: RouterPeer): void {
    this.sessions.set(session.id, session);
  }

  leave(session: RouterPeer): void {
    this.sessions.delete(session.id);
    this.broker.sessionLeft(session);
    this.dealer.sessionLeft(session);
  }

  /** A message from a joined session, other than GOODBYE (the session's own business). */
  dispatch(session: RouterPeer, message: WampMessage) {
    const type = message[0] as number;
    switch (type) {
      case MessageType.PUBLISH:
        return this.broker.publish(session, message);
      case MessageType.SUBSCRIBE:
        return this.broker.subscribe(session, message);
      case MessageType.UNSUBSCRIBE:
        return this.broker.unsubscribe(session, message);
      case MessageType.CALL:
        return this.dealer.call(session, message);
      case MessageType.CANCEL:
        return this.dealer.cancel(session, message);
      case MessageType.REGISTER:
        return this.dealer.register(session, message);
      case MessageType.UNREGISTER:
        return this.dealer.unregister(session, message);
      case MessageType.YIELD:
        return this.dealer.yield(session, message);
      case MessageType.ERROR:
        if (message[1] !== MessageType.INVOCATION)
          return session.abort(
            WampErrors.PROTOCOL_VIOLATION,
            'a client may only send ERROR for an INVOCATION',
          );
        return this.dealer.invocationError(session, message);
      default:
        return session.abort(
          WampErrors.PROTOCOL_VIOLATION,
          `message type ${type} is not allowed from a client here`,
        );
    }
  }
}
