/**
 * The byte encodings of src/encoding hold both of their paths (Node's Buffer, and @scure/base with the platform's
 * toBase64/fromBase64 where present) to one behaviour: the same text out, the same text refused. Node runs
 * the portable path here on @scure/base's JavaScript codec; a browser with the built-ins runs the same
 * calls on them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { base64Codecs } from '../../src/encoding/base64.ts';
import { base64urlCodecs, decodeBase64url } from '../../src/encoding/base64url.ts';
import { bytesToHex, colonHex, hexToBytes } from '../../src/encoding/hex.ts';
import { isPlainObject } from '../../src/encoding/plain-object.ts';
import { MalformedError } from '../../src/errors.ts';

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? 'refused' : Buffer.from(bytes).toString('hex');
const SIZES = [0, 1, 2, 3, 4, 5, 31, 32, 33, 64, 1000, 65537];

assert.ok(base64urlCodecs.node !== undefined && base64Codecs.node !== undefined, 'Node has Buffer');
const urlPaths = { node: base64urlCodecs.node, portable: base64urlCodecs.portable };
const stdPaths = { node: base64Codecs.node, portable: base64Codecs.portable };

for (const [name, codec] of Object.entries(urlPaths)) {
  describe(`base64url, ${name} path`, () => {
    test('encodes as Node does, unpadded, from any view of a buffer', () => {
      for (const size of SIZES) {
        const data = randomBytes(size + 3).subarray(2, size + 2);
        assert.equal(codec.encode(data), data.toString('base64url'), `size ${size}`);
        assert.equal(hex(codec.decode(codec.encode(data))), hex(data), `size ${size}`);
      }
    });

    test('refuses padding, the standard alphabet, whitespace, other characters, an impossible length', () => {
      for (const bad of [
        'QUI=',
        'QU+D',
        'QU/D',
        'QU JD',
        'QUJDR',
        'QU\nJ',
        'QUĀD',
        'QU.D',
        'QUJD=',
        'Q',
        '=',
        'QQ==',
      ]) {
        assert.equal(codec.decode(bad), undefined, JSON.stringify(bad));
      }
      assert.equal(hex(codec.decode('')), '');
    });

    test('takes the unused bits of the last character as JOSE decoding always has (not checked)', () => {
      // 'QUK' and 'QUI' both decode to "AB"; 'QR' and 'QQ' to "A".
      assert.equal(hex(codec.decode('QUK')), '4142');
      assert.equal(hex(codec.decode('QR')), '41');
    });
  });
}

describe('base64url: the throwing decoder names what it decodes', () => {
  test('MalformedError for a non-string and for invalid text', () => {
    assert.throws(
      () => decodeBase64url(42, 'JWE iv'),
      (e) => e instanceof MalformedError && /JWE iv/.test(e.message),
    );
    assert.throws(
      () => decodeBase64url('QUI=', 'JWE tag'),
      (e) => e instanceof MalformedError && /JWE tag/.test(e.message),
    );
  });
});

for (const [name, codec] of Object.entries(stdPaths)) {
  describe(`base64, ${name} path`, () => {
    test('encodes as Node does, padded and unpadded', () => {
      for (const size of SIZES) {
        const data = randomBytes(size + 3).subarray(1, size + 1);
        const text = data.toString('base64');
        assert.equal(codec.encode(data), text, `size ${size}`);
        assert.equal(codec.encodeUnpadded(data), text.replace(/=+$/, ''), `size ${size}`);
        assert.equal(hex(codec.decode(text)), hex(data));
        assert.equal(hex(codec.decodeCanonical(text)), hex(data));
        assert.equal(hex(codec.decodeCanonicalUnpadded(text.replace(/=+$/, ''))), hex(data));
      }
    });

    test("age's canonical forms: no whitespace, other alphabet, wrong padding or stray bits", () => {
      for (const bad of [
        'QUI',
        'QQ=',
        'QQ',
        'QUK=',
        'QR==',
        'QU-D',
        'QU_D',
        'QU D',
        'QUJD\n',
        'Q===',
        '====',
        'QU=D',
        'QUĀD',
      ]) {
        assert.equal(codec.decodeCanonical(bad), undefined, `padded ${JSON.stringify(bad)}`);
      }
      for (const bad of ['QUI=', 'QQ==', 'QUK', 'QR', 'Q', 'QU-D', 'QU_D', 'QU D', 'QUJDR', 'QUĀD']) {
        assert.equal(codec.decodeCanonicalUnpadded(bad), undefined, `unpadded ${JSON.stringify(bad)}`);
      }
      assert.equal(hex(codec.decodeCanonical('QUI=')), '4142');
      assert.equal(hex(codec.decodeCanonicalUnpadded('QUI')), '4142');
    });

    test("WAMP's padded base64: standard alphabet, length a multiple of 4, at most two '='", () => {
      for (const bad of ['QUI', 'QQ', 'QU-D', 'QU_D', 'QU D', 'Q===', '====', 'QU=D', 'QUJD\n']) {
        assert.equal(codec.decode(bad), undefined, JSON.stringify(bad));
      }
      assert.equal(hex(codec.decode('QUJD')), '414243');
      // The unused bits: not checked by Buffer (as before), checked by @scure/base (as before).
      assert.equal(hex(codec.decode('QUK=')), name === 'node' ? '4142' : 'refused');
    });
  });
}

describe('hex', () => {
  test('lower-case out; either case in; odd lengths and other characters refused', () => {
    const data = randomBytes(40);
    assert.equal(bytesToHex(data), data.toString('hex'));
    assert.equal(hex(hexToBytes(data.toString('hex').toUpperCase())), data.toString('hex'));
    for (const bad of ['0', 'abc', 'zz', '0x00', ' 00', '00 ']) assert.equal(hexToBytes(bad), undefined, bad);
    assert.equal(hex(hexToBytes('')), '');
  });

  test('colon hex is what openssl prints', () => {
    assert.equal(colonHex(Uint8Array.of(0xde, 0xad, 0x0b)), 'DE:AD:0B');
    assert.equal(colonHex(new Uint8Array(0)), '');
  });
});

describe('plain objects', () => {
  test('objects, not null, lists or byte arrays', () => {
    assert.ok(isPlainObject({}));
    assert.ok(isPlainObject(JSON.parse('{"a":1}')));
    assert.ok(isPlainObject(Object.create(null)));
    for (const value of [null, undefined, [], [1], new Uint8Array(2), Buffer.alloc(1), 'x', 1, true]) {
      assert.equal(isPlainObject(value), false, String(value));
    }
  });
});
