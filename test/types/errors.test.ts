/**
 * Type tests of `sealwire/errors` (expect-type): `isSealwireError` narrows to `AnySealwireError`, and a
 * `switch` on `code` narrows it to one class per case, exhaustively: the `never` default compiles only
 * because every code has its case. `npm run typecheck` checks them; the runner calls the switch for real.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import {
  type AlgNotAllowedError,
  type AlreadyRunningError,
  type AnySealwireError,
  type ArgumentError,
  type BindingMismatchError,
  type ClearNotAllowedError,
  type ConfigError,
  type ConnectionLostError,
  type DecryptionError,
  type DecryptionFailedError,
  ErrorClasses,
  type ErrorCode,
  type InvalidEpkError,
  type IoError,
  isSealwireError,
  type KeyDisabledError,
  type KeyInaccessibleError,
  type KeyInvalidError,
  type KeyMismatchError,
  LimitExceededError,
  type LogInconsistentError,
  type MalformedError,
  type NoMatchingRecipientError,
  type NotAuthorizedError,
  type PinMismatchError,
  type ProtocolViolationError,
  type RefusedError,
  type RpcFailedError,
  type SchemaError,
  type SessionClosedError,
  type SignatureInvalidError,
  type SignatureMissingError,
  type TimeoutError,
  type TruncatedError,
  type TunnelUnavailableError,
  type UsageError,
  WampError,
  type WrongPasswordError,
} from 'sealwire/errors';
import { AgeDecryptionError, AgeFormatError } from 'sealwire/seal/age';

/** Every case narrows to its class; the fields only that class has are readable without a cast. */
function describe(error: AnySealwireError): string {
  switch (error.code) {
    case 'ERR_MALFORMED':
      expectTypeOf(error).toEqualTypeOf<MalformedError>();
      return 'malformed';
    case 'ERR_ALG_NOT_ALLOWED':
      expectTypeOf(error).toEqualTypeOf<AlgNotAllowedError>();
      return 'policy';
    case 'ERR_REFUSED':
      expectTypeOf(error).toEqualTypeOf<RefusedError>();
      return 'policy';
    case 'ERR_LIMIT_EXCEEDED':
      expectTypeOf(error).toEqualTypeOf<LimitExceededError>();
      return 'policy';
    case 'ERR_DECRYPTION_FAILED':
      expectTypeOf(error).toEqualTypeOf<DecryptionFailedError>();
      return 'decryption';
    case 'ERR_NO_MATCHING_RECIPIENT':
      expectTypeOf(error).toEqualTypeOf<NoMatchingRecipientError>();
      return 'decryption';
    case 'ERR_SIGNATURE_MISSING':
      expectTypeOf(error).toEqualTypeOf<SignatureMissingError>();
      return 'verification';
    case 'ERR_SIGNATURE_INVALID':
      expectTypeOf(error).toEqualTypeOf<SignatureInvalidError>();
      return 'verification';
    case 'ERR_BINDING_MISMATCH':
      expectTypeOf(error).toEqualTypeOf<BindingMismatchError>();
      return 'verification';
    case 'ERR_KEY_INVALID':
      expectTypeOf(error).toEqualTypeOf<KeyInvalidError>();
      return 'key';
    case 'ERR_KEY_MISMATCH':
      expectTypeOf(error).toEqualTypeOf<KeyMismatchError>();
      return 'key';
    case 'ERR_WRONG_PASSWORD':
      expectTypeOf(error).toEqualTypeOf<WrongPasswordError>();
      return 'key';
    case 'ERR_JWE_INVALID_EPK':
      expectTypeOf(error).toEqualTypeOf<InvalidEpkError>();
      return 'key';
    case 'ERR_INVALID_ARGUMENT':
      expectTypeOf(error).toEqualTypeOf<ArgumentError>();
      return 'argument';
    case 'ERR_IO':
      expectTypeOf(error).toEqualTypeOf<IoError>();
      return 'io';
    case 'ERR_ALREADY_RUNNING':
      expectTypeOf(error).toEqualTypeOf<AlreadyRunningError>();
      return 'running';
    case 'ERR_TIMEOUT':
      expectTypeOf(error).toEqualTypeOf<TimeoutError>();
      return 'timeout';
    case 'ERR_SCHEMA_INVALID':
      expectTypeOf(error).toEqualTypeOf<SchemaError>();
      return `schema ${error.typeName}`;
    case 'ERR_KEY_INACCESSIBLE':
      expectTypeOf(error).toEqualTypeOf<KeyInaccessibleError>();
      return `no key ${error.alias}`;
    case 'ERR_KEY_DISABLED':
      expectTypeOf(error).toEqualTypeOf<KeyDisabledError>();
      return `disabled ${error.alias}/${error.keyId}`;
    case 'ERR_WAMP_ERROR':
      expectTypeOf(error).toEqualTypeOf<WampError>();
      return `wamp ${error.uri}`;
    case 'ERR_SESSION_CLOSED':
      expectTypeOf(error).toEqualTypeOf<SessionClosedError>();
      return `closed ${error.reason}`;
    case 'ERR_CLEAR_NOT_ALLOWED':
      expectTypeOf(error).toEqualTypeOf<ClearNotAllowedError>();
      return `clear ${error.uri}`;
    case 'ERR_PROTOCOL_VIOLATION':
      expectTypeOf(error).toEqualTypeOf<ProtocolViolationError>();
      return 'protocol';
    case 'ERR_PIN_MISMATCH':
      expectTypeOf(error).toEqualTypeOf<PinMismatchError>();
      return 'tunnel';
    case 'ERR_TUNNEL_UNAVAILABLE':
      expectTypeOf(error).toEqualTypeOf<TunnelUnavailableError>();
      return 'tunnel';
    case 'ERR_CONNECTION_LOST':
      expectTypeOf(error).toEqualTypeOf<ConnectionLostError>();
      return 'tunnel';
    case 'ERR_TRUNCATED':
      expectTypeOf(error).toEqualTypeOf<TruncatedError>();
      return 'tunnel';
    case 'ERR_NOT_AUTHORIZED':
      expectTypeOf(error).toEqualTypeOf<NotAuthorizedError>();
      return 'tunnel';
    case 'ERR_RPC_FAILED':
      expectTypeOf(error).toEqualTypeOf<RpcFailedError>();
      return 'tunnel';
    case 'ERR_CONFIG':
      expectTypeOf(error).toEqualTypeOf<ConfigError>();
      return 'config';
    case 'ERR_USAGE':
      expectTypeOf(error).toEqualTypeOf<UsageError>();
      return 'usage';
    case 'ERR_LOG_INCONSISTENT':
      expectTypeOf(error).toEqualTypeOf<LogInconsistentError>();
      return 'messaging';
    default: {
      // Compiles only while every code has a case above.
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/** The same switch with a case missing: the `never` default no longer compiles. */
function forgetful(error: AnySealwireError): string {
  switch (error.code) {
    case 'ERR_MALFORMED':
      return 'malformed';
    default: {
      // @ts-expect-error the other codes reach here: `error` is not `never`
      const unreachable: never = error;
      return unreachable;
    }
  }
}

test('a switch on `code` narrows to the class, and its `never` default proves it exhaustive', () => {
  expectTypeOf<AnySealwireError['code']>().toEqualTypeOf<ErrorCode>();
  assert.equal(describe(new WampError('wamp.error.no_such_procedure')), 'wamp wamp.error.no_such_procedure');
  assert.equal(describe(new LimitExceededError('too big')), 'policy');
  // At run time, the code without a case falls through to the default that the compiler flagged.
  const unhandled = new LimitExceededError('too big');
  assert.equal(forgetful(unhandled) as unknown, unhandled);
});

test('isSealwireError narrows an unknown to the union; the refining subclasses fit in it', () => {
  const caught: unknown = new WampError('com.example.error');
  if (isSealwireError(caught)) {
    expectTypeOf(caught).toEqualTypeOf<AnySealwireError>();
    assert.equal(describe(caught), 'wamp com.example.error');
  } else assert.fail('a WampError is a Sealwire error');

  // age's classes refine a code (they add `part`) and switch like the class of their code.
  expectTypeOf<AgeFormatError>().toExtend<MalformedError>();
  expectTypeOf<AgeFormatError>().toExtend<AnySealwireError>();
  expectTypeOf<AgeDecryptionError>().toExtend<DecryptionError>();
  expectTypeOf<AgeDecryptionError>().toExtend<AnySealwireError>();
  assert.equal(describe(new AgeFormatError('header', 'bad')), 'malformed');
  assert.equal(describe(new AgeDecryptionError('payload', 'bad')), 'decryption');
});

test('ErrorClasses maps each code to the class its instances narrow to', () => {
  expectTypeOf(ErrorClasses.ERR_WAMP_ERROR).toEqualTypeOf<typeof WampError>();
  expectTypeOf<
    InstanceType<(typeof ErrorClasses)['ERR_LIMIT_EXCEEDED']>
  >().toEqualTypeOf<LimitExceededError>();
  assert.equal(ErrorClasses.ERR_LIMIT_EXCEEDED, LimitExceededError);
});
