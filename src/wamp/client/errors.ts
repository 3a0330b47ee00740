/** Errors the WAMP client raises: a WAMP ERROR from the other side, or the session ending under a request. */
import { ErrorCodes, SealwireError } from '../../errors.ts';
import type { Dict } from '../protocol/messages.ts';

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

  constructor(reason: string, message?: string) {
    super(ErrorCodes.SESSION_CLOSED, message ?? `WAMP session closed (${reason}); reconnect and retry`);
    this.reason = reason;
  }
}

export class TimeoutError extends SealwireError {
  constructor(message: string) {
    super(ErrorCodes.TIMEOUT, message);
  }
}
