/**
 * What the CLI prints besides its results: notices on stderr (silenced by `--quiet`), colour only on a
 * terminal and never with `NO_COLOR`, and the one-line explanations of common connection failures.
 * Results go to stdout; everything here goes to stderr, so pipes carry only results.
 */

let quiet = false;

/** Set once by `main` from the global `--quiet` flag. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

export function isQuiet(): boolean {
  return quiet;
}

/** A progress or status line for a human (stderr); nothing under `--quiet`. Warnings use `warn`. */
export function notice(line: string): void {
  if (!quiet) process.stderr.write(`${line}\n`);
}

/** A warning the user should see even under `--quiet` (stderr). */
export function warn(line: string): void {
  process.stderr.write(`${paint('sealwire:', 'yellow')} ${line}\n`);
}

/** Colour is used only on a terminal, never when NO_COLOR is set (https://no-color.org), nor on TERM=dumb. */
export function useColor(stream: NodeJS.WriteStream = process.stderr): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '') && process.env.TERM !== 'dumb';
}

const COLORS = { red: 31, yellow: 33, green: 32, dim: 2 } as const;

/** `text` in a colour when `stream` takes colour (see `useColor`), else unchanged. */
export function paint(
  text: string,
  color: keyof typeof COLORS,
  stream: NodeJS.WriteStream = process.stderr,
): string {
  if (!useColor(stream)) return text;
  const reset = color === 'dim' ? 22 : 39;
  return `\x1b[${COLORS[color]}m${text}\x1b[${reset}m`;
}

/**
 * A sentence for a failed connection to `url`, or undefined when the error is not a connection failure.
 * Lets commands say "connection refused: is the relay running at URL?" instead of a bare errno.
 */
export function explainConnectionError(url: string, error: unknown): string | undefined {
  const code = findErrno(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: is the relay running at ${url}?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${url}: check the URL`;
    case 'ETIMEDOUT':
      return `connection to ${url} timed out: is the host reachable?`;
    case 'ECONNRESET':
      return `the connection to ${url} was reset: is it a Sealwire relay?`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${url} is unreachable from this machine`;
    default:
      return undefined;
  }
}

/** The errno code of an error or of any error in its `cause` chain (ws and fetch wrap them). */
export function findErrno(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code) && !code.startsWith('ERR_')) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
