/**
 * Runs the relay until SIGTERM/SIGINT, then shuts down gracefully (GOODBYE, drain, exit).
 *
 * Exit status, as for every long-running `sealwire` command: 0 after a graceful stop on SIGTERM (what
 * supervisors expect of a clean shutdown), 130 after a graceful stop on Ctrl-C (SIGINT, so a shell script
 * running the relay stops too), 1 when the shutdown failed or the drain got stuck, 128 + the signal number
 * when a second signal cut the drain short.
 */
import { type ConfigSources, loadConfig } from './config.ts';
import { createRelay, type RelayServer } from './server.ts';

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * A repeat of the first signal this soon is the same request, not a second one: Ctrl-C under `npm start`
 * reaches the relay twice, from the terminal (to the whole foreground group) and from npm, which forwards
 * SIGINT and SIGTERM to its script.
 */
const REPEAT_WINDOW_MS = 500;

export async function runRelay(sources: ConfigSources): Promise<RelayServer> {
  const config = await loadConfig(sources);
  const relay = createRelay(config);
  await relay.start();
  let first: { signal: StopSignal; at: number } | undefined;
  // Logs are flushed before exiting so the last lines (the shutdown) are never lost.
  const exit = (code: number) => relay.logger.flush(() => process.exit(code));
  const onSignal = (signal: StopSignal) => {
    if (first !== undefined) {
      if (signal === first.signal && Date.now() - first.at < REPEAT_WINDOW_MS) return;
      relay.logger.warn({ signal }, 'second signal: exiting without waiting for the drain');
      exit(128 + SIGNAL_NUMBERS[signal]);
      return;
    }
    first = { signal, at: Date.now() };
    relay.logger.info({ signal }, 'signal received');
    // A stuck drain must still end the process.
    const force = setTimeout(() => exit(1), config.shutdownTimeoutMs + 5000);
    force.unref();
    relay
      .stop()
      .then(() => exit(signal === 'SIGINT' ? 128 + SIGNAL_NUMBERS.SIGINT : 0))
      .catch((error: unknown) => {
        relay.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  for (const signal of Object.keys(SIGNAL_NUMBERS) as StopSignal[])
    process.on(signal, () => onSignal(signal));
  return relay;
}
