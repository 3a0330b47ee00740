/** The relay's structured logs (pino, JSON lines on stdout). Secrets (tickets, keys, signatures) are never logged. */
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config/log-level.ts';

export type { Logger };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { name: 'sealwire-relay', level, base: { pid: process.pid } };
  return destination === undefined
    ? pino(options)
    : pino(options, destination as unknown as pino.DestinationStream);
}
