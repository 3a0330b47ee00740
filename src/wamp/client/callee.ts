/**
 * The callee role: answering the invocations of this client's registrations. An INVOCATION is checked
 * (known registration, procedure as registered, clear allowed), its payload opened, the handler run, and
 * its value or error sent back as YIELD or ERROR (encrypted when the invocation came encrypted, see
 * payload.ts); an INTERRUPT aborts the handler's signal. All of it runs synchronously while nothing is
 * asynchronous (a clear or cryptobox payload, a handler that returns a value): no promise per message. A
 * JOSE payload or an async handler continues from the promise it returns.
 */
import { isSealwireError } from '../../errors.ts';
import { isEncodedPayload } from '../codecs/payload-codec.ts';
import { WampError } from '../errors.ts';
import { MessageType, WampErrors } from '../protocol/codes.ts';
import type { Dict, WampMessage } from '../protocol/messages.ts';
import { CLEAR_NOT_ALLOWED_URI } from './clear-policy.ts';
import { effectiveUri } from './effective-uri.ts';
import type { PayloadPipeline, ReceivedPayload } from './payload.ts';
import { type ActiveInvocation, abortInvocation, IncomingInvocation, type Registration } from './requests.ts';
import { CallResult } from './types.ts';
import { whenReady } from './when-ready.ts';

export class Callee {
  readonly #payloads: PayloadPipeline;
  /** Sends, or reports why it could not; never throws. */
  readonly #send: (message: readonly unknown[]) => undefined;
  readonly #reportError: (error: unknown) => void;
  readonly #active = new Map<number, ActiveInvocation>();
  /** Encrypted answers whose (asynchronous) encoding has not finished yet. */
  readonly #replying = new Set<Promise<undefined>>();

  constructor(
    payloads: PayloadPipeline,
    send: (message: readonly unknown[]) => undefined,
    reportError: (error: unknown) => void,
  ) {
    this.#payloads = payloads;
    this.#send = send;
    this.#reportError = reportError;
  }

  /** An INVOCATION for `registration` (`undefined`: the router named one this client does not hold). */
  start(message: WampMessage, registration: Registration | undefined): void {
    const invocationId = message[1] as number;
    const details = message[3] as Dict;
    if (registration === undefined) {
      this.#refuseInvocation(invocationId, WampErrors.NO_SUCH_REGISTRATION, undefined);
      return;
    }
    let procedure: string;
    try {
      procedure = effectiveUri(
        'procedure',
        registration.procedure,
        registration.options.match,
        details.procedure,
      );
    } catch (error) {
      this.#refuseInvocation(invocationId, WampErrors.PROTOCOL_VIOLATION, error);
      return;
    }
    const refusal = this.#payloads.clearAnswerRefused(procedure, details, registration.options.allowClear);
    if (refusal !== undefined) {
      this.#refuseInvocation(invocationId, CLEAR_NOT_ALLOWED_URI, refusal);
      return;
    }
    const active: ActiveInvocation = {
      controller: undefined,
      abortReason: undefined,
      done: false,
      encrypted: isEncodedPayload(details),
      procedure,
      state: undefined,
    };
    this.#active.set(invocationId, active);
    let payload: ReceivedPayload | Promise<ReceivedPayload>;
    try {
      payload = this.#payloads.decode('invocation', procedure, details, message, 4);
    } catch (error) {
      this.#undecodableInvocation(invocationId, error);
      return;
    }
    whenReady(
      payload,
      (value) => this.#invoke(invocationId, active, registration, details, value),
      (error) => this.#undecodableInvocation(invocationId, error),
    );
  }

  /** An ERROR without payload for an invocation the handler never sees; `error` goes to onError. */
  #refuseInvocation(invocationId: number, uri: string, error: unknown): void {
    if (error !== undefined) this.#reportError(error);
    this.#send([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, uri]);
  }

  #undecodableInvocation(invocationId: number, error: unknown): void {
    this.#active.delete(invocationId);
    this.#reportError(error);
    const uri = error instanceof WampError ? error.uri : WampErrors.DECRYPT_ERROR;
    this.#send([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, uri]);
  }

  #invoke(
    invocationId: number,
    active: ActiveInvocation,
    registration: Registration,
    details: Dict,
    payload: ReceivedPayload,
  ): void {
    active.state = payload.state;
    const procedure = active.procedure;
    const info = new IncomingInvocation(
      payload.args,
      payload.kwargs,
      procedure,
      payload.encrypted,
      details,
      active,
    );
    if (Number.isSafeInteger(details.caller)) info.caller = details.caller as number; // exact IDs only, as above
    if (payload.keyId !== undefined) info.keyId = payload.keyId;
    if (details.receive_progress === true) {
      info.progress = (args?: unknown[], kwargs?: Dict) => {
        if (active.done) return;
        this.#reply(invocationId, active, 'yield', procedure, args, kwargs, true);
      };
    }
    let value: unknown;
    try {
      value = registration.handler(info);
    } catch (error) {
      this.#answerError(invocationId, active, error);
      return;
    }
    whenReady(
      value,
      (result) => this.#answer(invocationId, active, result),
      (error) => this.#answerError(invocationId, active, error),
    );
  }

  #answer(invocationId: number, active: ActiveInvocation, value: unknown): void {
    if (active.done) return;
    if (value instanceof CallResult)
      this.#reply(invocationId, active, 'yield', active.procedure, value.args, value.kwargs, false);
    else
      this.#reply(
        invocationId,
        active,
        'yield',
        active.procedure,
        value === undefined ? [] : [value],
        undefined,
        false,
      );
  }

  #answerError(invocationId: number, active: ActiveInvocation, error: unknown): void {
    if (active.done) return;
    const wampError =
      error instanceof WampError
        ? error
        : new WampError('wamp.error.runtime_error', [
            isSealwireError(error) || error instanceof Error ? error.message : String(error),
          ]);
    this.#reply(invocationId, active, 'error', wampError.uri, wampError.args, wampError.kwargs, false);
  }

  /** Sends YIELD or ERROR for an invocation; encrypted when the invocation came encrypted. Never throws. */
  #reply(
    invocationId: number,
    active: ActiveInvocation,
    kind: 'yield' | 'error',
    uri: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    progress: boolean,
  ): void {
    if (!progress) {
      active.done = true;
      this.#active.delete(invocationId);
    }
    const reply = this.#payloads.reply(invocationId, active, kind, uri, args, kwargs, progress);
    const sent = whenReady(reply, this.#send);
    if (sent === undefined) return;
    // close() lets answers that are still being encrypted go out first.
    this.#replying.add(sent);
    void sent.finally(() => this.#replying.delete(sent));
  }

  /** An INTERRUPT: the caller cancelled, or the call timed out. */
  interrupt(message: WampMessage): void {
    const invocationId = message[1] as number;
    const active = this.#active.get(invocationId);
    if (active === undefined) return;
    abortInvocation(active, new WampError(WampErrors.CANCELED, ['call canceled']));
    active.done = true;
    this.#active.delete(invocationId);
    this.#send([MessageType.ERROR, MessageType.INVOCATION, invocationId, {}, WampErrors.CANCELED]);
  }

  /** The session is gone: every running handler's signal aborts with `error`; none of them can answer. */
  abortAll(error: Error): void {
    for (const invocation of this.#active.values()) abortInvocation(invocation, error);
    this.#active.clear();
  }

  /** Waits (at most `timeoutMs`) for answers still being encrypted, so that close() lets them go out first. */
  async answersSent(timeoutMs: number): Promise<void> {
    if (this.#replying.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#replying]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
