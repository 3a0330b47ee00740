/** Locating and loading the external test vectors kept in ../shared/vectors (never copied into the repo). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

export const VECTORS_DIR = process.env.SEALWIRE_VECTORS ?? join(root, '..', 'shared', 'vectors');

export function vectorPath(relative: string): string {
  const path = join(VECTORS_DIR, relative);
  // A missing vector file is a failure, not a skip: the suite must run against external data.
  if (!existsSync(path)) throw new Error(`test vectors not found at ${path} (set SEALWIRE_VECTORS)`);
  return path;
}

export function loadJson<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(vectorPath(relative), 'utf8')) as T;
}

export interface WycheproofTest {
  tcId: number;
  comment: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
  [field: string]: unknown;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
export const toHex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

/** Counts by outcome, printed so CI logs show what ran. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }
  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }
  print(label: string): void {
    const parts = [...this.counts.entries()].sort().map(([outcome, count]) => `${outcome}=${count}`);
    console.log(`# vectors ${label}: ${parts.join(' ')}`);
  }
}
