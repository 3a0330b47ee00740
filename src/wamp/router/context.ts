/**
 * What a realm's broker and dealer read of the router: its limits, its observer, and the realm's own
 * authorization. Handed to them at construction, so they are built without a router or a realm.
 */
import type { Authorizer } from './authorization.ts';
import type { RouterObserver } from './observer.ts';
import type { RouterLimits } from './options.ts';

export interface RealmContext {
  readonly limits: RouterLimits;
  readonly observer: RouterObserver;
  readonly authorizer: Authorizer;
}
