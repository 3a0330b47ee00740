/**
 * HELLO, CHALLENGE, AUTHENTICATE, WELCOME: one connection's way into a realm. It picks the realm, runs the
 * authentication the realm allows, refuses what it must (ABORT, with the failure reported to the observer
 * and never what the client presented), and hands the session its realm and identity once it is in.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict, type WampMessage } from '../protocol/messages.ts';
import { isValidUri } from '../protocol/uri.ts';
import { type AuthOutcome, type PendingChallenge, startAuthentication } from './auth/index.ts';
import { ROUTER_ROLES } from './features.ts';
import type { RouterObserver } from './observer.ts';
import type { RouterLimits } from './options.ts';
import type { Realm } from './realm.ts';

/** What the handshake reads of the router. */
export interface HandshakeRouter {
  readonly limits: RouterLimits;
  readonly observer: RouterObserver;
  realm(name: string): Realm | undefined;
  /** Sessions that completed the handshake, all realms together. */
  readonly sessionCount: number;
}

/** The session the handshake runs for. */
export interface HandshakeSession {
  readonly id: number;
  readonly remote: { address: string; port: number } | undefined;
  /** Whether the session ended meanwhile (a signature is checked asynchronously). */
  readonly isClosed: boolean;
  send(message: readonly unknown[]): void;
  abort(reason: string, message: string): void;
  /** Authenticated: the session is now in `realm` as `outcome`; `roles` is what its HELLO announced. */
  joined(realm: Realm, outcome: AuthOutcome, roles: Dict): void;
}

type Step = 'hello' | 'challenge' | 'verifying';

export class Handshake {
  readonly #router: HandshakeRouter;
  readonly #session: HandshakeSession;
  #step: Step = 'hello';
  #pending: { challenge: PendingChallenge; realm: Realm } | undefined;
  /** The `roles` dict of the client's HELLO. */
  #roles: Dict = {};
  /** The authid the client claimed in HELLO, for the log of a failed login. */
  #claimedAuthid: string | undefined;

  constructor(router: HandshakeRouter, session: HandshakeSession) {
    this.#router = router;
    this.#session = session;
  }

  /** A message before WELCOME. */
  receive(message: WampMessage) {
    const type = message[0] as number;
    switch (this.#step) {
      case 'hello':
        if (type !== MessageType.HELLO)
          return this.#session.abort(WampErrors.PROTOCOL_VIOLATION, 'expected HELLO');
        return this.#hello(message[1] as string, message[2] as Dict);
      case 'challenge':
        if (type !== MessageType.AUTHENTICATE)
          return this.#session.abort(WampErrors.PROTOCOL_VIOLATION, 'expected AUTHENTICATE');
        return void this.#authenticate(message[1] as string, message[2] as Dict);
      case 'verifying':
        return this.#session.abort(WampErrors.PROTOCOL_VIOLATION, 'message before WELCOME');
    }
  }

  #hello(realmName: string, details: Dict) {
    const session = this.#session;
    if (!isValidUri(realmName)) return session.abort(WampErrors.INVALID_URI, 'realm is not a valid URI');
    const realm = this.#router.realm(realmName);
    if (realm === undefined) return session.abort(WampErrors.NO_SUCH_REALM, `no realm ${realmName}`);
    if (!isDict(details.roles) || Object.keys(details.roles).length === 0)
      return session.abort(WampErrors.PROTOCOL_VIOLATION, 'HELLO must announce at least one role');
    if (this.#router.sessionCount >= this.#router.limits.maxSessions) {
      this.#router.observer.error?.('max_sessions', realmName);
      return session.abort(WampErrors.LIMIT_EXCEEDED, 'the router is at its session limit; try again later');
    }
    this.#roles = details.roles;
    const methods = Array.isArray(details.authmethods)
      ? details.authmethods.filter((method): method is string => typeof method === 'string').slice(0, 8)
      : ['anonymous'];
    const authid = typeof details.authid === 'string' ? details.authid : undefined;
    this.#claimedAuthid = authid;
    const authextra = isDict(details.authextra) ? details.authextra : {};
    const offered = methods.length > 0 ? methods : ['anonymous'];
    const step = startAuthentication(realm.config, offered, { sessionId: session.id, authid, authextra });
    if (step.kind === 'abort') {
      this.#failed(realm, offered.join(','), step.reason);
      return session.abort(step.reason, step.message);
    }
    if (step.kind === 'welcome') return this.#welcome(realm, step.outcome);
    this.#step = 'challenge';
    this.#pending = { challenge: step.pending, realm };
    session.send([MessageType.CHALLENGE, step.pending.method, step.pending.extra]);
  }

  async #authenticate(signature: string, extra: Dict): Promise<void> {
    const pending = this.#pending!;
    this.#pending = undefined;
    // One answer per challenge: anything arriving while it is checked is a protocol violation.
    this.#step = 'verifying';
    const outcome = await pending.challenge.verify(signature, extra).catch(() => undefined);
    if (this.#session.isClosed) return;
    if (outcome === undefined) {
      this.#failed(pending.realm, pending.challenge.method, WampErrors.AUTHENTICATION_FAILED);
      return this.#session.abort(WampErrors.AUTHENTICATION_FAILED, 'authentication failed');
    }
    this.#welcome(pending.realm, outcome);
  }

  #welcome(realm: Realm, outcome: AuthOutcome) {
    if (!realm.authorizer.hasRole(outcome.authrole)) {
      this.#failed(realm, outcome.authmethod, WampErrors.NO_SUCH_ROLE);
      return this.#session.abort(
        WampErrors.NO_SUCH_ROLE,
        `role ${outcome.authrole} is not configured on this realm`,
      );
    }
    this.#session.joined(realm, outcome, this.#roles);
    const details: Dict = {
      realm: realm.name,
      authid: outcome.authid,
      authrole: outcome.authrole,
      authmethod: outcome.authmethod,
      authprovider: outcome.authprovider,
      roles: ROUTER_ROLES,
    };
    if (outcome.authextra !== undefined) details.authextra = outcome.authextra;
    this.#session.send([MessageType.WELCOME, this.#session.id, details]);
  }

  /** Counts and reports a refused login: who claimed to be whom, from where; never what they presented. */
  #failed(realm: Realm, authmethod: string, reason: string): void {
    this.#router.observer.error?.('auth', reason);
    this.#router.observer.authFailed?.({
      realm: realm.name,
      // Client-chosen text: bounded, so a HELLO cannot write megabytes into the log.
      authid: this.#claimedAuthid?.slice(0, 128),
      authmethod: authmethod.slice(0, 128),
      reason,
      remote: this.#session.remote,
    });
  }
}
