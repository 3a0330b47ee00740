/**
 * Errors of the WAMP capability: a WAMP ERROR from the other side (`WampError`), the session ending under
 * a request, a timeout, a router contradicting what the client asked for, or clear data the client was
 * not allowed to send. The classes live in the floor (src/errors.ts, one class per code, so that
 * `AnySealwireError` covers them); this module re-exports them where the client, the router and the
 * payload codecs have always found them.
 */
export {
  ClearNotAllowedError,
  ProtocolViolationError,
  SessionClosedError,
  TimeoutError,
  WampError,
} from '../errors.ts';
