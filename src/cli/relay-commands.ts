/** `sealwire relay`: run the relay server (WAMP router at ws://HOST:PORT/ws, /healthz, /metrics). */
import type { Command } from 'commander';

// Loaded on first use, so that --help and the other commands do not pay for every capability plus
// pino, prom-client and ws.
const loadRelay = () => import('../relay/index.ts');

interface RelayCliOptions {
  host?: string;
  port?: string;
  config?: string;
  logLevel?: string;
}

export function registerRelayCommands(program: Command): void {
  program
    .command('relay')
    .description('run the relay server: a WAMP router that routes encrypted payloads it cannot read')
    .option('--host <host>', 'address to bind (default 127.0.0.1; env SEALWIRE_RELAY_HOST)')
    .option('--port <port>', 'port to listen on (default 8080; env SEALWIRE_RELAY_PORT)')
    .option('--config <file>', 'YAML or JSON configuration (env SEALWIRE_RELAY_CONFIG)')
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (env SEALWIRE_RELAY_LOG_LEVEL)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Without --config: realm "realm1", anonymous sessions, full permissions (for localhost development).',
        'Endpoints: ws://HOST:PORT/ws (WAMP: wamp.2.json, wamp.2.msgpack, wamp.2.cbor), GET /healthz, GET /metrics.',
        'SIGTERM: GOODBYE to every session, drain, exit.',
        '',
        'Examples:',
        '  sealwire relay',
        '  sealwire relay --port 9000 --config relay.yaml',
        '  SEALWIRE_RELAY_HOST=0.0.0.0 sealwire relay --config production.yaml',
      ].join('\n'),
    )
    .action(async (options: RelayCliOptions) => {
      const flags: { host?: string; port?: string; logLevel?: string } = {};
      if (options.host !== undefined) flags.host = options.host;
      if (options.port !== undefined) flags.port = options.port;
      if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
      const { runRelay } = await loadRelay();
      await runRelay({
        ...(options.config === undefined ? {} : { file: options.config }),
        env: process.env,
        flags,
      });
    });
}
