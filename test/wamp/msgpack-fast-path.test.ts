/**
 * The msgpack serializer's own reader and writer (the hot path) against msgpackr, which they replace for
 * common messages: same values decoded, same bytes as msgpackr's preferred (variable map size) output,
 * msgpackr still deciding everything unusual, and malformed frames still refused with a typed error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { widenIntegers } from '../../src/wamp/protocol/integers.ts';
import { FALLBACK, readMsgpack } from '../../src/wamp/protocol/msgpack-reader.ts';
import { writeMsgpack } from '../../src/wamp/protocol/msgpack-writer.ts';
import { SERIALIZERS } from '../../src/wamp/protocol/serializer.ts';

const options = { useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' } as const;
const packr = new Packr(options);
const variableMaps = new Packr({ ...options, variableMapSize: true });
const msgpack = SERIALIZERS.msgpack;

/** Deterministic pseudo-random values of every type WAMP messages hold, with the edge cases of each. */
function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const numbers = [
    0,
    1,
    31,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    2 ** 53 + 2,
    -1,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2 ** 31),
    -(2 ** 31) - 1,
    -(2 ** 40) - 5,
    1.5,
    -0.25,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e300,
    2 ** 60,
  ];
  const strings = [
    '',
    'a',
    'com.example.topic',
    'x'.repeat(31),
    'x'.repeat(32),
    'x'.repeat(33),
    'x'.repeat(64),
    'y'.repeat(300),
    'é'.repeat(16),
    'aé'.repeat(40),
    '€'.repeat(86),
    '😀'.repeat(10),
    'a\u0000b',
    '\ud800 lone',
  ];
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3) return pick(numbers);
    // Values past 16-bit lengths are rare: they exercise the 32-bit headers without slowing the test.
    if (r < 0.01) return random() < 0.5 ? 'z'.repeat(70_000) : new Uint8Array(70_000).fill(9);
    if (r < 0.5) return pick(strings);
    if (r < 0.55) return random() < 0.5;
    if (r < 0.6) return null;
    if (r < 0.7) {
      const bytes = new Uint8Array(pick([0, 1, 64, 255, 256, 1500]));
      for (let i = 0; i < bytes.length; i++) bytes[i] = i * 7;
      return random() < 0.5 ? bytes : Buffer.from(bytes);
    }
    if (r < 0.85) return Array.from({ length: pick([0, 3, 15, 16, 17]) }, () => value(depth + 1));
    const dict: Record<string, unknown> = {};
    for (let i = pick([0, 2, 15, 16, 20]); i > 0; i--) dict[`${pick(strings)}${i}`] = value(depth + 1);
    return dict;
  };
  return { random, message: () => [value(0), value(0), value(1), value(1)] };
}

/** Comparable form: bytes as hex, NaN as a marker, plain-object-ness kept. */
function normal(value: unknown): unknown {
  if (value instanceof Uint8Array) return ['bytes', Buffer.from(value).toString('hex')];
  if (Array.isArray(value)) return value.map(normal);
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'object' && value !== null)
    return [
      'dict',
      Object.getPrototypeOf(value) === Object.prototype,
      Object.entries(value).map(([key, item]) => [key, normal(item)]),
    ];
  return value;
}

function msgpackrDecode(frame: Uint8Array): unknown {
  try {
    return normal(packr.unpack(frame));
  } catch {
    return 'refused';
  }
}

test('writer: the bytes msgpackr writes (with widenIntegers and variable map sizes), for 1,500 random messages', () => {
  const { message } = generator(1);
  for (let i = 0; i < 1500; i++) {
    const value = message();
    const ours = writeMsgpack(value);
    assert.ok(ours !== undefined, 'common values must not fall back');
    assert.equal(Buffer.from(ours).toString('hex'), variableMaps.pack(widenIntegers(value)).toString('hex'));
  }
});

test('writer: 53-bit IDs are int64, never float64; what it does not handle goes to msgpackr unchanged', () => {
  const frame = writeMsgpack([36, 1, 2 ** 53, { publisher: -(2 ** 40) }])!;
  assert.equal(frame[3], 0xd3);
  assert.deepEqual(packr.unpack(frame), [36, 1, 2 ** 53, { publisher: -(2 ** 40) }]);
  for (const odd of [undefined, 10n, new Date(0), new Map(), new Float32Array(2), Object.create(null)]) {
    assert.equal(writeMsgpack([1, odd]), undefined);
    assert.deepEqual(
      Buffer.from(msgpack.encode([1, odd]) as Uint8Array),
      packr.pack(widenIntegers([1, odd]) as unknown[]),
    );
  }
  // Nesting past the writer's depth is msgpackr's too.
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.equal(writeMsgpack([deep]), undefined);
  assert.deepEqual(msgpack.decode(msgpack.encode([deep])), [deep]);
});

test('writer: frames stay intact while later messages are written; a large message gets its own buffer', () => {
  const kept = Array.from({ length: 500 }, (_, i) => ({
    i,
    frame: writeMsgpack([i, 'x'.repeat(i % 300), new Uint8Array(i % 3000).fill(i & 0xff)])!,
  }));
  for (let i = 0; i < 20_000; i++) writeMsgpack([i, 'junk'.repeat(i % 500)]);
  for (const { i, frame } of kept) {
    const [index, text, bytes] = packr.unpack(frame) as [number, string, Uint8Array];
    assert.equal(index, i);
    assert.equal(text.length, i % 300);
    assert.ok(bytes.every((byte) => byte === (i & 0xff)));
  }
  const big = writeMsgpack([1, new Uint8Array(3 << 20)])!;
  assert.equal(big.length, (3 << 20) + 7);
  const after = writeMsgpack([2])!;
  assert.notEqual(after.buffer, big.buffer);
});

test('reader: the values msgpackr decodes, for valid, bit-flipped, truncated and extended frames', () => {
  const { random, message } = generator(2);
  let decoded = 0;
  const check = (frame: Uint8Array) => {
    const ours = readMsgpack(frame);
    if (ours === FALLBACK) return;
    decoded++;
    assert.deepEqual(normal(ours), msgpackrDecode(frame), Buffer.from(frame).toString('hex').slice(0, 120));
  };
  for (let i = 0; i < 1000; i++) {
    const value = message();
    for (const frame of [packr.pack(value), writeMsgpack(value)!]) {
      assert.notEqual(readMsgpack(frame), FALLBACK, 'common frames must not fall back');
      check(frame);
      check(new Uint8Array(frame));
      const flipped = Buffer.from(frame);
      for (let k = 0; k < 3; k++) flipped[Math.floor(random() * flipped.length)] = Math.floor(random() * 256);
      check(flipped);
      check(frame.subarray(0, Math.floor(random() * frame.length)));
      check(Buffer.concat([frame, Buffer.from([0xc0])]));
    }
  }
  for (let i = 0; i < 50_000; i++) {
    const garbage = new Uint8Array(Math.floor(random() * 24));
    for (let k = 0; k < garbage.length; k++) garbage[k] = Math.floor(random() * 256);
    check(garbage);
  }
  assert.ok(decoded > 3000, `only ${decoded} frames took the fast path`);
});

test('reader: repeated short strings come from its cache and still match their bytes', () => {
  for (let i = 0; i < 50_000; i++) {
    const key = `k${(i * 7919).toString(36)}`;
    const frame = packr.pack([i, { [key]: key.slice(0, 1 + (i % 30)), x: key }, key]);
    assert.deepEqual(readMsgpack(frame), packr.unpack(frame));
  }
});

test('reader: msgpackr decides the unusual (extensions, float32, big int64, __proto__, BOM, bad UTF-8)', () => {
  const cases: number[][] = [
    [0x91, 0xd4, 0x00, 0x00], // fixext 1 (msgpackr's undefined)
    [0x91, 0xca, 0x3f, 0xc0, 0x00, 0x00], // float32 1.5
    [0x91, 0x91, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint64 beyond 2^53, nested
    [0x91, 0x91, 0xd3, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01], // int64 2^53+1, nested
    [0x81, 0xa9, ...Buffer.from('__proto__'), 0x01], // a __proto__ key
    [0x91, 0xa4, 0xef, 0xbb, 0xbf, 0x41], // string starting with a BOM
    [0x91, 0xa2, 0xc0, 0x80], // overlong
    [0x91, 0xa3, 0xed, 0xa0, 0x80], // UTF-8 encoded surrogate
    [0x91, 0xa1, 0xff],
    [0x81, 0x01, 0x02], // integer key
    [0x92, 0x01], // truncated
    [0x91, 0x01, 0x01], // trailing bytes
  ];
  for (const bytes of cases) {
    const frame = new Uint8Array(bytes);
    assert.equal(readMsgpack(frame), FALLBACK, Buffer.from(frame).toString('hex'));
    // Through the serializer: msgpackr's answer, or the typed refusal when msgpackr refuses.
    let expected: unknown;
    try {
      expected = packr.unpack(frame);
    } catch {
      assert.throws(() => msgpack.decode(frame), { code: 'ERR_MALFORMED' });
      continue;
    }
    assert.deepEqual(msgpack.decode(frame), expected);
  }
  // At the top level, where a WAMP message holds its IDs, an integer a number would round is refused.
  for (const bytes of [
    [0x92, 0x20, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [0x92, 0x20, 0xd3, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
  ]) {
    assert.equal(readMsgpack(new Uint8Array(bytes)), FALLBACK);
    assert.throws(() => msgpack.decode(new Uint8Array(bytes)), { code: 'ERR_MALFORMED' });
  }
  assert.deepEqual(
    msgpack.decode(new Uint8Array([0x92, 0x20, 0xd3, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])),
    [32, 2 ** 53],
  );
  // A count the frame cannot hold is refused before anything is allocated.
  assert.equal(readMsgpack(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])), FALLBACK);
  assert.throws(() => msgpack.decode(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])), {
    code: 'ERR_MALFORMED',
  });
});

test('without a global Buffer (browsers): same bytes, plain Uint8Array frames and bin values', () => {
  const script = fileURLToPath(new URL('./msgpack-no-buffer.script.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--conditions=sealwire-source', '--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout) as {
    hasBuffer: boolean;
    out: { frame: string; frameType: string; roundTrip: string | false }[];
  };
  assert.equal(result.hasBuffer, false);
  const messages: unknown[][] = [
    [
      16,
      1,
      { enc_algo: 'cryptobox', enc_serializer: 'json', enc_key: null },
      'com.x',
      new Uint8Array(300).fill(7),
    ],
    [48, 2 ** 53, {}, 'com.x', ['é€😀'.repeat(30), 'a'.repeat(70), '\ud800', -(2 ** 40), 1.5]],
    [1, new Uint8Array(100_000).fill(1), 'b'.repeat(5000)],
  ];
  messages.forEach((message, i) => {
    const { frame, frameType, roundTrip } = result.out[i]!;
    assert.equal(frame, Buffer.from(writeMsgpack(message)!).toString('hex'));
    assert.equal(frameType, 'Uint8Array');
    assert.ok(roundTrip !== false);
    assert.ok(!roundTrip.includes('Buffer:'), 'bin values are plain Uint8Array views');
  });
});
