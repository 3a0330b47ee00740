/** Runs the relay until SIGTERM/SIGINT, then shuts down gracefully (GOODBYE, drain, exit). */
import { type ConfigSources, loadConfig } from './config.ts';
import { createRelay, type RelayServer } from './server.ts';

export async function runRelay(sources: ConfigSources): Promise<RelayServer> {
  const config = await loadConfig(sources);
  const relay = createRelay(config);
  await relay.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    relay.logger.info({ signal }, 'signal received');
    // A second signal, or a stuck drain, must still end the process.
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5000);
    force.unref();
    // Logs are flushed before exiting so the last lines (the shutdown) are never lost.
    const exit = (code: number) => relay.logger.flush(() => process.exit(code));
    relay
      .stop()
      .then(() => exit(0))
      .catch((error) => {
        relay.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return relay;
}
