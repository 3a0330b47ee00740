/** `sealwire/wamp/router`: the WAMP v2 router (Node). The router never decodes end-to-end payloads. */

export type { AuthOutcome } from './auth/index.ts';
export { type Action, Authorizer } from './authorization.ts';
export { ROUTER_ROLES } from './features.ts';
export { CloseCode } from './frames.ts';
export type { RouterObserver } from './observer.ts';
export {
  type CraUser,
  type CryptosignPrincipal,
  DEFAULT_LIMITS,
  DEFAULT_REALMS,
  type Permission,
  type RealmConfig,
  type RoleConfig,
  type RouterLimits,
  type RouterOptions,
  type TicketPrincipal,
} from './options.ts';
export type { RouterPeer } from './peer.ts';
export { Router } from './router.ts';
export type { Broker, Dealer } from './routing.ts';
export { RouterSession } from './session.ts';
export type { RouterTransport } from './transport.ts';
export {
  chooseSubprotocol,
  createWampEndpoint,
  type WampEndpoint,
  type WampEndpointOptions,
} from './ws-server.ts';
