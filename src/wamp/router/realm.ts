/** A realm: its sessions, broker, dealer and authorization. Realms never see each other's traffic. */
import { Authorizer } from './authorization.ts';
import { Broker } from './broker.ts';
import { Dealer } from './dealer.ts';
import type { RealmConfig } from './options.ts';
import type { Router } from './router.ts';
import type { RouterSession } from './session.ts';

export class Realm {
  readonly name: string;
  readonly config: RealmConfig;
  readonly authorizer: Authorizer;
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly sessions = new Map<number, RouterSession>();

  constructor(config: RealmConfig, router: Router) {
    this.name = config.name;
    this.config = config;
    this.authorizer = new Authorizer(config.roles);
    this.broker = new Broker(this, router);
    this.dealer = new Dealer(this, router);
  }

  join(session: RouterSession): void {
    this.sessions.set(session.id, session);
  }

  leave(session: RouterSession): void {
    this.sessions.delete(session.id);
    this.broker.removeSession(session);
    this.dealer.removeSession(session);
  }
}
