/**
 * Progress of long streaming work (age encrypt/decrypt), on stderr, counted as bytes pass through:
 * - stderr is a terminal: a bar redrawn in place, with the rate and, when the input size is known, the
 *   percentage and an ETA; drawn only after a second, so that quick runs show nothing;
 * - stderr is not a terminal (a log, CI): when the input size is known, one line every few seconds (5 s, or
 *   SEALWIRE_PROGRESS_INTERVAL such as `30s`), so that a long job shows it is alive; nothing when the size
 *   is unknown (a line of growing byte counts helps nobody reading a log);
 * - never under `--quiet` or `--no-progress`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parseDurationMs } from './options.ts';
import { onForcedExit } from './signals.ts';
import { isQuiet } from './terminal.ts';

export const PROGRESS_INTERVAL_ENV = 'SEALWIRE_PROGRESS_INTERVAL';
const DEFAULT_LOG_INTERVAL_MS = 5000;
const TTY_DELAY_MS = 1000;
const TTY_REDRAW_MS = 200;
const MiB = 1024 * 1024;

function formatBytes(bytes: number): string {
  if (bytes >= 10 * MiB) return `${(bytes / MiB).toFixed(0)} MiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Counts bytes and reports them; pass it through unchanged. */
class Progress extends Transform {
  private done = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly removeHook: () => void;

  constructor(
    private readonly total: number | undefined,
    private readonly label: string,
    private readonly tty: boolean,
    logIntervalMs: number,
  ) {
    super();
    // A killed process must not leave half a bar on the user's prompt line.
    this.removeHook = onForcedExit(() => this.clear());
    if (!tty) {
      this.timer = setInterval(() => this.logLine(), logIntervalMs);
      // Progress never keeps the process alive.
      this.timer.unref();
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.done += chunk.length;
    if (this.tty) {
      const now = performance.now();
      if (now - this.started > TTY_DELAY_MS && now - this.lastDraw > TTY_REDRAW_MS) {
        this.lastDraw = now;
        this.drawBar(now);
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop();
    callback(error);
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.removeHook();
    this.clear();
  }

  private clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Rate in bytes per second, and the seconds left when the total is known. */
  private measure(now: number): { rate: number; eta: number | undefined } {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = this.total === undefined ? undefined : Math.max(0, this.total - this.done);
    return { rate, eta: left === undefined || rate <= 0 ? undefined : left / rate };
  }

  private drawBar(now: number): void {
    const { rate, eta } = this.measure(now);
    const speed = `${formatBytes(rate)}/s`;
    let line: string;
    if (this.total !== undefined && this.total > 0) {
      const fraction = Math.min(1, this.done / this.total);
      const width = 30;
      const filled = Math.round(fraction * width);
      line = `${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(this.done)}/${formatBytes(this.total)} ${speed} ETA ${formatSeconds(eta ?? Number.NaN)}`;
    } else {
      line = `${this.label} ${formatBytes(this.done)} ${speed}`;
    }
    process.stderr.write(`\r\x1b[K${line}`);
    this.drawn = true;
  }

  private logLine(): void {
    if (this.total === undefined || this.total <= 0) return;
    const { rate, eta } = this.measure(performance.now());
    const percent = Math.min(100, (this.done / this.total) * 100).toFixed(0);
    process.stderr.write(
      `sealwire: ${this.label} ${percent}% (${formatBytes(this.done)} of ${formatBytes(this.total)}, ${formatBytes(rate)}/s, ETA ${formatSeconds(eta ?? Number.NaN)})\n`,
    );
  }
}

/**
 * A pass-through stage reporting progress, or undefined when none is wanted: `enabled` false
 * (`--no-progress`), `--quiet`, or stderr not a terminal and the size unknown.
 */
export function progressStage(
  total: number | undefined,
  label: string,
  enabled: boolean,
): Transform | undefined {
  if (!enabled || isQuiet()) return undefined;
  const tty = process.stderr.isTTY === true;
  if (!tty && (total === undefined || total <= 0)) return undefined;
  const configured = process.env[PROGRESS_INTERVAL_ENV];
  const interval =
    configured === undefined || configured === ''
      ? DEFAULT_LOG_INTERVAL_MS
      : (parseDurationMs(configured) ?? DEFAULT_LOG_INTERVAL_MS);
  return new Progress(total, label, tty, interval);
}
