/** `sealwire relay`: run the relay server (WAMP router at ws://HOST:PORT/ws, /healthz, /metrics), or `--check` its configuration. */
import { type Command, InvalidArgumentError } from 'commander';
import { LOG_LEVELS } from '../relay/config/log-level.ts';
import { hostProblem, isValidHost } from '../relay/host.ts';
import { writeOutput } from './io.ts';
import { choiceOption, integerOption } from './options.ts';
import { warn } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for every capability plus
// pino, prom-client and ws.
const loadRelay = () => import('../relay/index.ts');
const loadConfigModule = () => import('../relay/config.ts');

interface RelayCliOptions {
  host?: string;
  port?: number;
  config?: string;
  logLevel?: string;
  check?: boolean;
  json?: boolean;
}

export function registerRelayCommands(program: Command): void {
  program
    .command('relay')
    .description('run the relay server: a WAMP router that routes encrypted payloads it cannot read')
    .option('--host <host>', 'address to bind (default 127.0.0.1; env SEALWIRE_RELAY_HOST)', checkHost)
    .option(
      '--port <port>',
      'port to listen on, 0 for any free one (default 8080; env SEALWIRE_RELAY_PORT)',
      integerOption('--port', 0, 65535),
    )
    .option('--config <file>', 'YAML or JSON configuration (env SEALWIRE_RELAY_CONFIG)')
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (env SEALWIRE_RELAY_LOG_LEVEL)',
      choiceOption('--log-level', LOG_LEVELS),
    )
    .option('--check', 'validate the configuration (file, environment, flags) and exit, without starting')
    .option('--json', 'with --check: print a JSON summary {ok, host, port, wamp, tunnel, warnings}')
    .addHelpText(
      'after',
      [
        '',
        'Without --config: realm "realm1", anonymous sessions, full permissions (for localhost development).',
        'Endpoints: ws://HOST:PORT/ws (WAMP: wamp.2.json, wamp.2.msgpack, wamp.2.cbor), GET /healthz, GET /metrics.',
        'SIGTERM or Ctrl-C: GOODBYE to every session, drain, exit (0 after SIGTERM, 130 after Ctrl-C).',
        'Exit 2: the configuration is invalid, or the port is in use or needs privileges.',
        '',
        'Examples:',
        '  sealwire relay',
        '  sealwire relay --port 9000 --config relay.yaml',
        '  sealwire relay --check --config production.yaml',
        '  SEALWIRE_RELAY_HOST=0.0.0.0 sealwire relay --config production.yaml',
      ].join('\n'),
    )
    .action(async (options: RelayCliOptions) => {
      const flags: { host?: string; port?: number; logLevel?: string } = {};
      if (options.host !== undefined) flags.host = options.host;
      if (options.port !== undefined) flags.port = options.port;
      if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
      const sources = {
        ...(options.config === undefined ? {} : { file: options.config }),
        env: process.env,
        flags,
      };
      if (options.check) {
        const { configSummary, configWarnings, loadConfig } = await loadConfigModule();
        // Invalid: a ConfigError, one line and exit 2 (main).
        const config = await loadConfig(sources);
        if (options.json) {
          await writeOutput(
            undefined,
            `${JSON.stringify({ ok: true, ...configSummary(config) }, null, 2)}\n`,
          );
          return;
        }
        for (const warning of configWarnings(config)) warn(`warning: ${warning}`);
        await writeOutput(undefined, 'configuration OK\n');
        return;
      }
      const { runRelay } = await loadRelay();
      await runRelay(sources);
    });
}

/** --host: the same rule as the configuration's `host`. */
function checkHost(text: string): string {
  if (!isValidHost(text)) throw new InvalidArgumentError(hostProblem('--host'));
  return text;
}
