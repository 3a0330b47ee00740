/** Serializer details: JSON's \0+base64 binary convention, 64-bit IDs on binary serializers, strict decoding. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERIALIZERS, validateMessage } from 'sealwire/wamp';

test('JSON: binary at any depth becomes \\0 + base64 and back; plain messages are not copied', () => {
  const json = SERIALIZERS.json;
  const bytes = new Uint8Array([0, 255, 16]);
  const text = json.encode([16, 1, {}, 'com.x', [bytes, { nested: [bytes] }]]) as string;
  assert.equal(text, '[16,1,{},"com.x",["\\u0000AP8Q",{"nested":["\\u0000AP8Q"]}]]');
  assert.deepEqual(json.decode(text), [16, 1, {}, 'com.x', [bytes, { nested: [bytes] }]]);
  assert.deepEqual(json.decode(new TextEncoder().encode(text)), [
    16,
    1,
    {},
    'com.x',
    [bytes, { nested: [bytes] }],
  ]);
  assert.throws(() => json.decode('["\\u0000***"]'), { code: 'ERR_MALFORMED' });
  assert.throws(() => json.decode(new Uint8Array([0x5b, 0xff, 0x5d])), { code: 'ERR_MALFORMED' });
});

test('msgpack and CBOR: IDs above 2^32 are integers on the wire (Autobahn rejects floats as IDs)', () => {
  const id = 2 ** 53;
  const msgpack = SERIALIZERS.msgpack.encode([2, id, {}]) as Uint8Array;
  // 0xd3/0xcf: int64/uint64 (not 0xcb float64)
  assert.ok(msgpack[2] === 0xd3 || msgpack[2] === 0xcf, `msgpack type byte ${msgpack[2]}`);
  assert.deepEqual(SERIALIZERS.msgpack.decode(msgpack), [2, id, {}]);
  const cbor = SERIALIZERS.cbor.encode([2, id, {}]) as Uint8Array;
  // 0x1b: major type 0, 8-byte argument (not 0xfb float64)
  assert.equal(cbor[2], 0x1b);
  assert.deepEqual(SERIALIZERS.cbor.decode(cbor), [2, id, {}]);
  assert.deepEqual(SERIALIZERS.cbor.decode(SERIALIZERS.cbor.encode([1.5, -(2 ** 40)]) as Uint8Array), [
    1.5,
    -(2 ** 40),
  ]);
});

test('binary serializers carry bytes as bytes (no tags, no extensions)', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const cbor = SERIALIZERS.cbor.encode([bytes]) as Uint8Array;
  assert.deepEqual([...cbor], [0x81, 0x43, 1, 2, 3]);
  const msgpack = SERIALIZERS.msgpack.encode([bytes]) as Uint8Array;
  assert.deepEqual([...msgpack], [0x91, 0xc4, 3, 1, 2, 3]);
});

test('decoders refuse malformed input with a typed error', () => {
  assert.throws(() => SERIALIZERS.msgpack.decode(new Uint8Array([0x92, 0x01])), { code: 'ERR_MALFORMED' });
  assert.throws(() => SERIALIZERS.cbor.decode(new Uint8Array([0x5f, 0x41])), { code: 'ERR_MALFORMED' });
  assert.throws(() => SERIALIZERS.cbor.decode('text'), { code: 'ERR_MALFORMED' });
});

test('validateMessage: shapes and payload rules', () => {
  assert.deepEqual(validateMessage([16, 1, {}, 'com.x', [1], { a: 1 }]), [16, 1, {}, 'com.x', [1], { a: 1 }]);
  assert.throws(() => validateMessage([16, 1, {}, 'com.x', [1], { a: 1 }, 'extra']), {
    code: 'ERR_MALFORMED',
  });
  assert.throws(() => validateMessage([48, -1, {}, 'com.x']), { code: 'ERR_MALFORMED' });
  assert.throws(() => validateMessage([48, 1.5, {}, 'com.x']), { code: 'ERR_MALFORMED' });
  // SUBSCRIBE accepts any string here (patterns are checked by the broker, which answers invalid_uri).
  assert.deepEqual(validateMessage([32, 1, {}, '']), [32, 1, {}, '']);
  validateMessage([16, 1, { enc_algo: 'cryptobox' }, 'com.x', new Uint8Array([1])]);
  assert.throws(() => validateMessage([16, 1, { enc_algo: 'cryptobox' }, 'com.x', new Uint8Array([1]), {}]), {
    code: 'ERR_MALFORMED',
  });
  validateMessage([16, 1, { ppt_scheme: 'x_a' }, 'com.x', [new Uint8Array([1])], {}]);
  assert.throws(() => validateMessage([16, 1, { ppt_scheme: '' }, 'com.x', [1]]), { code: 'ERR_MALFORMED' });
  assert.throws(() => validateMessage([35]), { code: 'ERR_MALFORMED' });
  validateMessage([35, 1, { reason: 'revoked' }]);
});

test('IDs: every decoder refuses a top-level integer a number would round; 0 is no ID (but a revocation)', () => {
  const top = '9007199254740992';
  const json = SERIALIZERS.json;
  assert.deepEqual(json.decode(`[32,${top},{},"com.x"]`), [32, 2 ** 53, {}, 'com.x']);
  for (const text of [
    '[32,9007199254740993,{},"com.x"]',
    '[32, 9007199254740992.5, {}, "com.x"]',
    '[32,9.007199254740993e15,{},"com.x"]',
    // The digits of 2^53 in a string do not vouch for a rounded ID.
    `[16,9007199254740993,{"note":"${top} \\" ${top}"},"com.x",["${top}"]]`,
  ])
    assert.throws(() => json.decode(text), { code: 'ERR_MALFORMED' }, text);
  // Deeper down (arguments), big integers stay numbers as they always did.
  assert.deepEqual(json.decode(`[16,${top},{},"com.x",[9007199254740993]]`), [
    16,
    2 ** 53,
    {},
    'com.x',
    [2 ** 53],
  ]);
  // CBOR: 0x1b = uint64; 2^53+1 at the top level is refused, nested it is a (rounded) number.
  const big = [0x1b, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
  assert.throws(() => SERIALIZERS.cbor.decode(new Uint8Array([0x82, 0x18, 0x20, ...big])), {
    code: 'ERR_MALFORMED',
  });
  assert.deepEqual(SERIALIZERS.cbor.decode(new Uint8Array([0x82, 0x18, 0x20, 0x81, ...big])), [
    32,
    [2 ** 53],
  ]);
  assert.deepEqual(
    SERIALIZERS.cbor.decode(new Uint8Array([0x82, 0x18, 0x20, 0x1b, 0, 0, 0, 0, 0, 0, 0, 7])),
    [32, 7],
  );
  // 0 is not an ID, except as the request id of a router's revocation (UNSUBSCRIBED/UNREGISTERED).
  assert.throws(() => validateMessage([32, 0, {}, 'com.x']), { code: 'ERR_MALFORMED' });
  assert.throws(() => validateMessage([2, 0, {}]), { code: 'ERR_MALFORMED' });
  validateMessage([35, 0, { subscription: 5, reason: 'revoked' }]);
  validateMessage([67, 0, { registration: 5, reason: 'revoked' }]);
});
