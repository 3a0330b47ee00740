/**
 * The error catalogue: every code of `ErrorCodes` has exactly one class (`ErrorClasses`), the instances of
 * that class carry that code and belong to the right family, and docs/errors.md lists every code and names
 * no other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  AlgNotAllowedError,
  AlreadyRunningError,
  type AnySealwireError,
  ArgumentError,
  BindingMismatchError,
  ClearNotAllowedError,
  ConfigError,
  ConnectionLostError,
  DecryptionError,
  DecryptionFailedError,
  ErrorClasses,
  type ErrorCode,
  ErrorCodes,
  InvalidEpkError,
  IoError,
  isSealwireError,
  KeyDisabledError,
  KeyError,
  KeyInaccessibleError,
  KeyInvalidError,
  KeyMismatchError,
  LimitExceededError,
  LogInconsistentError,
  MalformedError,
  NoMatchingRecipientError,
  NotAuthorizedError,
  PinMismatchError,
  PolicyError,
  ProtocolViolationError,
  RefusedError,
  RpcFailedError,
  SchemaError,
  SealwireError,
  SessionClosedError,
  SignatureInvalidError,
  SignatureMissingError,
  TimeoutError,
  TruncatedError,
  TunnelUnavailableError,
  UsageError,
  VerificationError,
  WampError,
  WrongPasswordError,
} from 'sealwire/errors';

const codes: readonly ErrorCode[] = Object.values(ErrorCodes);
const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** One instance per code, built the way Sealwire builds them; the type makes the list exhaustive. */
const samples: { [C in ErrorCode]: Extract<AnySealwireError, { readonly code: C }> } = {
  ERR_MALFORMED: new MalformedError('m'),
  ERR_ALG_NOT_ALLOWED: new AlgNotAllowedError('m'),
  ERR_REFUSED: new RefusedError('m'),
  ERR_LIMIT_EXCEEDED: new LimitExceededError('m'),
  ERR_DECRYPTION_FAILED: new DecryptionFailedError(),
  ERR_NO_MATCHING_RECIPIENT: new NoMatchingRecipientError('m'),
  ERR_SIGNATURE_MISSING: new SignatureMissingError('m'),
  ERR_SIGNATURE_INVALID: new SignatureInvalidError('m'),
  ERR_KEY_INVALID: new KeyInvalidError('m'),
  ERR_KEY_MISMATCH: new KeyMismatchError('m'),
  ERR_WRONG_PASSWORD: new WrongPasswordError('m'),
  ERR_INVALID_ARGUMENT: new ArgumentError('m'),
  ERR_BINDING_MISMATCH: new BindingMismatchError('m'),
  ERR_IO: new IoError('m', { cause: new Error('EACCES') }),
  ERR_SCHEMA_INVALID: new SchemaError('pkg.Message', 'm'),
  ERR_KEY_INACCESSIBLE: new KeyInaccessibleError('pii', 'decrypt'),
  ERR_KEY_DISABLED: new KeyDisabledError('pii', 7, 'DISABLED'),
  ERR_WAMP_ERROR: new WampError('wamp.error.no_such_procedure', ['m']),
  ERR_SESSION_CLOSED: new SessionClosedError('wamp.close.goodbye_and_out'),
  ERR_TIMEOUT: new TimeoutError('m'),
  ERR_PIN_MISMATCH: new PinMismatchError('m'),
  ERR_TUNNEL_UNAVAILABLE: new TunnelUnavailableError('m'),
  ERR_CONNECTION_LOST: new ConnectionLostError('m'),
  ERR_TRUNCATED: new TruncatedError('m'),
  ERR_NOT_AUTHORIZED: new NotAuthorizedError('m'),
  ERR_RPC_FAILED: new RpcFailedError('m'),
  ERR_JWE_INVALID_EPK: new InvalidEpkError('m'),
  ERR_CLEAR_NOT_ALLOWED: new ClearNotAllowedError('com.example.topic', 'm'),
  ERR_PROTOCOL_VIOLATION: new ProtocolViolationError('m'),
  ERR_ALREADY_RUNNING: new AlreadyRunningError('m'),
  ERR_CONFIG: new ConfigError('m'),
  ERR_USAGE: new UsageError('m'),
  ERR_LOG_INCONSISTENT: new LogInconsistentError('m'),
};

test('every code is a distinct ERR_ string', () => {
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^ERR_[A-Z0-9_]+$/);
});

test('every code has exactly one class, and no class serves two codes', () => {
  assert.deepEqual(Object.keys(ErrorClasses).sort(), [...codes].sort());
  const classes = Object.values(ErrorClasses);
  assert.equal(new Set(classes).size, codes.length, 'a class is listed under two codes');
  for (const errorClass of classes) assert.ok(errorClass.prototype instanceof SealwireError, errorClass.name);
});

test("each class's instances carry its code, its name, and pass isSealwireError", () => {
  for (const code of codes) {
    const error: AnySealwireError = samples[code];
    const errorClass = ErrorClasses[code];
    assert.ok(error instanceof errorClass, `${code}: ${error.name}`);
    assert.equal(error.code, code);
    assert.equal(error.name, errorClass.name);
    assert.ok(error instanceof Error && error instanceof SealwireError && isSealwireError(error), code);
    // No other class claims it.
    for (const other of codes)
      if (other !== code) assert.ok(!(error instanceof ErrorClasses[other]), `${code} is also a ${other}`);
  }
});

test('the families catch exactly their codes', () => {
  const families = [
    [PolicyError, [ErrorCodes.ALG_NOT_ALLOWED, ErrorCodes.REFUSED, ErrorCodes.LIMIT_EXCEEDED]],
    [DecryptionError, [ErrorCodes.DECRYPTION_FAILED, ErrorCodes.NO_MATCHING_RECIPIENT]],
    [
      VerificationError,
      [ErrorCodes.SIGNATURE_MISSING, ErrorCodes.SIGNATURE_INVALID, ErrorCodes.BINDING_MISMATCH],
    ],
    [KeyError, [ErrorCodes.KEY_INVALID, ErrorCodes.KEY_MISMATCH, ErrorCodes.WRONG_PASSWORD]],
  ] as const;
  for (const [family, members] of families)
    for (const code of codes)
      assert.equal(
        samples[code] instanceof family,
        (members as readonly string[]).includes(code),
        `${family.name} ${code}`,
      );
});

test('the extra fields of the classes that have them', () => {
  assert.equal(samples.ERR_CONFIG.message, 'config: m');
  assert.equal(samples.ERR_WAMP_ERROR.uri, 'wamp.error.no_such_procedure');
  assert.equal(samples.ERR_WAMP_ERROR.message, 'wamp.error.no_such_procedure: m');
  assert.equal(samples.ERR_SESSION_CLOSED.reason, 'wamp.close.goodbye_and_out');
  assert.equal(samples.ERR_CLEAR_NOT_ALLOWED.uri, 'com.example.topic');
  assert.equal(samples.ERR_KEY_DISABLED.keyId, 7);
  assert.equal(samples.ERR_SCHEMA_INVALID.typeName, 'pkg.Message');
  assert.equal((samples.ERR_IO.cause as Error).message, 'EACCES');
  assert.match(samples.ERR_DECRYPTION_FAILED.message, /^decryption failed/);
});

test('docs/errors.md lists every code, as `ERR_X`', () => {
  const missing = codes.filter((code) => !docs.includes(`\`${code}\``));
  assert.deepEqual(missing, [], `add these to docs/errors.md: ${missing.join(', ')}`);
});

test('docs/errors.md names no code that does not exist', () => {
  const named = new Set(docs.match(/\bERR_[A-Z0-9_]+\b/g) ?? []);
  const unknown = [...named].filter((code) => !(codes as readonly string[]).includes(code));
  assert.deepEqual(
    unknown,
    [],
    `docs/errors.md names codes that ErrorCodes does not have: ${unknown.join(', ')}`,
  );
});
