/** `sealwire/relay`: the relay server (WAMP router today, more endpoints on the same server later). */
export {
  ConfigError,
  type ConfigSources,
  DEFAULT_CONFIG,
  hasOpenRealm,
  isLoopback,
  type LogLevel,
  loadConfig,
  parseConfigText,
  type RelayConfig,
  validateConfig,
} from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, type RelayMetrics } from './metrics.ts';
export { runRelay } from './run.ts';
export { createRelay, type RelayOptions, type RelayServer, type UpgradeHandler } from './server.ts';
