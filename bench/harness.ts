/**
 * The benchmark harness every capability extends. A comparison runs the baseline and Sealwire in the same
 * process, alternating in rounds so that noise from this shared machine hits both alike, and reports the
 * median of each and their ratio (Sealwire / baseline, higher is better).
 */
import { cpus, totalmem } from 'node:os';

/** `MiB` is for memory results (lower is better; reported without a ratio). */
export type Unit = 'ops/s' | 'MB/s' | 'MiB';

export interface Result {
  name: string;
  value: number;
  unit: Unit;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** Target ratio from the issue, when there is one. */
  target?: number;
}

export interface Context {
  /** Rounds per comparison (median taken); default 5, `--quick` uses 3. */
  rounds: number;
  /** Minimum time per round and side, in ms. */
  minTimeMs: number;
  /** Record a result (printed as it comes, collected for --json). */
  report(result: Result): void;
  /** Logs go to stderr so that --json output stays clean. */
  log(message: string): void;
  /** Whether `--only` selects any comparison whose name contains `prefix`; suites skip set-up otherwise. */
  wants(prefix: string): boolean;
}

export interface Suite {
  name: string;
  run(ctx: Context): Promise<void>;
}

export interface Side {
  name: string;
  /** One operation. */
  fn: () => Promise<unknown> | unknown;
}

export interface CompareSpec {
  name: string;
  unit: Unit;
  /** For MB/s: bytes processed per operation. */
  bytesPerOp?: number;
  /** For ops/s when one call of `fn` performs several operations (a batch in flight). */
  opsPerCall?: number;
  baseline: Side;
  sealwire: Side;
  target?: number;
  /** Cap on operations per round (for very slow operations such as RSA-4096 key generation). */
  maxOpsPerRound?: number;
}

async function timeRound(fn: Side['fn'], minTimeMs: number, maxOps: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fn();
    ops++;
    elapsed = performance.now() - start;
  } while (elapsed < minTimeMs && ops < maxOps);
  return elapsed / ops;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function rate(msPerOp: number, spec: CompareSpec): number {
  const opsPerSecond = (1000 / msPerOp) * (spec.opsPerCall ?? 1);
  return spec.unit === 'MB/s' ? (opsPerSecond * (spec.bytesPerOp ?? 0)) / 1e6 : opsPerSecond;
}

/** Runs both sides in alternating rounds (warm-up first) and reports the medians and the ratio. */
export async function compare(ctx: Context, spec: CompareSpec): Promise<Result | undefined> {
  if (!ctx.wants(spec.name)) return undefined;
  const maxOps = spec.maxOpsPerRound ?? Number.POSITIVE_INFINITY;
  await spec.baseline.fn();
  await spec.sealwire.fn();
  const base: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    // Alternate which side goes first: whichever runs second may inherit the other's garbage.
    if (round % 2 === 0) {
      base.push(await timeRound(spec.baseline.fn, ctx.minTimeMs, maxOps));
      ours.push(await timeRound(spec.sealwire.fn, ctx.minTimeMs, maxOps));
    } else {
      ours.push(await timeRound(spec.sealwire.fn, ctx.minTimeMs, maxOps));
      base.push(await timeRound(spec.baseline.fn, ctx.minTimeMs, maxOps));
    }
  }
  const value = rate(median(ours), spec);
  const baselineValue = rate(median(base), spec);
  const result: Result = {
    name: spec.name,
    value: round3(value),
    unit: spec.unit,
    baseline: { name: spec.baseline.name, value: round3(baselineValue) },
    ratio: round3(value / baselineValue),
  };
  if (spec.target !== undefined) result.target = spec.target;
  ctx.report(result);
  return result;
}

function round3(value: number): number {
  return Number(value.toPrecision(4));
}

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    openssl: process.versions.openssl,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}
