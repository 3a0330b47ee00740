import { SessionClosedError, WampError } from '../errors.ts';
import { MessageType } from '../protocol/codes.ts';
import type { Dict, WampMessage } from '../protocol/messages.ts';
import { Callee } from './callee.ts';
import { Connection } from './connection.ts';
import { effectiveUri } from './effective-uri.ts';
import { type Outgoing, PayloadPipeline, type ReceivedPayload } from './payload.ts';
import {
  type PendingCall,
  type PendingRequest,
  Registration,
  type RequestOwner,
  Subscription,
} from './requests.ts';
import type {
  CallOptions,
  CallResponse,
  ConnectOptions,
  EventHandler,
  EventInfo,
  ProcedureHandler,
  PublishOptions,
  RegisterOptions,
  SessionInfo,
  SubscribeOptions,
} from './types.ts';
import { whenReady } from './when-ready.ts';

const NOT_ACKNOWLEDGED: Promise<undefined> = Promise.resolve(undefined);

function ignore(): undefined {
  return undefined;
}

export class WampClient implements RequestOwner {
  readonly #options: ConnectOptions;
  readonly #connection: Connection;
  readonly #payloads: PayloadPipeline;
  readonly #callee: Callee;
  #nextRequest = 1;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #calls = new Map<number, PendingCall>();
  readonly #subscriptionsById = new Map<number, Set<Subscription>>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #registrationsById = new Map<number, Registration>();
  readonly #registrations = new Set<Registration>();

  constructor(options: ConnectOptions) {
    this.#options = options;
    this.#connection = new Connection(options, {
      joined: (info) => void this.#restore().then(() => this.#options.onJoin?.(info)),
      message: (message) => this.#dispatch(message),
      lost: (reason) => this.#lost(reason),
      error: this.#reportError,
    });
    this.#payloads = new PayloadPipeline(options.payloadCodec, options.allowClear, this.#reportError);
    this.#callee = new Callee(this.#payloads, this.#trySend, this.#reportError);
  }

  /** The current session, or `undefined` while disconnected. */
  get session(): SessionInfo | undefined {
    return this.#connection.session;
  }

  get isConnected(): boolean {
    return this.#connection.session !== undefined;
  }

  /** Bytes queued on the socket (for publishers that want to pace themselves). */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  /** Opens the connection and joins the realm. */
  async open(): Promise<SessionInfo> {
    return this.#connection.open();
  }

  /** After a reconnect: subscriptions and registrations come back under their new ids. */
  async #restore(): Promise<void> {
    this.#subscriptionsById.clear();
    this.#registrationsById.clear();
    const work: Promise<unknown>[] = [];
    for (const subscription of this.#subscriptions)
      work.push(this.#subscribeOnWire(subscription).catch(this.#reportError));
    for (const registration of this.#registrations)
      work.push(this.#registerOnWire(registration).catch(this.#reportError));
    await Promise.all(work);
  }

  /** The session is gone: everything waiting on it fails, running invocations are aborted. */
  #lost(reason: string): void {
    const error = new SessionClosedError(reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const call of this.#calls.values()) {
      call.cleanup?.();
      call.reject(error);
    }
    this.#calls.clear();
    this.#callee.abortAll(error);
  }

  readonly #reportError = (error: unknown): void => {
    this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };

  readonly #trySend = (message: readonly unknown[]): undefined => {
    try {
      this.#connection.send(message);
    } catch (error) {
      this.#reportError(error);
    }
    return undefined;
  };

  #request(message: unknown[]): Promise<WampMessage> {
    const request = message[1] as number;
    return new Promise<WampMessage>((resolve, reject) => {
      this.#pending.set(request, { resolve, reject });
      try {
        this.#connection.send(message);
      } catch (error) {
        this.#pending.delete(request);
        reject(error);
      }
    });
  }

  #nextId(): number {
    const id = this.#nextRequest;
    this.#nextRequest = id >= 2 ** 53 ? 1 : id + 1;
    return id;
  }

  #dispatch(message: WampMessage) {
    switch (message[0]) {
      case MessageType.EVENT:
        return this.#onEvent(message);
      case MessageType.INVOCATION:
        return this.#callee.start(message, this.#registrationsById.get(message[2] as number));
      case MessageType.INTERRUPT:
        return this.#callee.interrupt(message);
      case MessageType.RESULT:
        return this.#onResult(message);
      case MessageType.ERROR:
        return this.#onError(message);
      case MessageType.SUBSCRIBED:
      case MessageType.UNSUBSCRIBED:
      case MessageType.PUBLISHED:
      case MessageType.REGISTERED:
      case MessageType.UNREGISTERED: {
        const pending = this.#pending.get(message[1] as number);
        if (pending === undefined) return;
        this.#pending.delete(message[1] as number);
        return pending.resolve(message);
      }
      default:
        return this.#connection.protocolError(`unexpected message type ${String(message[0])}`);
    }
  }

  #onEvent(message: WampMessage): void {
    const handles = this.#subscriptionsById.get(message[1] as number);
    if (handles !== undefined) this.#deliverEvent(message, handles.values());
  }

  /** Hands the event to each handle in turn; an asynchronous codec or handler holds back the next one. */
  #deliverEvent(message: WampMessage, handles: Iterator<Subscription>): void {
    for (let next = handles.next(); next.done !== true; next = handles.next()) {
      const delivering = this.#deliverEventTo(next.value, message);
      if (delivering !== undefined) {
        void delivering.then(() => this.#deliverEvent(message, handles));
        return;
      }
    }
  }

  /** Opens the event for one handle and runs its handler; a promise while not done yet. Never rejects. */
  #deliverEventTo(handle: Subscription, message: WampMessage): Promise<undefined> | undefined {
    const details = message[3] as Dict;
    try {
      // What this handle subscribed to decides, not the router's label (see effective-uri.ts).
      const topic = effectiveUri('topic', handle.topic, handle.options.match, details.topic);
      const payload = this.#payloads.decode('event', topic, details, message, 4);
      const handled = whenReady(payload, (value) => {
        const info: EventInfo = {
          args: value.args,
          kwargs: value.kwargs,
          topic,
          publication: message[2] as number,
          encrypted: value.encrypted,
          details,
        };
        // Only an exact session ID: one beyond 2^53 arrived rounded and would name another session.
        if (Number.isSafeInteger(details.publisher)) info.publisher = details.publisher as number;
        if (value.keyId !== undefined) info.keyId = value.keyId;
        return handle.handler(info);
      });
      return whenReady(handled, ignore, (error) => {
        this.#reportError(error);
        return undefined;
      });
    } catch (error) {
      this.#reportError(error);
      return undefined;
    }
  }

  // Results run synchronously while nothing is asynchronous (a clear or cryptobox payload): no promise
  // per message. A JOSE payload continues from the promise it returns. (Invocations: callee.ts.)

  #onResult(message: WampMessage): void {
    const request = message[1] as number;
    const call = this.#calls.get(request);
    if (call === undefined) return;
    const details = message[2] as Dict;
    const progress = details.progress === true;
    if (!progress) {
      this.#calls.delete(request);
      call.cleanup?.();
    }
    let payload: ReceivedPayload | Promise<ReceivedPayload>;
    try {
      payload = this.#payloads.decodeResult(call, details, message);
    } catch (error) {
      this.#resultFailed(call, progress, error);
      return;
    }
    whenReady(
      payload,
      (value) => this.#settleResult(call, progress, details, value),
      (error) => this.#resultFailed(call, progress, error),
    );
  }

  #settleResult(call: PendingCall, progress: boolean, details: Dict, payload: ReceivedPayload): void {
    const response: CallResponse = {
      args: payload.args,
      kwargs: payload.kwargs,
      encrypted: payload.encrypted,
      details,
    };
    if (payload.keyId !== undefined) response.keyId = payload.keyId;
    if (!progress) {
      call.resolve(response);
      return;
    }
    try {
      call.onProgress?.(response);
    } catch (error) {
      this.#reportError(error);
    }
  }

  #resultFailed(call: PendingCall, progress: boolean, error: unknown): void {
    if (progress) this.#reportError(error);
    else call.reject(error as Error);
  }

  #onError(message: WampMessage): void {
    const requestType = message[1] as number;
    const request = message[2] as number;
    const details = message[3] as Dict;
    const uri = message[4] as string;
    let error: Error | Promise<Error>;
    try {
      const call = this.#calls.get(request);
      const payload = this.#payloads.decode('error', uri, details, message, 5, call?.state, call?.procedure);
      error = whenReady<ReceivedPayload, Error>(
        payload,
        (value) => new WampError(uri, value.args, value.kwargs, details),
        (decodeError) => decodeError as Error,
      );
    } catch (decodeError) {
      error = decodeError as Error;
    }
    whenReady(error, (value) => this.#failRequest(requestType, request, value));
  }

  /** Rejects the call or request an ERROR answers. */
  #failRequest(requestType: number, request: number, error: Error): void {
    if (requestType === MessageType.CALL) {
      const call = this.#calls.get(request);
      if (call === undefined) return;
      this.#calls.delete(request);
      call.cleanup?.();
      call.reject(error);
      return;
    }
    const pending = this.#pending.get(request);
    if (pending === undefined) return;
    this.#pending.delete(request);
    pending.reject(error);
  }

  /** Publishes an event. With `acknowledge`, resolves to the publication id once the router accepted it. */
  publish(
    topic: string,
    args?: unknown[],
    kwargs?: Dict,
    options: PublishOptions = {},
  ): Promise<number | undefined> {
    try {
      const encoded = this.#payloads.encodeOutgoing(
        'publish',
        topic,
        args,
        kwargs,
        options.encrypt,
        options.allowClear,
      );
      return whenReady(encoded, (value) => this.#publishEncoded(topic, value, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #publishEncoded(topic: string, encoded: Outgoing, options: PublishOptions): Promise<number | undefined> {
    // A cleartext Outgoing's options are a fresh object of ours; a codec's are copied.
    const wire: Dict = encoded.encrypted ? { ...encoded.options } : encoded.options;
    if (options.acknowledge) wire.acknowledge = true;
    if (options.excludeMe === false) wire.exclude_me = false;
    if (options.exclude) wire.exclude = options.exclude;
    if (options.eligible) wire.eligible = options.eligible;
    if (options.excludeAuthid) wire.exclude_authid = options.excludeAuthid;
    if (options.excludeAuthrole) wire.exclude_authrole = options.excludeAuthrole;
    if (options.eligibleAuthid) wire.eligible_authid = options.eligibleAuthid;
    if (options.eligibleAuthrole) wire.eligible_authrole = options.eligibleAuthrole;
    if (options.discloseMe) wire.disclose_me = true;
    const request = this.#nextId();
    const message = [MessageType.PUBLISH, request, wire, topic, ...encoded.elements];
    if (!options.acknowledge) {
      this.#connection.send(message);
      return NOT_ACKNOWLEDGED;
    }
    return this.#request(message).then((reply) => reply[2] as number);
  }

  async subscribe(
    topic: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const subscription = new Subscription(topic, options, handler, this);
    await this.#subscribeOnWire(subscription);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async #subscribeOnWire(subscription: Subscription): Promise<void> {
    const wire: Dict = {};
    if (subscription.options.match !== undefined && subscription.options.match !== 'exact')
      wire.match = subscription.options.match;
    const reply = await this.#request([MessageType.SUBSCRIBE, this.#nextId(), wire, subscription.topic]);
    subscription.id = reply[2] as number;
    let handles = this.#subscriptionsById.get(subscription.id);
    if (handles === undefined) {
      handles = new Set();
      this.#subscriptionsById.set(subscription.id, handles);
    }
    handles.add(subscription);
  }

  async unsubscribe(subscription: Subscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    this.#subscriptions.delete(subscription);
    const handles = this.#subscriptionsById.get(subscription.id);
    handles?.delete(subscription);
    if (handles !== undefined && handles.size === 0) {
      this.#subscriptionsById.delete(subscription.id);
      if (this.isConnected) await this.#request([MessageType.UNSUBSCRIBE, this.#nextId(), subscription.id]);
    }
  }

  async register(
    procedure: string,
    handler: ProcedureHandler,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    this.#payloads.checkRegistration(procedure, options);
    const registration = new Registration(procedure, options, handler, this);
    await this.#registerOnWire(registration);
    this.#registrations.add(registration);
    return registration;
  }

  async #registerOnWire(registration: Registration): Promise<void> {
    const wire: Dict = {};
    if (registration.options.match !== undefined && registration.options.match !== 'exact')
      wire.match = registration.options.match;
    if (registration.options.invoke !== undefined && registration.options.invoke !== 'single')
      wire.invoke = registration.options.invoke;
    const reply = await this.#request([MessageType.REGISTER, this.#nextId(), wire, registration.procedure]);
    registration.id = reply[2] as number;
    this.#registrationsById.set(registration.id, registration);
  }

  async unregister(registration: Registration): Promise<void> {
    if (!registration.active) return;
    registration.active = false;
    this.#registrations.delete(registration);
    this.#registrationsById.delete(registration.id);
    if (this.isConnected) await this.#request([MessageType.UNREGISTER, this.#nextId(), registration.id]);
  }

  /** Calls a procedure; rejects with `WampError` for an ERROR answer, `SessionClosedError` if the session ends. */
  call(procedure: string, args?: unknown[], kwargs?: Dict, options: CallOptions = {}): Promise<CallResponse> {
    // Not an async function: one promise per call instead of an outer one adopting the inner one.
    try {
      options.signal?.throwIfAborted();
      const encoded = this.#payloads.encodeOutgoing(
        'call',
        procedure,
        args,
        kwargs,
        options.encrypt,
        options.allowClear,
      );
      return whenReady(encoded, (value) => this.#startCall(procedure, value, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #startCall(procedure: string, encoded: Outgoing, options: CallOptions): Promise<CallResponse> {
    const wire: Dict = encoded.encrypted ? { ...encoded.options } : encoded.options;
    if (options.timeout !== undefined && options.timeout > 0) wire.timeout = options.timeout;
    if (options.onProgress !== undefined) wire.receive_progress = true;
    if (options.discloseMe) wire.disclose_me = true;
    const request = this.#nextId();
    let call!: PendingCall;
    const promise = new Promise<CallResponse>((resolve, reject) => {
      call = {
        procedure,
        state: encoded.state,
        encrypted: encoded.encrypted,
        onProgress: options.onProgress,
        resolve,
        reject,
        cleanup: undefined,
      };
    });
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = () => {
        if (!this.#calls.has(request)) return;
        this.#trySend([MessageType.CANCEL, request, { mode: options.cancelMode ?? 'killnowait' }]);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      call.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    this.#calls.set(request, call);
    try {
      this.#connection.send([MessageType.CALL, request, wire, procedure, ...encoded.elements]);
    } catch (error) {
      this.#calls.delete(request);
      call.cleanup?.();
      call.reject(error as Error);
    }
    return promise;
  }

  /** Leaves the realm (GOODBYE) and closes the connection; no reconnect follows. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#connection.stopReconnecting();
    await this.#callee.answersSent(timeoutMs);
    await this.#connection.close(timeoutMs);
  }
}

/** Connects and joins; the returned client reconnects by itself unless `reconnect: false`. */
export async function connect(options: ConnectOptions): Promise<WampClient> {
  const client = new WampClient(options);
  await client.open();
  return client;
}
