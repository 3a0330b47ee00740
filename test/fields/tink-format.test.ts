/**
 * Byte compatibility with Tink's AES-GCM AEAD and keyset formats:
 * - Wycheproof aes_gcm_test.json (the vectors Tink's own AES-GCM tests run) through the keyset AEAD, with
 *   RAW, TINK and CRUNCHY output prefixes, decrypting every case and re-encrypting every valid one;
 * - ciphertexts assembled by hand from node:crypto, and a keyset encrypted by Tink itself.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import { create, equals, toBinary } from '@bufbuild/protobuf';
import { ErrorCodes, SealwireError } from 'sealwire/errors';
import {
  decryptKeyset,
  KeyStatusType,
  type Keyset,
  KeysetSchema,
  keysetToJson,
  LocalKms,
  OutputPrefixType,
  parseKeysetJson,
} from 'sealwire/fields';
import { AesGcmKeySchema } from '../../src/fields/gen/google/crypto/tink/keyset_pb.ts';
import { encryptWithIvForTesting, TinkAead } from '../../src/fields/tink/aead.ts';
import { AES_GCM_TYPE_URL, validateKeyset } from '../../src/fields/tink/keyset.ts';
import { loadJson } from '../helpers/vectors.ts';

interface WycheproofTest {
  tcId: number;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofGroup {
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: WycheproofTest[];
}

const vectors = loadJson<{ testGroups: WycheproofGroup[] }>('wycheproof/aes_gcm_test.json');

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function keysetOf(key: Uint8Array, keyId: number, prefix: OutputPrefixType): Keyset {
  return create(KeysetSchema, {
    primaryKeyId: keyId,
    key: [
      {
        keyData: {
          typeUrl: AES_GCM_TYPE_URL,
          value: toBinary(AesGcmKeySchema, create(AesGcmKeySchema, { keyValue: key })),
          keyMaterialType: 1,
        },
        status: KeyStatusType.ENABLED,
        keyId,
        outputPrefixType: prefix,
      },
    ],
  });
}

const VARIANTS = [
  { name: 'RAW', type: OutputPrefixType.RAW, keyId: 0, prefix: new Uint8Array(0) },
  { name: 'TINK', type: OutputPrefixType.TINK, keyId: 0x11223344, prefix: hex('0111223344') },
  { name: 'CRUNCHY', type: OutputPrefixType.CRUNCHY, keyId: 0x22334455, prefix: hex('0022334455') },
] as const;

test('Wycheproof aes_gcm_test.json through the Tink AEAD (96-bit IV, AES-128/256, RAW/TINK/CRUNCHY)', async (t) => {
  const counts = { valid: 0, invalid: 0, reencrypted: 0, notExpressible: 0, aes192: 0 };
  for (const group of vectors.testGroups) {
    if (group.keySize === 192) {
      // Tink refuses 192-bit AES-GCM keys; so does the keyset validation.
      const key = hex(group.tests[0]!.key);
      assert.throws(() => validateKeyset(keysetOf(key, 1, OutputPrefixType.TINK)), /16 or 32/);
      counts.aes192 += group.tests.length;
      continue;
    }
    if (group.ivSize !== 96 || group.tagSize !== 128) {
      // Tink's ciphertext format fixes the IV at 12 bytes: other IV sizes cannot be written in it.
      counts.notExpressible += group.tests.length;
      continue;
    }
    for (const vector of group.tests) {
      for (const variant of VARIANTS) {
        const keyset = validateKeyset(keysetOf(hex(vector.key), variant.keyId, variant.type));
        const aead = new TinkAead(keyset, 'wycheproof');
        const ciphertext = new Uint8Array([
          ...variant.prefix,
          ...hex(vector.iv),
          ...hex(vector.ct),
          ...hex(vector.tag),
        ]);
        const label = `tcId ${vector.tcId} ${variant.name}`;
        if (vector.result === 'valid') {
          assert.equal(toHex(await aead.decrypt(ciphertext, hex(vector.aad))), vector.msg, label);
          const encrypted = await encryptWithIvForTesting(
            keyset,
            hex(vector.iv),
            hex(vector.msg),
            hex(vector.aad),
          );
          assert.equal(toHex(encrypted), toHex(ciphertext), label);
          counts.reencrypted++;
        } else {
          await assert.rejects(aead.decrypt(ciphertext, hex(vector.aad)), (error: unknown) => {
            assert.ok(error instanceof SealwireError && error.code === ErrorCodes.DECRYPTION_FAILED, label);
            return true;
          });
        }
      }
      counts[vector.result === 'valid' ? 'valid' : 'invalid']++;
    }
  }
  t.diagnostic(
    `wycheproof aes_gcm: ${counts.valid} valid + ${counts.invalid} invalid cases x 3 prefixes (${counts.reencrypted} known-answer encryptions); ${counts.aes192} AES-192 cases refused with the key; ${counts.notExpressible} cases with IV sizes Tink's format cannot carry`,
  );
  assert.equal(counts.valid, 79);
  assert.equal(counts.invalid, 54);
});

test('hand-assembled Tink ciphertexts (node:crypto AES-GCM + prefix) decrypt; the prefix picks the key', async () => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const iv = hex('cafebabefacedbaddecaf888');
  const plaintext = Buffer.from('Sealwire field ciphertext');
  const aad = Buffer.from('associated data');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  // TINK: 0x01 || BE32(0x01020304) || IV || ct || tag, written out byte by byte.
  const tinkCiphertext = new Uint8Array([0x01, 0x01, 0x02, 0x03, 0x04, ...iv, ...body]);
  const keyset = validateKeyset(keysetOf(key, 0x01020304, OutputPrefixType.TINK));
  const aead = new TinkAead(keyset, 'hand');
  assert.deepEqual(Buffer.from(await aead.decrypt(tinkCiphertext, aad)), plaintext);
  assert.equal(toHex(await encryptWithIvForTesting(keyset, iv, plaintext, aad)), toHex(tinkCiphertext));
  // Random IVs on the normal path: same length, prefix first, different bytes each time.
  const a = await aead.encrypt(plaintext, aad);
  const b = await aead.encrypt(plaintext, aad);
  assert.equal(a.length, 5 + 12 + plaintext.length + 16);
  assert.equal(toHex(a.subarray(0, 5)), '0101020304');
  assert.notDeepEqual(a, b);
  // The same body under another key id's prefix does not open (no key matches, no RAW key to fall back to).
  const otherPrefix = new Uint8Array([0x01, 0x01, 0x02, 0x03, 0x05, ...iv, ...body]);
  await assert.rejects(aead.decrypt(otherPrefix, aad), /decryption failed/);
  // A keyset with the same key as RAW reads the unprefixed form, as Tink does for RAW keys.
  const raw = new TinkAead(validateKeyset(keysetOf(key, 7, OutputPrefixType.RAW)), 'raw');
  assert.deepEqual(Buffer.from(await raw.decrypt(new Uint8Array([...iv, ...body]), aad)), plaintext);
});

// From Tink's Python walkthrough test (tink-crypto/tink, python/examples/walkthrough/
// load_encrypted_keyset_test.py, Apache-2.0): a master keyset, a keyset, and that keyset encrypted by Tink
// under the master keyset with empty associated data.
const TINK_MASTER_KEYSET = `{
  "key": [{
    "keyData": {
      "keyMaterialType": "SYMMETRIC",
      "typeUrl": "type.googleapis.com/google.crypto.tink.AesGcmKey",
      "value": "GiBWyUfGgYk3RTRhj/LIUzSudIWlyjCftCOypTr0jCNSLg=="
    },
    "keyId": 294406504,
    "outputPrefixType": "TINK",
    "status": "ENABLED"
  }],
  "primaryKeyId": 294406504
}`;
const TINK_KEYSET = `{
  "key": [{
    "keyData": {
      "keyMaterialType": "SYMMETRIC",
      "typeUrl": "type.googleapis.com/google.crypto.tink.AesGcmKey",
      "value": "GhD+9l0RANZjzZEZ8PDp7LRW"
    },
    "keyId": 1931667682,
    "outputPrefixType": "TINK",
    "status": "ENABLED"
  }],
  "primaryKeyId": 1931667682
}`;
const TINK_ENCRYPTED_KEYSET = `{
  "encryptedKeyset": "ARGMSWi6YHyZ/Oqxl00XSq631a0q2UPmf+rCvCIAggSZrwCmxFF797MpY0dqgaXu1fz2eQ8zFNhlyTXv9kwg1kY6COpyhY/68zNBUkyKX4CharLYfpg1LgRl+6rMzIQa0XDHh7ZDmp1CevzecZIKnG83uDRHxxSv3h8c/Kc="
}`;

test('a keyset encrypted by Tink decrypts with Tink JSON master keyset (TINK-prefixed AES-256-GCM)', async () => {
  const master = LocalKms.fromKeysetJson(TINK_MASTER_KEYSET);
  const keyset = await decryptKeyset(TINK_ENCRYPTED_KEYSET, master, new Uint8Array(0), 'Tink keyset');
  assert.ok(equals(KeysetSchema, keyset, parseKeysetJson(TINK_KEYSET)));
  const validated = validateKeyset(keyset);
  assert.equal(validated.primaryKeyId, 1931667682);
  assert.equal(validated.keys[0]!.keyValue!.length, 16);
  // With associated data it was not encrypted under, it does not.
  await assert.rejects(
    decryptKeyset(TINK_ENCRYPTED_KEYSET, master, Uint8Array.of(1), 'Tink keyset'),
    /cannot be decrypted/,
  );
});

test('keysets are written in Tink JSON (field names, enum names, standard base64 of AesGcmKey)', () => {
  const parsed = parseKeysetJson(TINK_MASTER_KEYSET);
  const written = JSON.parse(keysetToJson(parsed));
  assert.deepEqual(written, JSON.parse(TINK_MASTER_KEYSET));
  // Key ids printed as signed 32-bit integers by older Tink for Java read as the unsigned id.
  const signed = TINK_MASTER_KEYSET.replaceAll('294406504', String(0x91223344 | 0));
  assert.equal(parseKeysetJson(signed).primaryKeyId, 0x91223344);
});
