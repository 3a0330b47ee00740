/**
 * `npm run demo`: the Pixie pattern end to end. Three real processes on 127.0.0.1: a client, an untrusted
 * proxy and a data source. Shows, side by side, what the proxy saw and what the client read; then shows an
 * active proxy swapping the client's key, detected by the client (and refused up front by a data source that
 * knows the client's identity key).
 */
import { type PixieRun, runPixie } from './run.ts';

const WIDTH = 58;

function wrap(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) out.push('');
    for (let i = 0; i < line.length; i += WIDTH) out.push(line.slice(i, i + WIDTH));
  }
  return out;
}

function shorten(value: unknown): unknown {
  if (typeof value === 'string' && value.length > 90)
    return `${value.slice(0, 60)}...(${value.length} chars of JWE)`;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  return value;
}

function sideBySide(title: string, run: PixieRun): void {
  const left = wrap(run.proxyEvents.map((event) => JSON.stringify(shorten(event), null, 2)).join('\n'));
  const right = wrap(JSON.stringify(run.client, null, 2));
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 2 * WIDTH - title.length))}`);
  console.log(`${'WHAT THE PROXY SAW'.padEnd(WIDTH)} | WHAT THE CLIENT READ`);
  console.log(`${'-'.repeat(WIDTH)}-+-${'-'.repeat(WIDTH)}`);
  for (let i = 0; i < Math.max(left.length, right.length); i++)
    console.log(`${(left[i] ?? '').padEnd(WIDTH)} | ${right[i] ?? ''}`);
}

const canary = 'patient-4411 diagnosis: confidential';
const normal = await runPixie({ canary });
sideBySide('1. Normal query through the proxy', normal);
console.log(
  `\nThe canary "${canary}" appears in ${normal.proxyBytes.includes(canary) ? 'SOME' : 'none'} of the ${normal.proxyBytes.length} bytes the proxy handled.`,
);

const swapped = await runPixie({ canary, swapKey: true });
sideBySide('2. Active proxy swaps the client key (client unauthenticated)', swapped);
console.log(
  '\nThe proxy could read that one answer (it asked for it under its own key), but the client refused it:',
);
console.log('the data source signed a binding to the key it actually sealed for. See docs/threat-model.md.');

const refused = await runPixie({ canary, swapKey: true, authenticate: true });
sideBySide('3. Same attack, client signs its request with a registered identity key', refused);
console.log(
  '\nWith client authentication the data source refuses the swapped key before any data leaves it.',
);
