/**
 * The prefix and wildcard indexes against brute-force reference matchers: the linear scans over a Map
 * that the broker and the dealer used before (same matches, same order, same best match), on seeded
 * random patterns and URIs, plus the edge cases by name; removal leaves no node behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wildcardMatches } from '../../src/wamp/protocol/uri.ts';
import { PrefixIndex, WildcardIndex } from '../../src/wamp/router/uri-index.ts';

/** mulberry32: a small seeded PRNG, so every run draws the same cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Few, overlapping components (prefixes of one another at the character level), so that patterns
// collide, share edges and nest often.
const COMPONENTS = ['a', 'b', 'ab', 'ba', 'aa', 'abc', 'com', 'co'];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function randomUri(next: () => number, emptyChance: number): string {
  const count = 1 + Math.floor(next() * 5);
  return Array.from({ length: count }, () => (next() < emptyChance ? '' : pick(next, COMPONENTS))).join('.');
}

/** A URI the pattern matches (its empty components filled in), or one near it. */
function nearUri(next: () => number, wildcard: string): string {
  const parts = wildcard.split('.').map((part) => (part === '' ? pick(next, COMPONENTS) : part));
  const roll = next();
  if (roll < 0.15) parts.push(pick(next, COMPONENTS));
  else if (roll < 0.3) parts.pop();
  else if (roll < 0.4) parts[Math.floor(next() * parts.length)] = pick(next, COMPONENTS);
  return parts.join('.');
}

/** The old broker/dealer scans, over a Map in insertion order. */
const reference = {
  prefix(table: Map<string, number>, uri: string): { matches: number[]; longest: number | undefined } {
    const matches: number[] = [];
    let longest: string | undefined;
    for (const [pattern, value] of table) {
      if (!uri.startsWith(pattern)) continue;
      matches.push(value);
      if (longest === undefined || pattern.length > longest.length) longest = pattern;
    }
    return { matches, longest: longest === undefined ? undefined : table.get(longest) };
  },
  /** The table holds each pattern's components, as the old Subscription and Registration did. */
  wildcard(table: Map<string, { value: number; components: string[] }>, uri: string) {
    const matches: number[] = [];
    let best: number | undefined;
    let bestScore = -1;
    for (const { value, components } of table.values()) {
      if (!wildcardMatches(components, uri)) continue;
      matches.push(value);
      const score = components.filter((part) => part !== '').length;
      if (score > bestScore) {
        best = value;
        bestScore = score;
      }
    }
    return { matches, best };
  },
};

test('prefix index equals the linear scan on 3,000 random operations and 45,000 lookups', () => {
  const next = random(0x5ea1);
  const index = new PrefixIndex<number>();
  const table = new Map<string, number>();
  const patterns: string[] = [];
  let several = 0;
  for (let step = 0; step < 3000; step++) {
    const roll = next();
    if (roll < 0.55 || table.size === 0) {
      // Any character cut of a URI: partial components, trailing dots, whole URIs.
      const uri = randomUri(next, 0);
      const pattern = uri.slice(0, 1 + Math.floor(next() * uri.length));
      index.set(pattern, step);
      table.set(pattern, step);
      patterns.push(pattern);
    } else if (roll < 0.9) {
      const pattern = pick(next, patterns);
      assert.equal(index.delete(pattern), table.delete(pattern), `delete ${pattern}`);
    } else {
      // Absent patterns: strict prefixes and extensions of present ones, inside and past edges.
      const base = pick(next, patterns);
      const absent = next() < 0.5 ? base.slice(0, Math.max(1, base.length - 1)) : `${base}x`;
      assert.equal(index.get(absent), table.get(absent), `get ${absent}`);
      assert.equal(index.delete(absent), table.delete(absent), `delete ${absent}`);
    }
    assert.equal(index.size, table.size);
    for (let probe = 0; probe < 15; probe++) {
      const uri = probe % 3 === 0 ? `${pick(next, patterns)}${randomUri(next, 0.1)}` : randomUri(next, 0.1);
      const expected = reference.prefix(table, uri);
      assert.deepEqual(index.match(uri), expected.matches, `match ${uri}`);
      assert.equal(index.longest(uri), expected.longest, `longest ${uri}`);
      if (expected.matches.length > 1) several++;
    }
  }
  assert.ok(several > 10_000, `${several} lookups with several matches`);
  for (const [pattern, value] of table) assert.equal(index.get(pattern), value);
  for (const pattern of [...table.keys()].sort(() => next() - 0.5)) assert.ok(index.delete(pattern));
  assert.deepEqual(index.stats, { patterns: 0, nodes: 0, visits: index.stats.visits });
  assert.deepEqual(index.match('a.b.c'), []);
});

test('wildcard index equals the linear scan on 3,000 random operations and 45,000 lookups', () => {
  const next = random(0xc0ffee);
  const index = new WildcardIndex<number>();
  const table = new Map<string, { value: number; components: string[] }>();
  const patterns: string[] = [];
  let several = 0;
  for (let step = 0; step < 3000; step++) {
    const roll = next();
    if (roll < 0.55 || table.size === 0) {
      const pattern = randomUri(next, 0.35);
      index.set(pattern, step);
      table.set(pattern, { value: step, components: pattern.split('.') });
      patterns.push(pattern);
    } else if (roll < 0.9) {
      const pattern = pick(next, patterns);
      assert.equal(index.delete(pattern), table.delete(pattern), `delete ${pattern}`);
    } else {
      const absent = `${pick(next, patterns)}.${pick(next, ['', 'a'])}`;
      assert.equal(index.get(absent), table.get(absent)?.value, `get ${absent}`);
      assert.equal(index.delete(absent), table.delete(absent), `delete ${absent}`);
    }
    assert.equal(index.size, table.size);
    for (let probe = 0; probe < 15; probe++) {
      // Mostly URIs near a stored pattern; some with empty components, which only '' components match.
      const uri = probe % 3 === 0 ? randomUri(next, 0.15) : nearUri(next, pick(next, patterns));
      const expected = reference.wildcard(table, uri);
      assert.deepEqual(index.match(uri), expected.matches, `match ${uri}`);
      assert.equal(index.best(uri), expected.best, `best ${uri}`);
      if (expected.matches.length > 1) several++;
    }
  }
  assert.ok(several > 10_000, `${several} lookups with several matches`);
  for (const [pattern, { value }] of table) assert.equal(index.get(pattern), value);
  for (const pattern of [...table.keys()].sort(() => next() - 0.5)) assert.ok(index.delete(pattern));
  assert.deepEqual(index.stats, { patterns: 0, nodes: 0, visits: index.stats.visits });
  assert.deepEqual(index.match('a.b.c'), []);
});

test('prefix: a plain string prefix, not a component prefix', () => {
  const index = new PrefixIndex<string>();
  index.set('com.exam', 'partial').set('com.', 'dot').set('com', 'bare').set('com.example.x', 'whole');
  assert.deepEqual(index.match('com.example.x'), ['partial', 'dot', 'bare', 'whole']);
  assert.deepEqual(index.match('comx.y'), ['bare']);
  assert.deepEqual(index.match('com'), ['bare']);
  assert.deepEqual(index.match('co'), []);
  assert.equal(index.longest('com.example.xyz'), 'whole');
  assert.equal(index.longest('com.exa'), 'dot');
  assert.equal(index.longest('org'), undefined);
});

test('prefix: removal splits and merges edges back, leaving no node', () => {
  const index = new PrefixIndex<number>();
  index.set('abc', 1).set('ab', 2).set('abd', 3).set('a', 4).set('abcde', 5);
  assert.equal(index.get('abcd'), undefined, 'inside an edge');
  assert.equal(index.delete('abcd'), false);
  assert.equal(index.delete('abcdef'), false);
  assert.equal(index.delete('b'), false);
  assert.ok(index.delete('ab'));
  assert.deepEqual(index.match('abcdef'), [1, 4, 5]);
  assert.ok(index.delete('abc'));
  assert.deepEqual(index.match('abcdef'), [4, 5]);
  assert.deepEqual(index.match('abd'), [3, 4]);
  assert.equal(index.delete('abc'), false, 'twice');
  for (const pattern of ['a', 'abd', 'abcde']) assert.ok(index.delete(pattern));
  assert.deepEqual(index.stats, { patterns: 0, nodes: 0, visits: index.stats.visits });
});

test('prefix: the empty pattern matches everything and is stored at the root', () => {
  const index = new PrefixIndex<string>();
  index.set('', 'all').set('x', 'x');
  assert.deepEqual(index.match('xy'), ['all', 'x']);
  assert.deepEqual(index.match(''), ['all']);
  assert.ok(index.delete(''));
  assert.deepEqual(index.match('xy'), ['x']);
  assert.ok(index.delete('x'));
  assert.equal(index.stats.nodes, 0);
});

test('wildcard: empty components match any one component, the count must agree', () => {
  const index = new WildcardIndex<string>();
  index.set('com..update', 'middle').set('.', 'two').set('..', 'three').set('...', 'four');
  index.set('com.x.update', 'literal').set('com.x.', 'last');
  assert.deepEqual(index.match('com.x.update'), ['middle', 'three', 'literal', 'last']);
  assert.deepEqual(index.match('a.b'), ['two']);
  assert.deepEqual(index.match('a'), []);
  assert.deepEqual(index.match('a.b.c.d'), ['four']);
  assert.deepEqual(index.match('a.b.c.d.e'), []);
  assert.equal(index.best('com.x.update'), 'literal');
  assert.equal(index.best('com.y.update'), 'middle');
  assert.equal(index.best('q.r.s'), 'three');
});

test('wildcard: an empty URI component meets only empty pattern components, once', () => {
  const index = new WildcardIndex<string>();
  index.set('a..c', 'wild').set('a.b.c', 'literal');
  assert.deepEqual(index.match('a..c'), ['wild']);
  assert.deepEqual(index.match('..'), []);
  index.set('..', 'empty');
  assert.deepEqual(index.match('..'), ['empty']);
  // The pattern '' is one empty component: any one-component URI.
  index.set('', 'one');
  assert.deepEqual(index.match('x'), ['one']);
  assert.deepEqual(index.match(''), ['one']);
  assert.deepEqual(index.match('x.y'), []);
});

test('wildcard: best picks the most non-empty components, the first added among equals', () => {
  const index = new WildcardIndex<string>();
  index.set('x..c', 'first').set('.b.c', 'second').set('..c', 'weak').set('x.b.', 'third');
  assert.equal(index.best('x.b.c'), 'first');
  index.delete('x..c');
  index.set('x..c', 'again');
  // Added again, it is now the newest of the equals (as a Map would list it).
  assert.equal(index.best('x.b.c'), 'second');
  assert.deepEqual(index.match('x.b.c'), ['second', 'weak', 'third', 'again']);
  // Replacing a value keeps the pattern's place.
  index.set('.b.c', 'second, replaced');
  assert.equal(index.best('x.b.c'), 'second, replaced');
  assert.equal(index.best('x.b'), undefined);
});

test('wildcard: removal unlinks the nodes that lead nowhere, and only those', () => {
  const index = new WildcardIndex<number>();
  index.set('a.b.c', 1).set('a.b', 2).set('a..c', 3).set('.', 4);
  const full = index.stats.nodes;
  assert.equal(index.delete('a.b.c.d'), false);
  assert.equal(index.delete('a'), false, 'a node on a path, not a pattern');
  assert.ok(index.delete('a.b'));
  assert.equal(index.stats.nodes, full, 'a.b still leads to a.b.c');
  assert.deepEqual(index.match('a.b.c'), [1, 3]);
  assert.ok(index.delete('a.b.c'));
  assert.equal(index.stats.nodes, full - 2);
  assert.deepEqual(index.match('a.b.c'), [3]);
  for (const pattern of ['a..c', '.']) assert.ok(index.delete(pattern));
  assert.deepEqual(index.stats, { patterns: 0, nodes: 0, visits: index.stats.visits });
});

test('lookups visit the URI path, not the stored patterns', () => {
  const prefix = new PrefixIndex<number>();
  const wildcard = new WildcardIndex<number>();
  for (let i = 0; i < 10_000; i++) {
    prefix.set(`app.s${i % 100}.p${i}.`, i);
    wildcard.set(`app.s${i % 100}..p${i}`, i);
  }
  const uri = 'app.s7.topic.p7';
  const before = { prefix: prefix.stats.visits, wildcard: wildcard.stats.visits };
  assert.deepEqual(prefix.match(uri), []);
  assert.deepEqual(wildcard.match(uri), [7]);
  // A prefix lookup follows at most one edge per character; a wildcard lookup here takes app, s7,
  // the empty component, p7 (and the root).
  assert.ok(prefix.stats.visits - before.prefix <= uri.length);
  assert.equal(wildcard.stats.visits - before.wildcard, 5);
});
