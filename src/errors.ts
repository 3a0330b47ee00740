/**
 * Typed errors shared by every Sealwire module.
 *
 * Every error that crosses a public API is a `SealwireError` with a stable `code` (never reworded once
 * published) and a one-line message saying what was wrong and what to do. Callers branch on `code`, or on
 * the subclass, never on the message.
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
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SealwireError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The input could not be parsed; nothing was decrypted. */
export class MalformedError extends SealwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.MALFORMED, message, options);
  }
}

/** A policy check refused the input before any secret-key operation. */
export class PolicyError extends SealwireError {
  constructor(
    code: typeof ErrorCodes.ALG_NOT_ALLOWED | typeof ErrorCodes.REFUSED | typeof ErrorCodes.LIMIT_EXCEEDED,
    message: string,
  ) {
    super(code, message);
  }
}

/** Authenticated decryption failed; no plaintext was released. */
export class DecryptionError extends SealwireError {
  constructor(
    message = 'decryption failed: wrong key, or the ciphertext was modified or truncated',
    code:
      | typeof ErrorCodes.DECRYPTION_FAILED
      | typeof ErrorCodes.NO_MATCHING_RECIPIENT = ErrorCodes.DECRYPTION_FAILED,
  ) {
    super(code, message);
  }
}

/** Sender authentication failed. */
export class VerificationError extends SealwireError {
  constructor(
    code:
      | typeof ErrorCodes.SIGNATURE_MISSING
      | typeof ErrorCodes.SIGNATURE_INVALID
      | typeof ErrorCodes.BINDING_MISMATCH,
    message: string,
  ) {
    super(code, message);
  }
}

/** A key cannot be used as given. */
export class KeyError extends SealwireError {
  constructor(
    code: typeof ErrorCodes.KEY_INVALID | typeof ErrorCodes.KEY_MISMATCH | typeof ErrorCodes.WRONG_PASSWORD,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The caller asked for something that cannot work. */
export class ArgumentError extends SealwireError {
  constructor(message: string) {
    super(ErrorCodes.INVALID_ARGUMENT, message);
  }
}

export function isSealwireError(value: unknown): value is SealwireError {
  return value instanceof SealwireError;
}
