/**
 * Typed errors shared by every Sealwire module.
 *
 * Every error that crosses a public API is a `SealwireError` with a stable `code` (never reworded once
 * published) and a one-line message saying what was wrong and what to do. Callers branch on `code`, or on
 * the subclass, never on the message. Each code has exactly one class (`ErrorClasses` maps one to the
 * other), so `isSealwireError(error)` narrows to `AnySealwireError` and a `switch (error.code)` narrows to
 * the class, exhaustively. The grouping classes (`PolicyError`, `DecryptionError`, `VerificationError`,
 * `KeyError`) are abstract bases of the per-code classes, for callers who catch a family. The classes live
 * here, in the floor, because capabilities never import each other; each capability re-exports its own.
 * docs/errors.md says what every code means and what to do about it.
 *
 * Decryption and verification errors deliberately say little about *why* they failed: distinguishing
 * "bad padding" from "bad tag" from "wrong key" hands an attacker an oracle.
 */

export const ErrorCodes = {
  /** Input is not of the expected shape (not a JWE, bad base64url, bad JSON, truncated). */
  MALFORMED: 'ERR_MALFORMED',
  /** An algorithm, header or feature is outside the allow-list. */
  ALG_NOT_ALLOWED: 'ERR_ALG_NOT_ALLOWED',
  /** A header parameter or feature we refuse on principle (zip, unknown crit, RSA1_5, alg none). */
  REFUSED: 'ERR_REFUSED',
  /** An attacker-controlled quantity (recipients, header size, p2c, KDF cost, size) is above its cap. */
  LIMIT_EXCEEDED: 'ERR_LIMIT_EXCEEDED',
  /** Authenticated decryption failed: wrong key, modified or truncated ciphertext. */
  DECRYPTION_FAILED: 'ERR_DECRYPTION_FAILED',
  /** No recipient slot of the message belongs to the key we were given. */
  NO_MATCHING_RECIPIENT: 'ERR_NO_MATCHING_RECIPIENT',
  /** A signature was required (`from` given) but the content is not signed. */
  SIGNATURE_MISSING: 'ERR_SIGNATURE_MISSING',
  /** A signature is present but does not verify against any expected signer. */
  SIGNATURE_INVALID: 'ERR_SIGNATURE_INVALID',
  /** A key is unusable: wrong type, wrong curve, public where private is needed, invalid point. */
  KEY_INVALID: 'ERR_KEY_INVALID',
  /** A key or option does not fit the operation asked for (e.g. RSA key with ECDH-ES). */
  KEY_MISMATCH: 'ERR_KEY_MISMATCH',
  /** The password does not open the protected key file. */
  WRONG_PASSWORD: 'ERR_WRONG_PASSWORD',
  /** A caller passed an option or argument that cannot work. */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** A request/response binding check failed (swapped key, replayed response). */
  BINDING_MISMATCH: 'ERR_BINDING_MISMATCH',
  /** An I/O step (file, network) failed. */
  IO: 'ERR_IO',
  /** A protobuf schema cannot be used for field encryption (key_alias without a bytes ciphertext_, bad alias). */
  SCHEMA_INVALID: 'ERR_SCHEMA_INVALID',
  /** The keyring holds no keyset for a key alias the message needs (field encryption). */
  KEY_INACCESSIBLE: 'ERR_KEY_INACCESSIBLE',
  /** The ciphertext names a key that is disabled or destroyed in its keyset: re-enable it or re-encrypt. */
  KEY_DISABLED: 'ERR_KEY_DISABLED',
  /** A WAMP peer or router answered with an ERROR message; the error's `uri` says which. */
  WAMP_ERROR: 'ERR_WAMP_ERROR',
  /** The WAMP session or its connection ended (ABORT, GOODBYE, socket closed) before the request completed. */
  SESSION_CLOSED: 'ERR_SESSION_CLOSED',
  /** A network operation did not complete within its time limit. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** The service's certificate does not match the pinned fingerprint: possible man-in-the-middle. */
  PIN_MISMATCH: 'ERR_PIN_MISMATCH',
  /** The relay could not connect us to the service (unknown, offline, at capacity, refused). */
  TUNNEL_UNAVAILABLE: 'ERR_TUNNEL_UNAVAILABLE',
  /** The tunnel or its relay connection went away while a request was in flight. */
  CONNECTION_LOST: 'ERR_CONNECTION_LOST',
  /** A response ended without its completion marker: cut in transit, not a normal end. */
  TRUNCATED: 'ERR_TRUNCATED',
  /** The service refused the request: session verification (access token) missing, invalid or expired. */
  NOT_AUTHORIZED: 'ERR_NOT_AUTHORIZED',
  /** The remote procedure ran and failed, or does not exist; the message is the service's. */
  RPC_FAILED: 'ERR_RPC_FAILED',
  /** A JWE's ephemeral public key (`epk`) is not a valid point: off the curve, or of small order. */
  INVALID_EPK: 'ERR_JWE_INVALID_EPK',
  /** A client with a payload codec was asked to send clear data to a URI its codec does not cover. */
  CLEAR_NOT_ALLOWED: 'ERR_CLEAR_NOT_ALLOWED',
  /** A peer (router, relay) sent something that contradicts what this side asked for: refused, not used. */
  PROTOCOL_VIOLATION: 'ERR_PROTOCOL_VIOLATION',
  /** Another process already uses this resource (a service data dir, a store): refused, not shared. */
  ALREADY_RUNNING: 'ERR_ALREADY_RUNNING',
  /** The relay configuration (file, environment, flags) is invalid; the message names the setting. */
  CONFIG: 'ERR_CONFIG',
  /** The command line cannot work (a flag, an argument, a missing file): the `sealwire` CLI's exit 2. */
  USAGE: 'ERR_USAGE',
  /** A transparency log contradicts what this client verified before: a rollback, a fork, an entry it never committed to. */
  LOG_INCONSISTENT: 'ERR_LOG_INCONSISTENT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * The base of every Sealwire error. What Sealwire throws across its API is always one of the per-code
 * subclasses below (`AnySealwireError`); catch this (or test `isSealwireError`) and switch on `code`.
 */
export class SealwireError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

// ---- Families: abstract bases, so that `instanceof PolicyError` etc. catch every code of the family.

/** A policy check refused the input before any secret-key operation. */
export abstract class PolicyError extends SealwireError {
  declare readonly code:
    | typeof ErrorCodes.ALG_NOT_ALLOWED
    | typeof ErrorCodes.REFUSED
    | typeof ErrorCodes.LIMIT_EXCEEDED;

  constructor(code: PolicyError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Authenticated decryption failed; no plaintext was released. */
export abstract class DecryptionError extends SealwireError {
  declare readonly code: typeof ErrorCodes.DECRYPTION_FAILED | typeof ErrorCodes.NO_MATCHING_RECIPIENT;

  constructor(code: DecryptionError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Sender authentication failed. */
export abstract class VerificationError extends SealwireError {
  declare readonly code:
    | typeof ErrorCodes.SIGNATURE_MISSING
    | typeof ErrorCodes.SIGNATURE_INVALID
    | typeof ErrorCodes.BINDING_MISMATCH;

  constructor(code: VerificationError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A key cannot be used as given. */
export abstract class KeyError extends SealwireError {
  declare readonly code:
    | typeof ErrorCodes.KEY_INVALID
    | typeof ErrorCodes.KEY_MISMATCH
    | typeof ErrorCodes.WRONG_PASSWORD;

  constructor(code: KeyError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

// ---- One class per code, in the order of `ErrorCodes`.

/** `ERR_MALFORMED`: the input could not be parsed; nothing was decrypted. */
export class MalformedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.MALFORMED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.MALFORMED, message, options);
  }
}

/** `ERR_ALG_NOT_ALLOWED`: an algorithm, header or feature is outside the allow-list. */
export class AlgNotAllowedError extends PolicyError {
  declare readonly code: typeof ErrorCodes.ALG_NOT_ALLOWED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.ALG_NOT_ALLOWED, message, options);
  }
}

/** `ERR_REFUSED`: a parameter or feature refused on principle (zip, unknown crit, RSA1_5, alg none). */
export class RefusedError extends PolicyError {
  declare readonly code: typeof ErrorCodes.REFUSED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.REFUSED, message, options);
  }
}

/** `ERR_LIMIT_EXCEEDED`: an attacker-controlled quantity is above its cap. */
export class LimitExceededError extends PolicyError {
  declare readonly code: typeof ErrorCodes.LIMIT_EXCEEDED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.LIMIT_EXCEEDED, message, options);
  }
}

const DECRYPTION_FAILED_MESSAGE = 'decryption failed: wrong key, or the ciphertext was modified or truncated';

/** `ERR_DECRYPTION_FAILED`: wrong key, or modified or truncated ciphertext; deliberately says no more. */
export class DecryptionFailedError extends DecryptionError {
  declare readonly code: typeof ErrorCodes.DECRYPTION_FAILED;
  constructor(message = DECRYPTION_FAILED_MESSAGE, options?: ErrorOptions) {
    super(ErrorCodes.DECRYPTION_FAILED, message, options);
  }
}

/** `ERR_NO_MATCHING_RECIPIENT`: no recipient slot of the message belongs to the key given. */
export class NoMatchingRecipientError extends DecryptionError {
  declare readonly code: typeof ErrorCodes.NO_MATCHING_RECIPIENT;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.NO_MATCHING_RECIPIENT, message, options);
  }
}

/** `ERR_SIGNATURE_MISSING`: a signature was required but the content is not signed. */
export class SignatureMissingError extends VerificationError {
  declare readonly code: typeof ErrorCodes.SIGNATURE_MISSING;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.SIGNATURE_MISSING, message, options);
  }
}

/** `ERR_SIGNATURE_INVALID`: a signature does not verify against any expected signer. */
export class SignatureInvalidError extends VerificationError {
  declare readonly code: typeof ErrorCodes.SIGNATURE_INVALID;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.SIGNATURE_INVALID, message, options);
  }
}

/** `ERR_KEY_INVALID`: a key is unusable (wrong type or curve, public where private is needed, bad point). */
export class KeyInvalidError extends KeyError {
  declare readonly code: typeof ErrorCodes.KEY_INVALID;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.KEY_INVALID, message, options);
  }
}

/** `ERR_KEY_MISMATCH`: a key or option does not fit the operation asked for. */
export class KeyMismatchError extends KeyError {
  declare readonly code: typeof ErrorCodes.KEY_MISMATCH;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.KEY_MISMATCH, message, options);
  }
}

/** `ERR_WRONG_PASSWORD`: the password does not open the protected key file. */
export class WrongPasswordError extends KeyError {
  declare readonly code: typeof ErrorCodes.WRONG_PASSWORD;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.WRONG_PASSWORD, message, options);
  }
}

/** `ERR_INVALID_ARGUMENT`: the caller asked for something that cannot work. */
export class ArgumentError extends SealwireError {
  declare readonly code: typeof ErrorCodes.INVALID_ARGUMENT;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.INVALID_ARGUMENT, message, options);
  }
}

/** `ERR_BINDING_MISMATCH`: a request/response binding check failed (swapped key, replayed response). */
export class BindingMismatchError extends VerificationError {
  declare readonly code: typeof ErrorCodes.BINDING_MISMATCH;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.BINDING_MISMATCH, message, options);
  }
}

/** `ERR_IO`: a file or network step failed; `cause` has the system error. */
export class IoError extends SealwireError {
  declare readonly code: typeof ErrorCodes.IO;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.IO, message, options);
  }
}

/** `ERR_SCHEMA_INVALID`: a message schema cannot be used for field encryption; raised on its first use. */
export class SchemaError extends SealwireError {
  declare readonly code: typeof ErrorCodes.SCHEMA_INVALID;
  /** Full name of the offending message type. */
  readonly typeName: string;

  constructor(typeName: string, message: string) {
    super(ErrorCodes.SCHEMA_INVALID, message);
    this.typeName = typeName;
  }
}

/** `ERR_KEY_INACCESSIBLE`: the keyring holds no keyset for `alias`: this service may not read or write it. */
export class KeyInaccessibleError extends SealwireError {
  declare readonly code: typeof ErrorCodes.KEY_INACCESSIBLE;
  readonly alias: string;

  constructor(alias: string, operation: 'encrypt' | 'decrypt') {
    super(
      ErrorCodes.KEY_INACCESSIBLE,
      `cannot ${operation}: the keyring holds no key for alias "${alias}" (add its keyset to this service's keyring, or pass it in \`ignore\`)`,
    );
    this.alias = alias;
  }
}

/** `ERR_KEY_DISABLED`: the ciphertext's key id names a key disabled or destroyed in the alias's keyset. */
export class KeyDisabledError extends SealwireError {
  declare readonly code: typeof ErrorCodes.KEY_DISABLED;
  readonly alias: string;
  readonly keyId: number;

  constructor(alias: string, keyId: number, status: string) {
    super(
      ErrorCodes.KEY_DISABLED,
      `key ${keyId} of alias "${alias}" is ${status.toLowerCase()}: re-enable it to read this data, or re-encrypt the data under the primary key`,
    );
    this.alias = alias;
    this.keyId = keyId;
  }
}

/**
 * `ERR_WAMP_ERROR`: an ERROR answer (from the router or the peer). Throw one from a procedure handler to
 * answer a call with that error URI and payload.
 */
export class WampError extends SealwireError {
  declare readonly code: typeof ErrorCodes.WAMP_ERROR;
  readonly uri: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly details: Record<string, unknown>;

  constructor(
    uri: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    details: Record<string, unknown> = {},
  ) {
    const text = typeof args[0] === 'string' ? `: ${args[0]}` : '';
    super(ErrorCodes.WAMP_ERROR, `${uri}${text}`);
    this.uri = uri;
    this.args = args;
    this.kwargs = kwargs;
    this.details = details;
  }
}

/** `ERR_SESSION_CLOSED`: the session or connection ended under a request; `reason` is the WAMP or close reason. */
export class SessionClosedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.SESSION_CLOSED;
  readonly reason: string;

  /** `cause`: the socket's own error when there is one (e.g. ECONNREFUSED), for callers that explain it. */
  constructor(reason: string, message?: string, options?: ErrorOptions) {
    super(
      ErrorCodes.SESSION_CLOSED,
      message ?? `WAMP session closed (${reason}); reconnect and retry`,
      options,
    );
    this.reason = reason;
  }
}

/** `ERR_TIMEOUT`: a network operation did not complete within its time limit (or was cancelled). */
export class TimeoutError extends SealwireError {
  declare readonly code: typeof ErrorCodes.TIMEOUT;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.TIMEOUT, message, options);
  }
}

/** `ERR_PIN_MISMATCH`: the service's certificate is not the pinned one: possible man-in-the-middle. */
export class PinMismatchError extends SealwireError {
  declare readonly code: typeof ErrorCodes.PIN_MISMATCH;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.PIN_MISMATCH, message, options);
  }
}

/** `ERR_TUNNEL_UNAVAILABLE`: the relay could not connect us to the service (unknown, offline, full, refused). */
export class TunnelUnavailableError extends SealwireError {
  declare readonly code: typeof ErrorCodes.TUNNEL_UNAVAILABLE;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.TUNNEL_UNAVAILABLE, message, options);
  }
}

/** `ERR_CONNECTION_LOST`: the tunnel or its relay connection went away while a request was in flight. */
export class ConnectionLostError extends SealwireError {
  declare readonly code: typeof ErrorCodes.CONNECTION_LOST;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.CONNECTION_LOST, message, options);
  }
}

/** `ERR_TRUNCATED`: a response ended without its completion marker: cut in transit, not a normal end. */
export class TruncatedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.TRUNCATED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.TRUNCATED, message, options);
  }
}

/** `ERR_NOT_AUTHORIZED`: session verification (access token) missing, invalid or expired. */
export class NotAuthorizedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.NOT_AUTHORIZED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.NOT_AUTHORIZED, message, options);
  }
}

/** `ERR_RPC_FAILED`: the remote procedure ran and failed, or does not exist; the message is the service's. */
export class RpcFailedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.RPC_FAILED;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.RPC_FAILED, message, options);
  }
}

/** `ERR_JWE_INVALID_EPK`: a JWE's ephemeral public key is off the curve or of small order. */
export class InvalidEpkError extends SealwireError {
  declare readonly code: typeof ErrorCodes.INVALID_EPK;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.INVALID_EPK, message, options);
  }
}

/**
 * `ERR_CLEAR_NOT_ALLOWED`: a client with a payload codec was asked to send clear data on a URI none of its
 * keys covers. Usually a typo in the URI or a missing key; `allowClear: true` sends it anyway.
 */
export class ClearNotAllowedError extends SealwireError {
  declare readonly code: typeof ErrorCodes.CLEAR_NOT_ALLOWED;
  readonly uri: string;

  constructor(uri: string, message: string) {
    super(ErrorCodes.CLEAR_NOT_ALLOWED, message);
    this.uri = uri;
  }
}

/**
 * `ERR_PROTOCOL_VIOLATION`: a peer sent something that contradicts what this side asked for (an event for a
 * topic not subscribed to, an ID out of range). It is refused, never delivered.
 */
export class ProtocolViolationError extends SealwireError {
  declare readonly code: typeof ErrorCodes.PROTOCOL_VIOLATION;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.PROTOCOL_VIOLATION, message, options);
  }
}

/** `ERR_ALREADY_RUNNING`: another process already uses this resource (a service data dir, a service id). */
export class AlreadyRunningError extends SealwireError {
  declare readonly code: typeof ErrorCodes.ALREADY_RUNNING;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.ALREADY_RUNNING, message, options);
  }
}

/** `ERR_CONFIG`: a relay configuration problem; the message names the path and what is expected. */
export class ConfigError extends SealwireError {
  declare readonly code: typeof ErrorCodes.CONFIG;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.CONFIG, `config: ${message}`, options);
  }
}

/** `ERR_USAGE`: a problem the user fixes by changing the command line (exit code 2 in the CLI). */
export class UsageError extends SealwireError {
  declare readonly code: typeof ErrorCodes.USAGE;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.USAGE, message, options);
  }
}

/**
 * `ERR_LOG_INCONSISTENT`: the key directory's log contradicts what this client verified before (a smaller tree
 * than one already seen, two trees that are not one history, an entry not in the tree it claims). Refused;
 * the client keeps its last good checkpoint.
 */
export class LogInconsistentError extends SealwireError {
  declare readonly code: typeof ErrorCodes.LOG_INCONSISTENT;
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.LOG_INCONSISTENT, message, options);
  }
}

/**
 * Every code and its one class. A caller rarely needs it (switch on `code` instead); it lets a test, a
 * logger or an RPC layer go from a code to the class. The `satisfies` clause is what keeps it exact: a
 * code without a class, or a class under another code's name, does not compile.
 */
export const ErrorClasses = {
  [ErrorCodes.MALFORMED]: MalformedError,
  [ErrorCodes.ALG_NOT_ALLOWED]: AlgNotAllowedError,
  [ErrorCodes.REFUSED]: RefusedError,
  [ErrorCodes.LIMIT_EXCEEDED]: LimitExceededError,
  [ErrorCodes.DECRYPTION_FAILED]: DecryptionFailedError,
  [ErrorCodes.NO_MATCHING_RECIPIENT]: NoMatchingRecipientError,
  [ErrorCodes.SIGNATURE_MISSING]: SignatureMissingError,
  [ErrorCodes.SIGNATURE_INVALID]: SignatureInvalidError,
  [ErrorCodes.KEY_INVALID]: KeyInvalidError,
  [ErrorCodes.KEY_MISMATCH]: KeyMismatchError,
  [ErrorCodes.WRONG_PASSWORD]: WrongPasswordError,
  [ErrorCodes.INVALID_ARGUMENT]: ArgumentError,
  [ErrorCodes.BINDING_MISMATCH]: BindingMismatchError,
  [ErrorCodes.IO]: IoError,
  [ErrorCodes.SCHEMA_INVALID]: SchemaError,
  [ErrorCodes.KEY_INACCESSIBLE]: KeyInaccessibleError,
  [ErrorCodes.KEY_DISABLED]: KeyDisabledError,
  [ErrorCodes.WAMP_ERROR]: WampError,
  [ErrorCodes.SESSION_CLOSED]: SessionClosedError,
  [ErrorCodes.TIMEOUT]: TimeoutError,
  [ErrorCodes.PIN_MISMATCH]: PinMismatchError,
  [ErrorCodes.TUNNEL_UNAVAILABLE]: TunnelUnavailableError,
  [ErrorCodes.CONNECTION_LOST]: ConnectionLostError,
  [ErrorCodes.TRUNCATED]: TruncatedError,
  [ErrorCodes.NOT_AUTHORIZED]: NotAuthorizedError,
  [ErrorCodes.RPC_FAILED]: RpcFailedError,
  [ErrorCodes.INVALID_EPK]: InvalidEpkError,
  [ErrorCodes.CLEAR_NOT_ALLOWED]: ClearNotAllowedError,
  [ErrorCodes.PROTOCOL_VIOLATION]: ProtocolViolationError,
  [ErrorCodes.ALREADY_RUNNING]: AlreadyRunningError,
  [ErrorCodes.CONFIG]: ConfigError,
  [ErrorCodes.USAGE]: UsageError,
  [ErrorCodes.LOG_INCONSISTENT]: LogInconsistentError,
} as const satisfies {
  readonly [C in ErrorCode]: new (
    ...args: never[]
  ) => SealwireError & { readonly code: C };
};

/**
 * The union of every Sealwire error class: `switch (error.code)` narrows it to one class, and a `never`
 * default proves the switch exhaustive. Subclasses that refine a code (age's `AgeFormatError`,
 * `AgeDecryptionError`; the relay's `ListenError`) have the shape of their code's class.
 *
 * @example
 * ```ts
 * if (isSealwireError(error)) {
 *   switch (error.code) {
 *     case 'ERR_WAMP_ERROR':
 *       console.log(error.uri); // a WampError
 *       break;
 *     // ...
 *   }
 * }
 * ```
 */
export type AnySealwireError = InstanceType<(typeof ErrorClasses)[ErrorCode]>;

/** Whether `value` is a Sealwire error; if so, its `code` says which class it is. */
export function isSealwireError(value: unknown): value is AnySealwireError {
  return value instanceof SealwireError;
}
