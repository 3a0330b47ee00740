/**
 * One client connection as the router sees it: the HELLO/CHALLENGE/WELCOME handshake, then dispatch to
 * the realm's broker and dealer. Everything a client sends is shape-checked first; a violation ends this
 * session only (ABORT, then close), never the router.
 */
import { isSealwireError } from '../../errors.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict, validateMessage, type WampMessage } from '../protocol/messages.ts';
import type { Frame, Serializer } from '../protocol/serializer.ts';
import { isValidUri } from '../protocol/uri.ts';
import { type AuthOutcome, type PendingChallenge, startAuthentication } from './auth/index.ts';
import type { Subscription } from './broker.ts';
import type { Invocation, Registration } from './dealer.ts';
import { type ClientRole, hasFeature, ROUTER_ROLES } from './features.ts';
import { randomId, SequentialIds } from './ids.ts';
import type { Realm } from './realm.ts';
import type { Router } from './router.ts';
import type { RouterTransport } from './transport.ts';

type State = 'hello' | 'challenge' | 'verifying' | 'open' | 'closed';

/** WebSocket close codes used when the router ends a connection. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  POLICY: 1008,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
} as const;

/** One outgoing message and its encodings, made at most once per serializer, for one publication. */
export class SharedFrames {
  readonly type: number;
  readonly #message: readonly unknown[];
  #json: Frame | undefined;
  #msgpack: Frame | undefined;
  #cbor: Frame | undefined;

  constructor(message: readonly unknown[]) {
    this.#message = message;
    this.type = message[0] as number;
  }

  frame(serializer: Serializer): Frame {
    switch (serializer.id) {
      case 'msgpack':
        if (this.#msgpack === undefined) this.#msgpack = serializer.encode(this.#message);
        return this.#msgpack;
      case 'cbor':
        if (this.#cbor === undefined) this.#cbor = serializer.encode(this.#message);
        return this.#cbor;
      default:
        if (this.#json === undefined) this.#json = serializer.encode(this.#message);
        return this.#json;
    }
  }
}

export class RouterSession {
  readonly id = randomId();
  readonly serializer: Serializer;
  readonly #transport: RouterTransport;
  readonly #router: Router;
  #state: State = 'hello';
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #pending: { challenge: PendingChallenge; realm: Realm } | undefined;
  /** The authid the client claimed in HELLO, for the log of a failed login. */
  #claimedAuthid: string | undefined;
  realm: Realm | undefined;
  auth: AuthOutcome | undefined;
  /** The `roles` dict of the client's HELLO. */
  roles: Dict = {};
  readonly subscriptions = new Set<Subscription>();
  readonly registrations = new Set<Registration>();
  /** Calls this session made that are waiting for a result, by the caller's request id. */
  readonly calls = new Map<number, Invocation>();
  /** Invocations sent to this session as callee, by invocation id. */
  readonly invocations = new Map<number, Invocation>();
  readonly invocationIds = new SequentialIds();

  constructor(router: Router, transport: RouterTransport, serializer: Serializer) {
    this.#router = router;
    this.#transport = transport;
    this.serializer = serializer;
    this.#handshakeTimer = setTimeout(() => {
      this.abort(WampErrors.AUTHENTICATION_FAILED, 'handshake not completed in time');
    }, router.limits.handshakeTimeoutMs);
    this.#handshakeTimer.unref?.();
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  features(role: ClientRole, feature: string): boolean {
    return hasFeature(this.roles, role, feature);
  }

  /** Entry point for every frame from the connection. */
  receive(frame: Frame): void {
    if (this.#state === 'closed') return;
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    if (size > this.#router.limits.maxMessageBytes) {
      this.#router.observer.error?.('oversized', `${size} bytes`);
      this.abort(
        WampErrors.PAYLOAD_SIZE_EXCEEDED,
        `message of ${size} bytes is over the limit of ${this.#router.limits.maxMessageBytes}`,
      );
      return;
    }
    let message: WampMessage;
    try {
      message = validateMessage(this.serializer.decode(frame));
    } catch (error) {
      this.#router.observer.error?.('malformed', String((error as Error).message));
      this.abort(WampErrors.PROTOCOL_VIOLATION, isSealwireError(error) ? error.message : 'malformed message');
      return;
    }
    this.#router.observer.received?.(frame, message, size);
    try {
      this.#dispatch(message);
    } catch (error) {
      // A handler bug must cost this session, not the router.
      this.#router.observer.error?.('internal', String((error as Error).message));
      this.abort(WampErrors.PROTOCOL_VIOLATION, 'message could not be processed');
    }
  }

  #dispatch(message: WampMessage) {
    const type = message[0] as number;
    if (this.#state === 'hello') {
      if (type !== MessageType.HELLO) return this.abort(WampErrors.PROTOCOL_VIOLATION, 'expected HELLO');
      return this.#hello(message[1] as string, message[2] as Dict);
    }
    if (this.#state === 'verifying')
      return this.abort(WampErrors.PROTOCOL_VIOLATION, 'message before WELCOME');
    if (this.#state === 'challenge') {
      if (type !== MessageType.AUTHENTICATE)
        return this.abort(WampErrors.PROTOCOL_VIOLATION, 'expected AUTHENTICATE');
      return void this.#authenticate(message[1] as string, message[2] as Dict);
    }
    const realm = this.realm!;
    switch (type) {
      case MessageType.PUBLISH:
        return realm.broker.publish(this, message);
      case MessageType.SUBSCRIBE:
        return realm.broker.subscribe(this, message);
      case MessageType.UNSUBSCRIBE:
        return realm.broker.unsubscribe(this, message);
      case MessageType.CALL:
        return realm.dealer.call(this, message);
      case MessageType.CANCEL:
        return realm.dealer.cancel(this, message);
      case MessageType.REGISTER:
        return realm.dealer.register(this, message);
      case MessageType.UNREGISTER:
        return realm.dealer.unregister(this, message);
      case MessageType.YIELD:
        return realm.dealer.yield(this, message);
      case MessageType.ERROR:
        if (message[1] !== MessageType.INVOCATION)
          return this.abort(WampErrors.PROTOCOL_VIOLATION, 'a client may only send ERROR for an INVOCATION');
        return realm.dealer.invocationError(this, message);
      case MessageType.GOODBYE:
        this.send([MessageType.GOODBYE, {}, WampErrors.GOODBYE_AND_OUT]);
        this.#leave();
        this.#transport.close(CloseCode.NORMAL, 'goodbye');
        return;
      default:
        return this.abort(
          WampErrors.PROTOCOL_VIOLATION,
          `message type ${type} is not allowed from a client here`,
        );
    }
  }

  #hello(realmName: string, details: Dict) {
    if (!isValidUri(realmName)) return this.abort(WampErrors.INVALID_URI, 'realm is not a valid URI');
    const realm = this.#router.realm(realmName);
    if (realm === undefined) return this.abort(WampErrors.NO_SUCH_REALM, `no realm ${realmName}`);
    if (!isDict(details.roles) || Object.keys(details.roles).length === 0)
      return this.abort(WampErrors.PROTOCOL_VIOLATION, 'HELLO must announce at least one role');
    if (this.#router.sessionCount >= this.#router.limits.maxSessions) {
      this.#router.observer.error?.('max_sessions', realmName);
      return this.abort(WampErrors.LIMIT_EXCEEDED, 'the router is at its session limit; try again later');
    }
    this.roles = details.roles;
    const methods = Array.isArray(details.authmethods)
      ? details.authmethods.filter((method): method is string => typeof method === 'string').slice(0, 8)
      : ['anonymous'];
    const authid = typeof details.authid === 'string' ? details.authid : undefined;
    this.#claimedAuthid = authid;
    const authextra = isDict(details.authextra) ? details.authextra : {};
    const offered = methods.length > 0 ? methods : ['anonymous'];
    const step = startAuthentication(realm.config, offered, {
      sessionId: this.id,
      authid,
      authextra,
    });
    if (step.kind === 'abort') {
      this.#authFailed(realm, offered.join(','), step.reason);
      return this.abort(step.reason, step.message);
    }
    if (step.kind === 'welcome') return this.#welcome(realm, step.outcome);
    this.#state = 'challenge';
    this.#pending = { challenge: step.pending, realm };
    this.send([MessageType.CHALLENGE, step.pending.method, step.pending.extra]);
  }

  async #authenticate(signature: string, extra: Dict): Promise<void> {
    const pending = this.#pending!;
    this.#pending = undefined;
    // One answer per challenge: anything arriving while it is checked is a protocol violation.
    this.#state = 'verifying';
    const outcome = await pending.challenge.verify(signature, extra).catch(() => undefined);
    if (this.#isClosed()) return;
    if (outcome === undefined) {
      this.#authFailed(pending.realm, pending.challenge.method, WampErrors.AUTHENTICATION_FAILED);
      return this.abort(WampErrors.AUTHENTICATION_FAILED, 'authentication failed');
    }
    this.#welcome(pending.realm, outcome);
  }

  /** Counts and reports a refused login: who claimed to be whom, from where; never what they presented. */
  #authFailed(realm: Realm, authmethod: string, reason: string): void {
    this.#router.observer.error?.('auth', reason);
    this.#router.observer.authFailed?.({
      realm: realm.name,
      // Client-chosen text: bounded, so a HELLO cannot write megabytes into the log.
      authid: this.#claimedAuthid?.slice(0, 128),
      authmethod: authmethod.slice(0, 128),
      reason,
      remote: this.#transport.remote,
    });
  }

  #welcome(realm: Realm, outcome: AuthOutcome) {
    if (!realm.authorizer.hasRole(outcome.authrole)) {
      this.#authFailed(realm, outcome.authmethod, WampErrors.NO_SUCH_ROLE);
      return this.abort(WampErrors.NO_SUCH_ROLE, `role ${outcome.authrole} is not configured on this realm`);
    }
    clearTimeout(this.#handshakeTimer);
    this.auth = outcome;
    this.realm = realm;
    this.#state = 'open';
    realm.join(this);
    this.#router.joined(this);
    const details: Dict = {
      realm: realm.name,
      authid: outcome.authid,
      authrole: outcome.authrole,
      authmethod: outcome.authmethod,
      authprovider: outcome.authprovider,
      roles: ROUTER_ROLES,
    };
    if (outcome.authextra !== undefined) details.authextra = outcome.authextra;
    this.send([MessageType.WELCOME, this.id, details]);
  }

  /** Sends one message in this session's serializer. */
  send(message: readonly unknown[]): void {
    if (this.#state === 'closed') return;
    this.sendFrame(message[0] as number, this.serializer.encode(message));
  }

  /** Sends a message encoded at most once per serializer: fan-out to many subscribers shares the frame. */
  sendShared(shared: SharedFrames): void {
    if (this.#state === 'closed') return;
    this.sendFrame(shared.type, shared.frame(this.serializer));
  }

  sendFrame(type: number, frame: Frame): void {
    this.#transport.send(frame);
    this.#router.observer.sent?.(type, typeof frame === 'string' ? frame.length : frame.byteLength);
    const queued = this.#transport.bufferedAmount();
    if (queued > this.#router.limits.maxSendQueueBytes) {
      this.#router.observer.error?.('slow_consumer', `${queued} bytes queued`);
      // No GOODBYE: it would queue behind the backlog. The close reason carries the explanation.
      this.#close(
        CloseCode.TRY_AGAIN_LATER,
        `${WampErrors.SLOW_CONSUMER}: send queue over ${this.#router.limits.maxSendQueueBytes} bytes`,
      );
    }
  }

  sendError(requestType: number, request: number, uri: string, message?: string): void {
    this.send(
      message === undefined
        ? [MessageType.ERROR, requestType, request, {}, uri]
        : [MessageType.ERROR, requestType, request, {}, uri, [message]],
    );
  }

  /** Ends the session with ABORT (handshake) or as a protocol violation (established), then closes. */
  abort(reason: string, message: string): void {
    if (this.#state === 'closed') return;
    this.send([MessageType.ABORT, { message }, reason]);
    this.#close(
      reason === WampErrors.PAYLOAD_SIZE_EXCEEDED ? CloseCode.TOO_BIG : CloseCode.PROTOCOL_ERROR,
      reason,
    );
  }

  /** Router shutdown: GOODBYE with `wamp.close.system_shutdown`, then close. */
  shutdown(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open')
      this.send([MessageType.GOODBYE, { message: 'router shutting down' }, WampErrors.SYSTEM_SHUTDOWN]);
    else this.send([MessageType.ABORT, { message: 'router shutting down' }, WampErrors.SYSTEM_SHUTDOWN]);
    this.#close(CloseCode.GOING_AWAY, WampErrors.SYSTEM_SHUTDOWN);
  }

  /** The connection is gone (closed by the peer or the network). */
  transportClosed(): void {
    if (this.#state === 'closed') return;
    this.#leave();
    this.#state = 'closed';
    clearTimeout(this.#handshakeTimer);
  }

  #close(code: number, reason: string): void {
    this.#leave();
    this.#state = 'closed';
    clearTimeout(this.#handshakeTimer);
    this.#transport.close(code, reason.slice(0, 120));
  }

  #leave(): void {
    if (this.realm !== undefined && this.#state === 'open') {
      this.#state = 'closed';
      this.realm.leave(this);
      this.#router.left(this);
    }
  }
}
