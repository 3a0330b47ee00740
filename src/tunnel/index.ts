/**
 * `sealwire/tunnel`: TLS sessions tunneled through a relay (RADKit's design). Services register with the relay
 * and serve RPCs over HTTP/2 inside TLS; clients pin the service certificate's fingerprint; the relay only
 * carries TLS records. Node only (TLS and HTTP/2 servers).
 */
export {
  type CallOptions,
  type CallResult,
  type ConnectOptions,
  connect,
  type E2eeInfo,
  TunnelClient,
} from './client/tunnel-client.ts';
export { certificateFingerprint, normalizeFingerprint } from './fingerprint.ts';
export { TUNNEL_PATHS } from './protocol.ts';
export { TunnelRelay, type TunnelRelayOptions, type TunnelStats } from './relay/tunnel-relay.ts';
export { ServiceConnector } from './service/connector.ts';
export {
  initServiceDir,
  isServiceDir,
  openServiceDir,
  readFingerprint,
  readIdentity,
  readSettings,
  renewCertificate,
  type ServiceSettings,
  updateSettings,
} from './service/data-dir.ts';
export { type RpcContext, type RpcHandler, RpcServer } from './service/rpc-server.ts';
export {
  type RunningService,
  rpcServerFor,
  type StartServiceOptions,
  startService,
} from './service/start-service.ts';
export { issueAccessToken, sessionProof, type TokenClaims, verifySessionProof } from './token.ts';
