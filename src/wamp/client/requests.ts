/**
 * The client's open requests, one object each: a subscription and a registration (public handles that
 * outlive reconnects), a request waiting for its acknowledgement, a call waiting for its result, and an
 * invocation this client is answering, with the view of it that the procedure handler receives.
 */
import type { Dict, WampMessage } from '../protocol/messages.ts';
import type {
  CallResponse,
  EventHandler,
  InvocationInfo,
  ProcedureHandler,
  RegisterOptions,
  SubscribeOptions,
} from './types.ts';

/** What a handle needs of the client that made it: a way to undo it. */
export interface RequestOwner {
  unsubscribe(subscription: Subscription): Promise<void>;
  unregister(registration: Registration): Promise<void>;
}

export class Subscription {
  id = 0;
  active = true;
  constructor(
    readonly topic: string,
    readonly options: SubscribeOptions,
    readonly handler: EventHandler,
    private readonly client: RequestOwner,
  ) {}
  unsubscribe(): Promise<void> {
    return this.client.unsubscribe(this);
  }
}

export class Registration {
  id = 0;
  active = true;
  constructor(
    readonly procedure: string,
    readonly options: RegisterOptions,
    readonly handler: ProcedureHandler,
    private readonly client: RequestOwner,
  ) {}
  unregister(): Promise<void> {
    return this.client.unregister(this);
  }
}

/** A SUBSCRIBE, UNSUBSCRIBE, acknowledged PUBLISH, REGISTER or UNREGISTER waiting for the router. */
export interface PendingRequest {
  resolve(message: WampMessage): void;
  reject(error: Error): void;
}

export interface PendingCall {
  procedure: string;
  /** What the codec's `encode` kept for the answer (handed to its `decode`). */
  state: unknown;
  /** The call went out encrypted: a clear answer to it is a downgrade. */
  encrypted: boolean;
  onProgress: ((result: CallResponse) => void) | undefined;
  resolve(result: CallResponse): void;
  reject(error: Error): void;
  /** Removes the abort listener; only calls made with a `signal` have one. */
  cleanup: (() => void) | undefined;
}

/** An INVOCATION this client has not answered yet (or answers with progressive results). */
export interface ActiveInvocation {
  /** Made on first use of `signal`: most handlers never look at it. */
  controller: AbortController | undefined;
  abortReason: unknown;
  done: boolean;
  /** The invocation came encrypted: its answer goes out encrypted or not at all. */
  encrypted: boolean;
  procedure: string;
  /** What the codec's `decode` kept for the answer (handed to its `encode`). */
  state: unknown;
}

/**
 * What a procedure handler receives. A class, so the lazily made `signal` is a getter on the prototype
 * rather than an accessor defined on every invocation's object.
 */
export class IncomingInvocation implements InvocationInfo {
  caller?: number;
  keyId?: string;
  progress?: (args?: unknown[], kwargs?: Dict) => void;
  readonly #active: ActiveInvocation;

  constructor(
    readonly args: unknown[],
    readonly kwargs: Dict,
    readonly procedure: string,
    readonly encrypted: boolean,
    readonly details: Dict,
    active: ActiveInvocation,
  ) {
    this.#active = active;
  }

  get signal(): AbortSignal {
    const active = this.#active;
    if (active.controller === undefined) {
      active.controller = new AbortController();
      if (active.abortReason !== undefined) active.controller.abort(active.abortReason);
    }
    return active.controller.signal;
  }
}

export function abortInvocation(invocation: ActiveInvocation, reason: unknown): void {
  invocation.abortReason = reason;
  invocation.controller?.abort(reason);
}
