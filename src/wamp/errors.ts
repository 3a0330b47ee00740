/**
 * Errors of the WAMP capability: a WAMP ERROR from the other side, the session ending under a request, a
 * router contradicting what the client asked for, or clear data the client was not allowed to send. The
 * client raises them and the payload codecs answer `WampError` for what they cannot open, so they sit
 * here, beside both, and neither codecs nor protocol import the client.
 */
import { ErrorCodes, SealwireError } from '../errors.ts';
import type { Dict } from './protocol/messages.ts';

/**
 * An ERROR answer (from the router or the peer). Throw one from a procedure handler to answer a call
 * with that error URI and payload.
 */
export class WampError extends SealwireError {
  readonly uri: string;
  readonly args: unknown[];
  readonly kwargs: Dict;
  readonly details: Dict;

  constructor(uri: string, args: unknown[] = [], kwargs: Dict = {}, details: Dict = {}) {
    const text = typeof args[0] === 'string' ? `: ${args[0]}` : '';
    super(ErrorCodes.WAMP_ERROR, `${uri}${text}`);
    this.uri = uri;
    this.args = args;
    this.kwargs = kwargs;
    this.details = details;
  }
}

/** The session or connection ended before the request completed; `reason` is the WAMP or close reason. */
export class SessionClosedError extends SealwireError {
  readonly reason: string;

  /** `cause`: the socket's own error when there is one (e.g. ECONNREFUSED), for callers that explain it. */
  constructor(reason: string, message?: string, options?: { cause?: unknown }) {
    super(
      ErrorCodes.SESSION_CLOSED,
      message ?? `WAMP session closed (${reason}); reconnect and retry`,
      options,
    );
    this.reason = reason;
  }
}

export class TimeoutError extends SealwireError {
  constructor(message: string) {
    super(ErrorCodes.TIMEOUT, message);
  }
}

/**
 * The router sent something that contradicts what this client asked for (an event under a topic it did
 * not subscribe to, an invocation for a procedure it did not register, an ID outside the WAMP range). The
 * message is refused, never delivered; the client reports this to `onError`.
 */
export class ProtocolViolationError extends SealwireError {
  constructor(message: string) {
    super(ErrorCodes.PROTOCOL_VIOLATION, message);
  }
}

/**
 * A client with a payload codec was asked to send clear data (publish, call, or answer an invocation) on a
 * URI none of its keys covers. Usually a typo in the URI or a missing key; `allowClear: true` sends it anyway.
 */
export class ClearNotAllowedError extends SealwireError {
  readonly uri: string;

  constructor(uri: string, message: string) {
    super(ErrorCodes.CLEAR_NOT_ALLOWED, message);
    this.uri = uri;
  }
}
