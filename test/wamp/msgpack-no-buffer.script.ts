/**
 * Child process of msgpack-fast-path.test.ts: the msgpack reader and writer as a browser runs them, with
 * no global Buffer (plain Uint8Array chunks, TextEncoder for long strings). Prints one JSON line.
 */
Reflect.deleteProperty(globalThis, 'Buffer');
const { writeMsgpack } = await import('../../src/wamp/protocol/msgpack-writer.ts');
const { FALLBACK, readMsgpack } = await import('../../src/wamp/protocol/msgpack-reader.ts');

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
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
const out = messages.map((message) => {
  const frame = writeMsgpack(message)!;
  const decoded = readMsgpack(frame);
  return {
    frame: hex(frame),
    frameType: frame.constructor.name,
    roundTrip:
      decoded !== FALLBACK &&
      JSON.stringify(decoded, (_key, value) =>
        value instanceof Uint8Array ? `${value.constructor.name}:${hex(value)}` : value,
      ),
  };
});
process.stdout.write(`${JSON.stringify({ hasBuffer: 'Buffer' in globalThis, out })}\n`);
