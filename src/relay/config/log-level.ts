/**
 * The relay's log levels: pino's six, most severe first, and `silent`. Kept apart from logger.ts and the
 * configuration schema so that the CLI can offer them to `--log-level` (and to shell completion) without
 * loading pino or the schema; the `satisfies` clause keeps the list to levels pino knows.
 */
import type { pino } from 'pino';

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly pino.LevelWithSilent[];

export type LogLevel = (typeof LOG_LEVELS)[number];
