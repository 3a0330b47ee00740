/**
 * Both runtimes (node:crypto and WebCrypto/@noble) against Wycheproof: AES-GCM, AES key wrap, X25519 (JWK
 * form), ECDH P-256 (WebCrypto JWK form), RSA-OAEP. Every `invalid` case must be rejected; counts printed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PrivateJwk, PublicJwk } from '../../src/keys/types.ts';
import { runtime as nodeRuntime } from '../../src/runtime/node.ts';
import type { Runtime } from '../../src/runtime/types.ts';
import { runtime as webRuntime } from '../../src/runtime/web.ts';
import { hex, loadJson, Tally, toHex, type WycheproofFile } from '../helpers/vectors.ts';

const runtimes: Runtime[] = [nodeRuntime, webRuntime];

async function rejects(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return false;
  } catch {
    return true;
  }
}

for (const rt of runtimes) {
  describe(`runtime ${rt.name}`, () => {
    test('AES-GCM: Wycheproof aes_gcm_test.json (96-bit IV, 128-bit tag)', async () => {
      const file = loadJson<WycheproofFile>('wycheproof/aes_gcm_test.json');
      const tally = new Tally();
      for (const group of file.testGroups) {
        const applicable =
          group.ivSize === 96 && group.tagSize === 128 && [128, 192, 256].includes(group.keySize as number);
        for (const t of group.tests) {
          if (!applicable) {
            tally.add('not-applicable');
            continue;
          }
          const [key, iv, aad, msg, ct, tag] = ['key', 'iv', 'aad', 'msg', 'ct', 'tag'].map((name) =>
            hex(t[name] as string),
          ) as Uint8Array[];
          const failed = await rejects(() => rt.aesGcmDecrypt(key!, iv!, ct!, tag!, aad!));
          if (t.result === 'invalid') {
            assert.ok(failed, `tcId ${t.tcId} must be rejected`);
            tally.add('invalid-rejected');
          } else {
            const plaintext = await rt.aesGcmDecrypt(key!, iv!, ct!, tag!, aad!);
            assert.equal(toHex(plaintext), t.msg, `tcId ${t.tcId}`);
            const sealed = await rt.aesGcmEncrypt(key!, iv!, msg!, aad!);
            assert.equal(toHex(sealed.ciphertext) + toHex(sealed.tag), (t.ct as string) + (t.tag as string));
            tally.add('valid-ok');
          }
        }
      }
      tally.print(`aes_gcm ${rt.name}`);
      assert.ok(tally.get('valid-ok') > 100);
    });

    test('AES key wrap: Wycheproof aes_wrap_test.json', async () => {
      const file = loadJson<WycheproofFile>('wycheproof/aes_wrap_test.json');
      const tally = new Tally();
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const [key, msg, ct] = ['key', 'msg', 'ct'].map((name) => hex(t[name] as string)) as Uint8Array[];
          const failed = await rejects(() => rt.aesKeyUnwrap(key!, ct!));
          if (t.result === 'invalid') {
            assert.ok(failed, `tcId ${t.tcId} must be rejected`);
            tally.add('invalid-rejected');
          } else if (t.result === 'valid') {
            assert.equal(toHex(await rt.aesKeyUnwrap(key!, ct!)), t.msg, `tcId ${t.tcId}`);
            assert.equal(toHex(await rt.aesKeyWrap(key!, msg!)), t.ct, `tcId ${t.tcId}`);
            tally.add('valid-ok');
          } else tally.add(failed ? 'acceptable-rejected' : 'acceptable-accepted');
        }
      }
      tally.print(`aes_wrap ${rt.name}`);
    });

    test('X25519: Wycheproof x25519_jwk_test.json', async () => {
      const file = loadJson<WycheproofFile>('wycheproof/x25519_jwk_test.json');
      const tally = new Tally();
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const derive = () => rt.ecdh(t.private as PrivateJwk, t.public as PublicJwk);
          const failed = await rejects(derive);
          if (t.result === 'invalid') {
            assert.ok(failed, `tcId ${t.tcId} (${t.comment}) must be rejected`);
            tally.add('invalid-rejected');
          } else if (t.result === 'valid') {
            assert.equal(toHex(await derive()), t.shared, `tcId ${t.tcId} (${t.comment})`);
            tally.add('valid-ok');
          } else {
            // "acceptable": low-order or non-canonical points. Sealwire refuses an all-zero secret.
            if (!failed) assert.equal(toHex(await derive()), t.shared);
            else
              assert.equal(t.shared, '0'.repeat(64), `tcId ${t.tcId} rejected though its secret is not zero`);
            tally.add(failed ? 'acceptable-rejected' : 'acceptable-accepted');
          }
        }
      }
      tally.print(`x25519_jwk ${rt.name}`);
    });

    test('ECDH P-256: Wycheproof ecdh_secp256r1_webcrypto_test.json', async () => {
      const file = loadJson<WycheproofFile>('wycheproof/ecdh_secp256r1_webcrypto_test.json');
      const tally = new Tally();
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const derive = () => rt.ecdh(t.private as PrivateJwk, t.public as PublicJwk);
          const failed = await rejects(derive);
          if (t.result === 'invalid') {
            assert.ok(failed, `tcId ${t.tcId} (${t.comment}) must be rejected`);
            tally.add('invalid-rejected');
          } else {
            assert.equal(toHex(await derive()), t.shared, `tcId ${t.tcId} (${t.comment})`);
            tally.add(`${t.result}-ok`);
          }
        }
      }
      tally.print(`ecdh_secp256r1_webcrypto ${rt.name}`);
    });

    for (const name of [
      'rsa_oaep_2048_sha256_mgf1sha256_test.json',
      'rsa_oaep_4096_sha256_mgf1sha256_test.json',
      'rsa_oaep_misc_test.json',
    ]) {
      test(`RSA-OAEP: Wycheproof ${name}`, async () => {
        const file = loadJson<WycheproofFile>(`wycheproof/${name}`);
        const tally = new Tally();
        for (const group of file.testGroups) {
          const hash =
            group.sha === 'SHA-256' && group.mgfSha === 'SHA-256'
              ? 'SHA-256'
              : group.sha === 'SHA-1' && group.mgfSha === 'SHA-1'
                ? 'SHA-1'
                : undefined;
          // Sealwire uses RSA-OAEP-256 (and reads RSA-OAEP); other hash pairings and labels are out of scope.
          const jwk = { ...(group.privateKeyJwk as PrivateJwk), alg: undefined } as PrivateJwk;
          for (const t of group.tests) {
            if (hash === undefined || t.label !== '') {
              tally.add('not-applicable');
              continue;
            }
            const decrypt = () => rt.rsaOaepDecrypt(jwk, hash, hex(t.ct as string));
            const failed = await rejects(decrypt);
            if (t.result === 'invalid') {
              assert.ok(failed, `tcId ${t.tcId} must be rejected`);
              tally.add('invalid-rejected');
            } else if (t.result === 'valid') {
              assert.equal(toHex(await decrypt()), t.msg, `tcId ${t.tcId}`);
              tally.add('valid-ok');
            } else tally.add(failed ? 'acceptable-rejected' : 'acceptable-accepted');
          }
        }
        tally.print(`${name.replace('_test.json', '')} ${rt.name}`);
        assert.ok(tally.get('valid-ok') > 0);
      });
    }

    test('base64url is strict: no padding, no standard alphabet, no whitespace, no impossible length', () => {
      assert.equal(Buffer.from(rt.base64urlDecode('QUJD')!).toString(), 'ABC');
      assert.equal(Buffer.from(rt.base64urlDecode('QUI')!).toString(), 'AB');
      assert.equal(rt.base64urlDecode('')!.length, 0);
      for (const bad of ['QUI=', 'QU+D', 'QU/D', 'QU JD', 'QUJDR', 'QU\nJ', 'QUĀD', 'QU.D', 'QUJD=']) {
        assert.equal(rt.base64urlDecode(bad), undefined, JSON.stringify(bad));
      }
      const random = nodeRuntime.randomBytes(1000);
      assert.equal(toHex(rt.base64urlDecode(rt.base64urlEncode(random))!), toHex(random));
      assert.equal(rt.base64urlEncode(random), Buffer.from(random).toString('base64url'));
    });

    test('fused AES-GCM + base64url round-trips at every size class and rejects tampering', async () => {
      const key = rt.randomBytes(32);
      const aad = new TextEncoder().encode('header');
      for (const size of [0, 1, 49151, 49152, 49153, 2 * 1024 * 1024 + 7, 5 * 1024 * 1024]) {
        const iv = rt.randomBytes(12);
        const plaintext = nodeRuntime.randomBytes(size);
        const { ciphertext, tag } = await rt.aesGcmEncryptToBase64url(key, iv, plaintext, aad);
        const plain = await rt.aesGcmEncrypt(key, iv, plaintext, aad);
        assert.equal(ciphertext, Buffer.from(plain.ciphertext).toString('base64url'), `size ${size}`);
        const back = await rt.aesGcmDecryptFromBase64url(key, iv, ciphertext, tag, aad);
        assert.equal(Buffer.compare(Buffer.from(back!), Buffer.from(plaintext)), 0, `size ${size}`);
        const badTag = Uint8Array.from(tag);
        badTag[0]! ^= 1;
        assert.ok(await rejects(() => rt.aesGcmDecryptFromBase64url(key, iv, ciphertext, badTag, aad)));
        if (size > 0)
          assert.equal(
            await rt.aesGcmDecryptFromBase64url(key, iv, `${ciphertext.slice(0, -1)}+`, tag, aad),
            undefined,
          );
      }
    });

    test('signatures: EdDSA and ES256 sign/verify, and cross-runtime agreement', async () => {
      for (const kind of ['Ed25519', 'ES256'] as const) {
        const pair = await rt.generateKeyPair(kind);
        const data = new TextEncoder().encode('message');
        const alg = kind === 'Ed25519' ? 'EdDSA' : 'ES256';
        const signature = await rt.sign(alg, pair.privateJwk, data);
        for (const other of runtimes)
          assert.ok(await other.verify(alg, pair.publicJwk, data, signature), `${kind} ${other.name}`);
        const flipped = Uint8Array.from(signature);
        flipped[3]! ^= 0x10;
        assert.equal(await rt.verify(alg, pair.publicJwk, data, flipped), false);
        assert.equal(
          await rt.verify(alg, pair.publicJwk, new TextEncoder().encode('other'), signature),
          false,
        );
      }
    });

    test('validateJwk rejects a private JWK whose public members belong to another key', async () => {
      for (const kind of ['X25519', 'P-256', 'Ed25519'] as const) {
        const a = await rt.generateKeyPair(kind);
        const b = await rt.generateKeyPair(kind);
        const mixed = {
          ...a.privateJwk,
          x: (b.publicJwk as { x: string }).x,
          ...(kind === 'P-256' ? { y: (b.publicJwk as { y: string }).y } : {}),
        } as PrivateJwk;
        await assert.rejects(rt.validateJwk(mixed, true), { code: 'ERR_KEY_INVALID' });
        await rt.validateJwk(a.privateJwk, true);
      }
    });
  });
}
