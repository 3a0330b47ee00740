/**
 * Remote procedure calls. Like the broker, the dealer copies payload elements (list, bare binary, PPT
 * list) from CALL to INVOCATION and from YIELD/ERROR to RESULT/ERROR untouched, and copies the `enc_*` /
 * `ppt_*` options into the outgoing Details. Every pending call ends exactly once: result, error, cancel,
 * timeout, or the callee leaving — a caller never hangs on a callee that is gone.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { copyPassthrough, type Dict, isEncryptedPayload, type WampMessage } from '../protocol/messages.ts';
import { isMatchPolicy, isValidUri, type MatchPolicy } from '../protocol/uri.ts';
import type { RealmContext } from './context.ts';
import { SequentialIds } from './ids.ts';
import type { RouterPeer } from './peer.ts';
import type { Dealer } from './routing.ts';
import { type IndexStats, type PatternTable, PrefixIndex, WildcardIndex } from './uri-index.ts';

export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';
const POLICIES: readonly string[] = ['single', 'roundrobin', 'random', 'first', 'last'];

export interface Registration {
  id: number;
  procedure: string;
  match: MatchPolicy;
  invoke: InvokePolicy;
  callees: RouterPeer[];
  next: number;
}

export interface Invocation {
  id: number;
  caller: RouterPeer;
  callerRequest: number;
  callee: RouterPeer;
  receiveProgress: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the caller has been answered; a late YIELD/ERROR from the callee is then dropped. */
  answered: boolean;
  /** `kill` cancel: the callee's answer becomes the caller's `canceled` error. */
  killing: boolean;
}

const CALL_PAYLOAD = 4;
const YIELD_PAYLOAD = 3;
const ERROR_PAYLOAD = 5;

/** Appends the payload elements of `from` (from index `start` on) to `head`, as they are. */
function withPayload(head: unknown[], from: WampMessage, start: number): unknown[] {
  for (let i = start; i < from.length; i++) head.push(from[i]);
  return head;
}

/** What the dealer keeps of one session: as callee, as caller. */
interface PeerState {
  readonly registrations: Set<Registration>;
  /** Calls it made that are waiting for a result, by the caller's request id. */
  readonly calls: Map<number, Invocation>;
  /** Invocations sent to it as callee, by invocation id. */
  readonly invocations: Map<number, Invocation>;
  /** INVOCATION request ids are in the callee's scope: one sequence per callee. */
  readonly invocationIds: SequentialIds;
}

/** Remote procedure calls among the sessions of this process. */
export class LocalDealer implements Dealer {
  readonly #context: RealmContext;
  readonly #ids = new SequentialIds();
  readonly #exact = new Map<string, Registration>();
  readonly #prefix = new PrefixIndex<Registration>();
  readonly #wildcard = new WildcardIndex<Registration>();
  readonly #byId = new Map<number, Registration>();
  readonly #peers = new Map<RouterPeer, PeerState>();

  constructor(context: RealmContext) {
    this.#context = context;
  }

  #stateOf(peer: RouterPeer): PeerState {
    let state = this.#peers.get(peer);
    if (state === undefined) {
      state = {
        registrations: new Set(),
        calls: new Map(),
        invocations: new Map(),
        invocationIds: new SequentialIds(),
      };
      this.#peers.set(peer, state);
    }
    return state;
  }

  /** Registrations held, and what the pattern indexes hold and have visited (tests, diagnostics). */
  get stats(): { registrations: number; prefix: IndexStats; wildcard: IndexStats } {
    return { registrations: this.#byId.size, prefix: this.#prefix.stats, wildcard: this.#wildcard.stats };
  }

  #table(match: MatchPolicy): PatternTable<Registration> {
    return match === 'exact' ? this.#exact : match === 'prefix' ? this.#prefix : this.#wildcard;
  }

  register(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const procedure = message[3] as string;
    const match = options.match ?? 'exact';
    const invoke = options.invoke ?? 'single';
    if (!isMatchPolicy(match))
      return session.sendError(
        MessageType.REGISTER,
        request,
        WampErrors.INVALID_ARGUMENT,
        'match must be exact, prefix or wildcard',
      );
    if (typeof invoke !== 'string' || !POLICIES.includes(invoke))
      return session.sendError(
        MessageType.REGISTER,
        request,
        WampErrors.INVALID_ARGUMENT,
        `invoke must be one of ${POLICIES.join(', ')}`,
      );
    if (!isValidUri(procedure, match))
      return session.sendError(MessageType.REGISTER, request, WampErrors.INVALID_URI);
    if (!this.#context.authorizer.authorize(session.auth!.authrole, procedure, 'register'))
      return session.sendError(
        MessageType.REGISTER,
        request,
        WampErrors.NOT_AUTHORIZED,
        `not authorized to register ${procedure}`,
      );
    const state = this.#stateOf(session);
    if (state.registrations.size >= this.#context.limits.maxRegistrationsPerSession)
      return session.sendError(
        MessageType.REGISTER,
        request,
        WampErrors.LIMIT_EXCEEDED,
        'too many registrations on this session',
      );
    const table = this.#table(match);
    let registration = table.get(procedure);
    if (registration !== undefined) {
      if (
        registration.invoke === 'single' ||
        registration.invoke !== invoke ||
        registration.callees.includes(session)
      )
        return session.sendError(MessageType.REGISTER, request, WampErrors.PROCEDURE_ALREADY_EXISTS);
    } else {
      registration = {
        id: this.#ids.next(),
        procedure,
        match,
        invoke: invoke as InvokePolicy,
        callees: [],
        next: 0,
      };
      table.set(procedure, registration);
      this.#byId.set(registration.id, registration);
    }
    registration.callees.push(session);
    state.registrations.add(registration);
    session.send([MessageType.REGISTERED, request, registration.id]);
  }

  unregister(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const registration = this.#byId.get(message[2] as number);
    if (registration === undefined || !registration.callees.includes(session))
      return session.sendError(MessageType.UNREGISTER, request, WampErrors.NO_SUCH_REGISTRATION);
    this.#drop(session, registration);
    session.send([MessageType.UNREGISTERED, request]);
  }

  #drop(session: RouterPeer, registration: Registration): void {
    registration.callees = registration.callees.filter((callee) => callee !== session);
    this.#peers.get(session)?.registrations.delete(registration);
    if (registration.callees.length === 0) {
      this.#table(registration.match).delete(registration.procedure);
      this.#byId.delete(registration.id);
    }
  }

  /**
   * Exact first, then the longest matching prefix, then the wildcard with the most non-empty components
   * (the first registered among equals), each found through its index rather than a scan.
   */
  #lookup(procedure: string): Registration | undefined {
    return this.#exact.get(procedure) ?? this.#prefix.longest(procedure) ?? this.#wildcard.best(procedure);
  }

  #pick(registration: Registration): RouterPeer {
    const callees = registration.callees;
    switch (registration.invoke) {
      case 'roundrobin': {
        const callee = callees[registration.next % callees.length]!;
        registration.next = (registration.next + 1) % callees.length;
        return callee;
      }
      case 'random':
        return callees[Math.floor(Math.random() * callees.length)]!;
      case 'last':
        return callees[callees.length - 1]!;
      default:
        return callees[0]!;
    }
  }

  call(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const procedure = message[3] as string;
    if (options.ppt_scheme !== undefined && !session.features('caller', 'payload_passthru_mode'))
      return session.abort(
        WampErrors.PROTOCOL_VIOLATION,
        'payload passthru used without announcing payload_passthru_mode',
      );
    const calls = this.#stateOf(session).calls;
    if (calls.has(request))
      return session.abort(WampErrors.PROTOCOL_VIOLATION, `request id ${request} is already in flight`);
    if (!isValidUri(procedure)) return session.sendError(MessageType.CALL, request, WampErrors.INVALID_URI);
    if (!this.#context.authorizer.authorize(session.auth!.authrole, procedure, 'call'))
      return session.sendError(
        MessageType.CALL,
        request,
        WampErrors.NOT_AUTHORIZED,
        `not authorized to call ${procedure}`,
      );
    if (calls.size >= this.#context.limits.maxPendingCallsPerSession)
      return session.sendError(
        MessageType.CALL,
        request,
        WampErrors.LIMIT_EXCEEDED,
        'too many calls in flight on this session',
      );
    const registration = this.#lookup(procedure);
    if (registration === undefined)
      return session.sendError(MessageType.CALL, request, WampErrors.NO_SUCH_PROCEDURE);
    const callee = this.#pick(registration);
    if (options.ppt_scheme !== undefined && !callee.features('callee', 'payload_passthru_mode'))
      return session.sendError(
        MessageType.CALL,
        request,
        WampErrors.FEATURE_NOT_SUPPORTED,
        'the callee does not support payload passthru mode',
      );
    this.#context.observer.payload?.(isEncryptedPayload(options));
    const calleeState = this.#stateOf(callee);
    const receiveProgress =
      options.receive_progress === true && callee.features('callee', 'progressive_call_results');
    const invocation: Invocation = {
      id: calleeState.invocationIds.next(),
      caller: session,
      callerRequest: request,
      callee,
      receiveProgress,
      timer: undefined,
      answered: false,
      killing: false,
    };
    const details: Dict = {};
    if (registration.match !== 'exact') details.procedure = procedure;
    if (receiveProgress) details.receive_progress = true;
    if (options.disclose_me === true) {
      details.caller = session.id;
      details.caller_authid = session.auth!.authid;
      details.caller_authrole = session.auth!.authrole;
    }
    copyPassthrough(options, details);
    const timeout = options.timeout;
    if (typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout)) {
      details.timeout = timeout;
      invocation.timer = setTimeout(() => this.#timeout(invocation), timeout);
      invocation.timer.unref?.();
    }
    calls.set(request, invocation);
    calleeState.invocations.set(invocation.id, invocation);
    callee.send(
      withPayload([MessageType.INVOCATION, invocation.id, registration.id, details], message, CALL_PAYLOAD),
    );
  }

  #finish(invocation: Invocation): void {
    if (invocation.timer !== undefined) clearTimeout(invocation.timer);
    invocation.answered = true;
    this.#peers.get(invocation.caller)?.calls.delete(invocation.callerRequest);
  }

  #interrupt(invocation: Invocation, reason: string): boolean {
    if (!invocation.callee.features('callee', 'call_canceling')) return false;
    invocation.callee.send([MessageType.INTERRUPT, invocation.id, { mode: 'killnowait', reason }]);
    return true;
  }

  #timeout(invocation: Invocation): void {
    if (invocation.answered) return;
    this.#finish(invocation);
    this.#peers.get(invocation.callee)?.invocations.delete(invocation.id);
    this.#interrupt(invocation, WampErrors.TIMEOUT);
    invocation.caller.sendError(
      MessageType.CALL,
      invocation.callerRequest,
      WampErrors.TIMEOUT,
      'call timed out',
    );
  }

  cancel(session: RouterPeer, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const invocation = this.#peers.get(session)?.calls.get(request);
    if (invocation === undefined || invocation.answered) return;
    const mode = options.mode ?? 'killnowait';
    if (mode !== 'skip' && mode !== 'kill' && mode !== 'killnowait')
      return session.sendError(
        MessageType.CANCEL,
        request,
        WampErrors.INVALID_ARGUMENT,
        'mode must be skip, kill or killnowait',
      );
    const canInterrupt = invocation.callee.features('callee', 'call_canceling');
    if (mode === 'kill' && canInterrupt) {
      // The caller hears back once the callee has stopped (its ERROR is turned into `canceled`).
      invocation.killing = true;
      invocation.callee.send([MessageType.INTERRUPT, invocation.id, { mode: 'kill' }]);
      return;
    }
    this.#finish(invocation);
    if (mode === 'killnowait' && canInterrupt) {
      this.#peers.get(invocation.callee)?.invocations.delete(invocation.id);
      invocation.callee.send([MessageType.INTERRUPT, invocation.id, { mode: 'killnowait' }]);
    }
    session.sendError(MessageType.CALL, request, WampErrors.CANCELED, 'call canceled');
  }

  yield(session: RouterPeer, message: WampMessage) {
    const invocations = this.#peers.get(session)?.invocations;
    const invocation = invocations?.get(message[1] as number);
    // YIELD for an invocation we no longer track (timed out, canceled, caller gone) is dropped quietly.
    if (invocation === undefined) return;
    const options = message[2] as Dict;
    if (options.ppt_scheme !== undefined && !session.features('callee', 'payload_passthru_mode'))
      return session.abort(
        WampErrors.PROTOCOL_VIOLATION,
        'payload passthru used without announcing payload_passthru_mode',
      );
    const progress = options.progress === true;
    if (invocation.answered) {
      if (!progress) invocations!.delete(invocation.id);
      return;
    }
    if (invocation.killing && !progress) {
      invocations!.delete(invocation.id);
      this.#finish(invocation);
      invocation.caller.sendError(
        MessageType.CALL,
        invocation.callerRequest,
        WampErrors.CANCELED,
        'call canceled',
      );
      return;
    }
    this.#context.observer.payload?.(isEncryptedPayload(options));
    const details: Dict = {};
    copyPassthrough(options, details);
    if (progress) {
      if (!invocation.receiveProgress) return;
      details.progress = true;
    } else {
      invocations!.delete(invocation.id);
      this.#finish(invocation);
    }
    invocation.caller.send(
      withPayload([MessageType.RESULT, invocation.callerRequest, details], message, YIELD_PAYLOAD),
    );
  }

  invocationError(session: RouterPeer, message: WampMessage): void {
    const invocations = this.#peers.get(session)?.invocations;
    const invocation = invocations?.get(message[2] as number);
    if (invocation === undefined) return;
    invocations!.delete(invocation.id);
    if (invocation.answered) return;
    this.#finish(invocation);
    if (invocation.killing) {
      invocation.caller.sendError(
        MessageType.CALL,
        invocation.callerRequest,
        WampErrors.CANCELED,
        'call canceled',
      );
      return;
    }
    const options = message[3] as Dict;
    this.#context.observer.payload?.(isEncryptedPayload(options));
    const details: Dict = {};
    copyPassthrough(options, details);
    invocation.caller.send(
      withPayload(
        [MessageType.ERROR, MessageType.CALL, invocation.callerRequest, details, message[4]],
        message,
        ERROR_PAYLOAD,
      ),
    );
  }

  sessionLeft(session: RouterPeer): void {
    const state = this.#peers.get(session);
    if (state === undefined) return;
    for (const registration of [...state.registrations]) this.#drop(session, registration);
    // As callee: every caller waiting on this session gets an error now.
    for (const invocation of state.invocations.values()) {
      if (invocation.answered) continue;
      this.#finish(invocation);
      invocation.caller.sendError(
        MessageType.CALL,
        invocation.callerRequest,
        WampErrors.CANCELED,
        'callee disconnected from in-flight request',
      );
    }
    // As caller: the callees can stop working on calls nobody will read.
    for (const invocation of state.calls.values()) {
      clearTimeout(invocation.timer);
      invocation.answered = true;
      this.#peers.get(invocation.callee)?.invocations.delete(invocation.id);
      this.#interrupt(invocation, WampErrors.CANCELED);
    }
    this.#peers.delete(session);
  }
}
