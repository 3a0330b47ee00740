/**
 * One client connection as the router sees it: frames in (size-checked, decoded and shape-checked first),
 * the handshake until WELCOME (handshake.ts), then the realm's dispatch; frames out, with the slow-consumer
 * guard; and the ways a session ends. A violation ends this session only (ABORT, then close), never the
 * router.
 */
import { isSealwireError } from '../../errors.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { type Dict, validateMessage, type WampMessage } from '../protocol/messages.ts';
import type { Frame, Serializer } from '../protocol/serializer.ts';
import type { AuthOutcome } from './auth/index.ts';
import { type ClientRole, hasFeature } from './features.ts';
import { CloseCode, type SharedFrames } from './frames.ts';
import { Handshake, type HandshakeRouter } from './handshake.ts';
import { randomId } from './ids.ts';
import type { RouterPeer } from './peer.ts';
import type { Realm } from './realm.ts';
import type { RouterTransport } from './transport.ts';

/** What a session reads of the router, and tells it. */
export interface SessionHost extends HandshakeRouter {
  joined(session: RouterSession): void;
  left(session: RouterSession): void;
}

type State = 'handshake' | 'open' | 'closed';

export class RouterSession implements RouterPeer {
  readonly id = randomId();
  readonly serializer: Serializer;
  readonly #transport: RouterTransport;
  readonly #host: SessionHost;
  readonly #handshake: Handshake;
  #state: State = 'handshake';
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  realm: Realm | undefined;
  auth: AuthOutcome | undefined;
  /** The `roles` dict of the client's HELLO. */
  roles: Dict = {};

  constructor(host: SessionHost, transport: RouterTransport, serializer: Serializer) {
    this.#host = host;
    this.#transport = transport;
    this.serializer = serializer;
    const session = this;
    this.#handshake = new Handshake(host, {
      id: this.id,
      remote: transport.remote,
      get isClosed() {
        return session.#state === 'closed';
      },
      send: (message) => this.send(message),
      abort: (reason, message) => this.abort(reason, message),
      joined: (realm, outcome, roles) => this.#joined(realm, outcome, roles),
    });
    this.#handshakeTimer = setTimeout(() => {
      this.abort(WampErrors.AUTHENTICATION_FAILED, 'handshake not completed in time');
    }, host.limits.handshakeTimeoutMs);
    this.#handshakeTimer.unref?.();
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  features(role: ClientRole, feature: string): boolean {
    return hasFeature(this.roles, role, feature);
  }

  /** Entry point for every frame from the connection. */
  receive(frame: Frame): void {
    if (this.#state === 'closed') return;
    const limits = this.#host.limits;
    const observer = this.#host.observer;
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    if (size > limits.maxMessageBytes) {
      observer.error?.('oversized', `${size} bytes`);
      this.abort(
        WampErrors.PAYLOAD_SIZE_EXCEEDED,
        `message of ${size} bytes is over the limit of ${limits.maxMessageBytes}`,
      );
      return;
    }
    let message: WampMessage;
    try {
      message = validateMessage(this.serializer.decode(frame));
    } catch (error) {
      observer.error?.('malformed', String((error as Error).message));
      this.abort(WampErrors.PROTOCOL_VIOLATION, isSealwireError(error) ? error.message : 'malformed message');
      return;
    }
    observer.received?.(frame, message, size);
    try {
      this.#dispatch(message);
    } catch (error) {
      // A handler bug must cost this session, not the router.
      observer.error?.('internal', String((error as Error).message));
      this.abort(WampErrors.PROTOCOL_VIOLATION, 'message could not be processed');
    }
  }

  #dispatch(message: WampMessage) {
    if (this.#state === 'handshake') return this.#handshake.receive(message);
    if (message[0] !== MessageType.GOODBYE) return this.realm!.dispatch(this, message);
    this.send([MessageType.GOODBYE, {}, WampErrors.GOODBYE_AND_OUT]);
    this.#leave();
    this.#transport.close(CloseCode.NORMAL, 'goodbye');
  }

  #joined(realm: Realm, outcome: AuthOutcome, roles: Dict): void {
    clearTimeout(this.#handshakeTimer);
    this.auth = outcome;
    this.roles = roles;
    this.realm = realm;
    this.#state = 'open';
    realm.join(this);
    this.#host.joined(this);
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
    const limits = this.#host.limits;
    this.#host.observer.sent?.(type, typeof frame === 'string' ? frame.length : frame.byteLength);
    const queued = this.#transport.bufferedAmount();
    if (queued > limits.maxSendQueueBytes) {
      this.#host.observer.error?.('slow_consumer', `${queued} bytes queued`);
      // No GOODBYE: it would queue behind the backlog. The close reason carries the explanation.
      this.#close(
        CloseCode.TRY_AGAIN_LATER,
        `${WampErrors.SLOW_CONSUMER}: send queue over ${limits.maxSendQueueBytes} bytes`,
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
      this.#host.left(this);
    }
  }
}
