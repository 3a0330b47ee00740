/** WAMP v2 message type codes and the error / close URIs the router and client use. */

export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;

export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

export const MESSAGE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(MessageType).map(([name, code]) => [code, name]),
);

/** Error and close reasons from the WAMP spec (basic + advanced profile). */
export const WampErrors = {
  INVALID_URI: 'wamp.error.invalid_uri',
  NO_SUCH_PROCEDURE: 'wamp.error.no_such_procedure',
  PROCEDURE_ALREADY_EXISTS: 'wamp.error.procedure_already_exists',
  NO_SUCH_REGISTRATION: 'wamp.error.no_such_registration',
  NO_SUCH_SUBSCRIPTION: 'wamp.error.no_such_subscription',
  INVALID_ARGUMENT: 'wamp.error.invalid_argument',
  NOT_AUTHORIZED: 'wamp.error.not_authorized',
  AUTHORIZATION_FAILED: 'wamp.error.authorization_failed',
  AUTHENTICATION_FAILED: 'wamp.error.authentication_failed',
  NO_AUTH_METHOD: 'wamp.error.no_auth_method',
  NO_SUCH_REALM: 'wamp.error.no_such_realm',
  NO_SUCH_ROLE: 'wamp.error.no_such_role',
  NO_SUCH_PRINCIPAL: 'wamp.error.no_such_principal',
  PROTOCOL_VIOLATION: 'wamp.error.protocol_violation',
  CANCELED: 'wamp.error.canceled',
  TIMEOUT: 'wamp.error.timeout',
  OPTION_NOT_ALLOWED: 'wamp.error.option_not_allowed',
  FEATURE_NOT_SUPPORTED: 'wamp.error.feature_not_supported',
  PAYLOAD_SIZE_EXCEEDED: 'wamp.error.payload_size_exceeded',
  LIMIT_EXCEEDED: 'wamp.error.limit_exceeded',
  UNAVAILABLE: 'wamp.error.unavailable',
  NO_AVAILABLE_CALLEE: 'wamp.error.no_available_callee',
  CALLEE_LOST: 'wamp.error.callee_lost',
  NO_PAYLOAD_CODEC: 'wamp.error.no_payload_codec',
  DECRYPT_ERROR: 'wamp.error.encryption.decrypt_error',
  TRUSTED_URI_MISMATCH: 'wamp.error.encryption.trusted_uri_mismatch',
  SYSTEM_SHUTDOWN: 'wamp.close.system_shutdown',
  CLOSE_REALM: 'wamp.close.close_realm',
  GOODBYE_AND_OUT: 'wamp.close.goodbye_and_out',
  NORMAL: 'wamp.close.normal',
  SLOW_CONSUMER: 'wamp.close.slow_consumer',
} as const;
