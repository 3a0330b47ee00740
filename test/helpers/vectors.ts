/**
 * Locating and loading the external test vectors (never copied into the repo). Every test finds them here:
 * SEALWIRE_VECTORS names the directory; by default it is ../shared/vectors next to the checkout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

export const VECTORS_DIR = resolve(process.env.SEALWIRE_VECTORS || join(root, '..', 'shared', 'vectors'));

/** What to do when they are missing: where they come from and how to point the suite at them. */
export const VECTORS_HOWTO =
  'set SEALWIRE_VECTORS=/path/to/vectors, a directory holding wycheproof/ (C2SP/wycheproof @ dac1dd47, ' +
  'testvectors_v1/) and jose-cookbook/ (ietf-jose/cookbook @ 13692b68, RFC 7520); by default the suite ' +
  'reads ../shared/vectors next to the checkout';

export function vectorPath(relative: string): string {
  const path = join(VECTORS_DIR, relative);
  // A missing vector file is a failure, not a skip: the suite must run against external data.
  if (!existsSync(path)) throw new Error(`test vectors not found at ${path}: ${VECTORS_HOWTO}`);
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
