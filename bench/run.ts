/**
 * `npm run bench`: every suite, printed as a table; `npm run -s bench -- --json` prints one JSON document on
 * stdout ({ machine, results }) with logs on stderr (without `-s`, npm prints its own banner on stdout first); `--only PATTERN` runs the comparisons whose name
 * contains PATTERN (case-insensitive; a suite is skipped when none of its names can match); `--quick`
 * uses fewer, shorter rounds.
 */
import type { Context, Result, Suite } from './harness.ts';
import { machine } from './harness.ts';
import { ageSuite } from './suites/age.ts';
import { fieldsSuite } from './suites/fields.ts';
import { joseSuite } from './suites/jose.ts';
import { tunnelSuite } from './suites/tunnel.ts';
import { wampSuite } from './suites/wamp.ts';

const SUITES: Suite[] = [joseSuite, ageSuite, fieldsSuite, wampSuite, tunnelSuite];

function parseArgs(argv: string[]) {
  const args = { json: false, only: undefined as string | undefined, quick: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--quick') args.quick = true;
    else if (arg === '--only') args.only = argv[++i];
    else if (arg?.startsWith('--only=')) args.only = arg.slice('--only='.length);
    else if (arg === '--help' || arg === '-h') args.help = true;
    else {
      process.stderr.write(`bench: unknown argument ${arg}\n`);
      process.exit(2);
    }
  }
  return args;
}

function formatRow(result: Result): string {
  const value = `${result.value.toLocaleString('en-US')} ${result.unit}`;
  const baseline = result.baseline
    ? `${result.baseline.value.toLocaleString('en-US')} (${result.baseline.name})`
    : '';
  const ratio = result.ratio === undefined ? '' : `${result.ratio.toFixed(2)}x`;
  const target =
    result.target === undefined
      ? ''
      : result.ratio !== undefined && result.ratio >= result.target
        ? `>= ${result.target} ok`
        : `>= ${result.target} MISSED`;
  return `${result.name.padEnd(52)} ${value.padStart(18)}  ${baseline.padEnd(40)} ${ratio.padStart(8)}  ${target}`;
}

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write(
    'usage: npm run [-s] bench [-- --json] [--only PATTERN] [--quick]   (-s: no npm banner before the JSON)\n',
  );
  process.exit(0);
}
const results: Result[] = [];
const only = args.only?.toLowerCase();
const ctx: Context = {
  rounds: args.quick ? 3 : 5,
  minTimeMs: args.quick ? 100 : 300,
  report(result) {
    results.push(result);
    if (!args.json) process.stdout.write(`${formatRow(result)}\n`);
  },
  log(message) {
    process.stderr.write(`${message}\n`);
  },
  wants(name) {
    if (only === undefined) return true;
    const lower = name.toLowerCase();
    return lower.includes(only) || only.includes(lower);
  },
};
if (!args.json) {
  process.stdout.write(
    `${'benchmark'.padEnd(52)} ${'sealwire'.padStart(18)}  ${'baseline'.padEnd(40)} ${'ratio'.padStart(8)}  target\n`,
  );
}
for (const suite of SUITES) await suite.run(ctx);
if (args.json) process.stdout.write(`${JSON.stringify({ machine: machine(), results }, null, 2)}\n`);
