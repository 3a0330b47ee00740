/**
 * `sealwire/tunnel`: TLS sessions tunneled through a relay (RADKit's design). Services register with the relay
 * and serve RPCs over HTTP/2 inside TLS; clients pin the service certificate's fingerprint; the relay only
 * carries TLS records. Node only (TLS and HTTP/2 servers).
 */
export {
  connectTunnel,
  type E2eeInfo,
  type TunnelCallOptions,
  type TunnelCallResult,
  TunnelClient,
  type TunnelConnectOptions,
} from './client/tunnel-client.ts';
export { certificateFingerprint, normalizeFingerprint } from './fingerprint.ts';
export {
  REFUSAL_REASONS,
  type RefusalReason,
  TunnelForwarder,
  type TunnelForwarderOptions,
  type TunnelStats,
} from './forwarder/tunnel-forwarder.ts';
export { SERVICE_ID_PATTERN, TUNNEL_PATHS } from './protocol.ts';
export {
  adminPasswordProblem,
  assertAdminPasswordStrength,
  chooseAdminPassword,
  MIN_ADMIN_PASSWORD_LENGTH,
} from './service/admin-password.ts';
export { type ConnectorOptions, type RetryEvent, ServiceConnector } from './service/connector.ts';
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
export { type ServiceStatus, serviceStatus } from './service/status.ts';
export { issueAccessToken, sessionProof, type TokenClaims, verifySessionProof } from './token.ts';
