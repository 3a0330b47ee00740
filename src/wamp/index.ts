/**
 * `sealwire/wamp`: a WAMP v2 client for Node and browsers with end-to-end encrypted payloads, the
 * protocol layer (messages, serializers) and the payload codecs. The router lives in `sealwire/wamp/router`.
 */
export {
  type ClientAuth,
  cryptosignPublicKey,
} from './client/auth.ts';
export { CLEAR_NOT_ALLOWED_URI } from './client/clear-policy.ts';
export { connect, WampClient } from './client/client.ts';
export { Registration, Subscription } from './client/requests.ts';
export {
  type CallOptions,
  type CallResponse,
  CallResult,
  type ConnectOptions,
  type EventHandler,
  type EventInfo,
  type InvocationInfo,
  type ProcedureHandler,
  type PublishOptions,
  type ReconnectOptions,
  type RegisterOptions,
  type SessionInfo,
  type SubscribeOptions,
} from './client/types.ts';
export type { WebSocketConstructor, WebSocketLike } from './client/websocket.ts';
export {
  CryptoboxKey,
  CryptoboxKeyring,
  type CryptoboxKeySpec,
  type KeyMaterial,
} from './codecs/cryptobox.ts';
export {
  createJoseCodec,
  JOSE_PPT_SCHEME,
  type JoseCodecOptions,
  type JoseFunctions,
  type JoseKeySet,
} from './codecs/jose.ts';
export {
  type DecodedPayload,
  type DecodeRequest,
  type EncodedPayload,
  type EncodeRequest,
  isEncodedPayload,
  type PayloadCodec,
} from './codecs/payload-codec.ts';
export {
  ClearNotAllowedError,
  ProtocolViolationError,
  SessionClosedError,
  TimeoutError,
  WampError,
} from './errors.ts';
export { MessageType, WampErrors } from './protocol/codes.ts';
export { type Dict, validateMessage, type WampMessage } from './protocol/messages.ts';
export {
  type Frame,
  SERIALIZERS,
  type Serializer,
  type SerializerId,
  serializerById,
} from './protocol/serializer.ts';
export { isValidUri, type MatchPolicy } from './protocol/uri.ts';
