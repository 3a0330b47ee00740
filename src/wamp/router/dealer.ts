/**
 * Remote procedure calls. Like the broker, the dealer copies payload elements (list, bare binary, PPT
 * list) from CALL to INVOCATION and from YIELD/ERROR to RESULT/ERROR untouched, and copies the `enc_*` /
 * `ppt_*` options into the outgoing Details. Every pending call ends exactly once: result, error, cancel,
 * timeout, or the callee leaving — a caller never hangs on a callee that is gone.
 */
import { MessageType, WampErrors } from '../protocol/codes.ts';
import { copyPassthrough, type Dict, isEncryptedPayload, type WampMessage } from '../protocol/messages.ts';
import { isMatchPolicy, isValidUri, type MatchPolicy } from '../protocol/uri.ts';
import { SequentialIds } from './ids.ts';
import type { Realm } from './realm.ts';
import type { Router } from './router.ts';
import type { RouterSession } from './session.ts';
import { type IndexStats, type PatternTable, PrefixIndex, WildcardIndex } from './uri-index.ts';

export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';
const POLICIES: readonly string[] = ['single', 'roundrobin', 'random', 'first', 'last'];

export interface Registration {
  id: number;
  procedure: string;
  match: MatchPolicy;
  invoke: InvokePolicy;
  callees: RouterSession[];
  next: number;
}

export interface Invocation {
  id: number;
  caller: RouterSession;
  callerRequest: number;
  callee: RouterSession;
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

export class Dealer {
  readonly #realm: Realm;
  readonly #router: Router;
  readonly #ids = new SequentialIds();
  readonly #exact = new Map<string, Registration>();
  readonly #prefix = new PrefixIndex<Registration>();
  readonly #wildcard = new WildcardIndex<Registration>();
  readonly #byId = new Map<number, Registration>();

  constructor(realm: Realm, router: Router) {
    this.#realm = realm;
    this.#router = router;
  }

  /** Registrations held, and what the pattern indexes hold and have visited (tests, diagnostics). */
  get stats(): { registrations: number; prefix: IndexStats; wildcard: IndexStats } {
    return { registrations: this.#byId.size, prefix: this.#prefix.stats, wildcard: this.#wildcard.stats };
  }

  #table(match: MatchPolicy): PatternTable<Registration> {
    return match === 'exact' ? this.#exact : match === 'prefix' ? this.#prefix : this.#wildcard;
  }

  register(session: RouterSession, message: WampMessage) {
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
    if (!this.#realm.authorizer.authorize(session.auth!.authrole, procedure, 'register'))
      return session.sendError(
        MessageType.REGISTER,
        request,
        WampErrors.NOT_AUTHORIZED,
        `not authorized to register ${procedure}`,
      );
    if (session.registrations.size >= this.#router.limits.maxRegistrationsPerSession)
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
    session.registrations.add(registration);
    session.send([MessageType.REGISTERED, request, registration.id]);
  }

  unregister(session: RouterSession, message: WampMessage) {
    const request = message[1] as number;
    const registration = this.#byId.get(message[2] as number);
    if (registration === undefined || !registration.callees.includes(session))
      return session.sendError(MessageType.UNREGISTER, request, WampErrors.NO_SUCH_REGISTRATION);
    this.#drop(session, registration);
    session.send([MessageType.UNREGISTERED, request]);
  }

  #drop(session: RouterSession, registration: Registration): void {
    registration.callees = registration.callees.filter((callee) => callee !== session);
    session.registrations.delete(registration);
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

  #pick(registration: Registration): RouterSession {
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

  call(session: RouterSession, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const procedure = message[3] as string;
    if (options.ppt_scheme !== undefined && !session.features('caller', 'payload_passthru_mode'))
      return session.abort(
        WampErrors.PROTOCOL_VIOLATION,
        'payload passthru used without announcing payload_passthru_mode',
      );
    if (session.calls.has(request))
      return session.abort(WampErrors.PROTOCOL_VIOLATION, `request id ${request} is already in flight`);
    if (!isValidUri(procedure)) return session.sendError(MessageType.CALL, request, WampErrors.INVALID_URI);
    if (!this.#realm.authorizer.authorize(session.auth!.authrole, procedure, 'call'))
      return session.sendError(
        MessageType.CALL,
        request,
        WampErrors.NOT_AUTHORIZED,
        `not authorized to call ${procedure}`,
      );
    if (session.calls.size >= this.#router.limits.maxPendingCallsPerSession)
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
    this.#router.observer.payload?.(isEncryptedPayload(options));
    const receiveProgress =
      options.receive_progress === true && callee.features('callee', 'progressive_call_results');
    const invocation: Invocation = {
      id: callee.invocationIds.next(),
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
    session.calls.set(request, invocation);
    callee.invocations.set(invocation.id, invocation);
    callee.send(
      withPayload([MessageType.INVOCATION, invocation.id, registration.id, details], message, CALL_PAYLOAD),
    );
  }

  #finish(invocation: Invocation): void {
    if (invocation.timer !== undefined) clearTimeout(invocation.timer);
    invocation.answered = true;
    invocation.caller.calls.delete(invocation.callerRequest);
  }

  #interrupt(invocation: Invocation, reason: string): boolean {
    if (!invocation.callee.features('callee', 'call_canceling')) return false;
    invocation.callee.send([MessageType.INTERRUPT, invocation.id, { mode: 'killnowait', reason }]);
    return true;
  }

  #timeout(invocation: Invocation): void {
    if (invocation.answered) return;
    this.#finish(invocation);
    invocation.callee.invocations.delete(invocation.id);
    this.#interrupt(invocation, WampErrors.TIMEOUT);
    invocation.caller.sendError(
      MessageType.CALL,
      invocation.callerRequest,
      WampErrors.TIMEOUT,
      'call timed out',
    );
  }

  cancel(session: RouterSession, message: WampMessage) {
    const request = message[1] as number;
    const options = message[2] as Dict;
    const invocation = session.calls.get(request);
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
      invocation.callee.invocations.delete(invocation.id);
      invocation.callee.send([MessageType.INTERRUPT, invocation.id, { mode: 'killnowait' }]);
    }
    session.sendError(MessageType.CALL, request, WampErrors.CANCELED, 'call canceled');
  }

  yield(session: RouterSession, message: WampMessage) {
    const invocation = session.invocations.get(message[1] as number);
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
      if (!progress) session.invocations.delete(invocation.id);
      return;
    }
    if (invocation.killing && !progress) {
      session.invocations.delete(invocation.id);
      this.#finish(invocation);
      invocation.caller.sendError(
        MessageType.CALL,
        invocation.callerRequest,
        WampErrors.CANCELED,
        'call canceled',
      );
      return;
    }
    this.#router.observer.payload?.(isEncryptedPayload(options));
    const details: Dict = {};
    copyPassthrough(options, details);
    if (progress) {
      if (!invocation.receiveProgress) return;
      details.progress = true;
    } else {
      session.invocations.delete(invocation.id);
      this.#finish(invocation);
    }
    invocation.caller.send(
      withPayload([MessageType.RESULT, invocation.callerRequest, details], message, YIELD_PAYLOAD),
    );
  }

  invocationError(session: RouterSession, message: WampMessage): void {
    const invocation = session.invocations.get(message[2] as number);
    if (invocation === undefined) return;
    session.invocations.delete(invocation.id);
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
    this.#router.observer.payload?.(isEncryptedPayload(options));
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

  removeSession(session: RouterSession): void {
    for (const registration of [...session.registrations]) this.#drop(session, registration);
    // As callee: every caller waiting on this session gets an error now.
    for (const invocation of session.invocations.values()) {
      if (invocation.answered) continue;
      this.#finish(invocation);
      invocation.caller.sendError(
        MessageType.CALL,
        invocation.callerRequest,
        WampErrors.CANCELED,
        'callee disconnected from in-flight request',
      );
    }
    session.invocations.clear();
    // As caller: the callees can stop working on calls nobody will read.
    for (const invocation of session.calls.values()) {
      clearTimeout(invocation.timer);
      invocation.answered = true;
      invocation.callee.invocations.delete(invocation.id);
      this.#interrupt(invocation, WampErrors.CANCELED);
    }
    session.calls.clear();
  }
}
