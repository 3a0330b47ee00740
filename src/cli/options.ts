/**
 * Option parsers for commander: every number, duration, boolean and enum a command takes is checked when
 * the command line is read, so `--timeout abc` is a usage error (exit 2) naming the flag, never a NaN that
 * surfaces later. Use them as the third argument of `.option()` (commander calls `parse(value, previous)`).
 */
import { InvalidArgumentError } from 'commander';

/** A whole number in [min, max]; `flag` is only used in the message. */
export function integerOption(flag: string, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `250ms`, `90s`, `30m`, `1h`, `7d`; a bare number is in `bareUnit` (milliseconds by
 * default, seconds for flags documented in seconds). Returns milliseconds.
 */
export function parseDurationMs(text: string, bareUnit: 'ms' | 's' = 'ms'): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? bareUnit) as keyof typeof DURATION_UNITS_MS;
  const value = Number(match[1]) * DURATION_UNITS_MS[unit];
  return Number.isSafeInteger(Math.round(value)) && value > 0 ? Math.round(value) : undefined;
}

/** A commander parser for a duration flag; the value is milliseconds. */
export function durationOption(flag: string, bareUnit: 'ms' | 's' = 'ms', maxMs = 365 * 86_400_000) {
  return (text: string): number => {
    const ms = parseDurationMs(text, bareUnit);
    if (ms === undefined || ms > maxMs) {
      throw new InvalidArgumentError(
        `${flag} must be a positive duration such as 500ms, 30s, 5m, 1h or 7d (a bare number is ${bareUnit === 'ms' ? 'milliseconds' : 'seconds'})`,
      );
    }
    return ms;
  };
}

/**
 * One of a fixed set of words (with `ignoreCase`, in any case; the canonical spelling is returned). The
 * parser carries its `choices`, so that shell completion can offer them.
 */
export function choiceOption<T extends string>(
  flag: string,
  choices: readonly T[],
  options: { ignoreCase?: boolean } = {},
): ((text: string) => T) & { readonly choices: readonly T[] } {
  const parse = (text: string): T => {
    const found = choices.find((choice) =>
      options.ignoreCase ? choice.toLowerCase() === text.toLowerCase() : choice === text,
    );
    if (found === undefined) throw new InvalidArgumentError(`${flag} must be one of: ${choices.join(', ')}`);
    return found;
  };
  return Object.assign(parse, { choices });
}

/** `true` or `false` (also `yes`/`no`, `1`/`0`). */
export function booleanOption(flag: string) {
  return (text: string): boolean => {
    const lower = text.trim().toLowerCase();
    if (['true', 'yes', '1'].includes(lower)) return true;
    if (['false', 'no', '0'].includes(lower)) return false;
    throw new InvalidArgumentError(`${flag} must be true or false`);
  };
}

/** Collects a repeatable option into an array. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
