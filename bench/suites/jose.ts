/**
 * JOSE sealed envelopes: Sealwire's seal/open against jose used directly (the peer) and against raw
 * node:crypto AES-256-GCM on the same buffers (the limit).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { generateKeyPair, type KeyPair } from '../../src/keys/index.ts';
import { type GeneralJwe, open, seal } from '../../src/seal/index.ts';
import { type Context, compare, type Suite } from '../harness.ts';

const KiB = 1024;
const MiB = 1024 * 1024;

function joseKey(jwk: object, alg: string) {
  const { use: _use, alg: _alg, kid: _kid, ...bare } = jwk as Record<string, unknown>;
  return jose.importJWK(bare as jose.JWK, alg);
}

function rawGcm(size: number) {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = Buffer.from('eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ');
  const plaintext = randomBytes(size);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    encrypt: () => {
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(aad);
      c.update(plaintext);
      c.final();
      return c.getAuthTag();
    },
    decrypt: () => {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(aad);
      d.setAuthTag(tag);
      d.update(ciphertext);
      return d.final();
    },
  };
}

async function smallMessages(ctx: Context, label: string, pair: KeyPair, alg: string): Promise<void> {
  const payload = randomBytes(KiB);
  const publicKey = await joseKey(pair.publicJwk, alg);
  const privateKey = await joseKey(pair.privateJwk, alg);
  const ours = await seal(payload, pair.publicJwk);
  const theirs = await new jose.CompactEncrypt(payload)
    .setProtectedHeader({ alg, enc: 'A256GCM' })
    .encrypt(publicKey);
  await compare(ctx, {
    name: `jwe seal 1 KiB ${label}`,
    unit: 'ops/s',
    baseline: {
      name: 'jose CompactEncrypt',
      fn: () =>
        new jose.CompactEncrypt(payload).setProtectedHeader({ alg, enc: 'A256GCM' }).encrypt(publicKey),
    },
    sealwire: { name: 'seal', fn: () => seal(payload, pair.publicJwk) },
    target: 1.0,
  });
  await compare(ctx, {
    name: `jwe open 1 KiB ${label}`,
    unit: 'ops/s',
    baseline: { name: 'jose compactDecrypt', fn: () => jose.compactDecrypt(theirs, privateKey) },
    sealwire: { name: 'open', fn: () => open(ours, pair.privateJwk) },
    target: 1.0,
  });
}

async function largeMessages(ctx: Context, size: number, label: string, pair: KeyPair): Promise<void> {
  // The throughput target is at 1 MiB; 16 MiB is reported for the trend (GC of two 16 MiB buffers per
  // operation makes it noisy on these machines), not judged.
  const target = size <= MiB ? 0.5 : undefined;
  const payload = randomBytes(size);
  const raw = rawGcm(size);
  const sealed = await seal(payload, pair.publicJwk);
  await compare(ctx, {
    name: `jwe seal ${label} X25519`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: { name: 'raw AES-256-GCM', fn: raw.encrypt },
    sealwire: { name: 'seal', fn: () => seal(payload, pair.publicJwk) },
    target,
  });
  await compare(ctx, {
    name: `jwe open ${label} X25519`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: { name: 'raw AES-256-GCM', fn: raw.decrypt },
    sealwire: { name: 'open', fn: () => open(sealed, pair.privateJwk) },
    target,
  });
  if (size > MiB) return;
  const publicKey = await joseKey(pair.publicJwk, 'ECDH-ES+A256KW');
  const privateKey = await joseKey(pair.privateJwk, 'ECDH-ES+A256KW');
  const theirs = await new jose.CompactEncrypt(payload)
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
    .encrypt(publicKey);
  await compare(ctx, {
    name: `jwe seal ${label} X25519 vs jose`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: {
      name: 'jose CompactEncrypt',
      fn: () =>
        new jose.CompactEncrypt(payload)
          .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
          .encrypt(publicKey),
    },
    sealwire: { name: 'seal', fn: () => seal(payload, pair.publicJwk) },
  });
  await compare(ctx, {
    name: `jwe open ${label} X25519 vs jose`,
    unit: 'MB/s',
    bytesPerOp: size,
    baseline: { name: 'jose compactDecrypt', fn: () => jose.compactDecrypt(theirs, privateKey) },
    sealwire: { name: 'open', fn: () => open(sealed, pair.privateJwk) },
  });
}

async function manyRecipients(ctx: Context, count: number): Promise<void> {
  const pairs = await Promise.all(Array.from({ length: count }, () => generateKeyPair('X25519')));
  const payload = randomBytes(KiB);
  const publicKeys = await Promise.all(pairs.map((pair) => joseKey(pair.publicJwk, 'ECDH-ES+A256KW')));
  const last = pairs[count - 1]!;
  const lastPrivate = await joseKey(last.privateJwk, 'ECDH-ES+A256KW');
  const joseSeal = () => {
    const encrypt = new jose.GeneralEncrypt(payload).setProtectedHeader({ enc: 'A256GCM' });
    for (const key of publicKeys) encrypt.addRecipient(key).setUnprotectedHeader({ alg: 'ECDH-ES+A256KW' });
    return encrypt.encrypt();
  };
  const theirs = await joseSeal();
  const ours = (await seal(
    payload,
    pairs.map((pair) => pair.publicJwk),
    { serialization: 'json' },
  )) as GeneralJwe;
  await compare(ctx, {
    name: `jwe seal 1 KiB to ${count} recipients X25519`,
    unit: 'ops/s',
    baseline: { name: 'jose GeneralEncrypt', fn: joseSeal },
    sealwire: {
      name: 'seal',
      fn: () =>
        seal(
          payload,
          pairs.map((pair) => pair.publicJwk),
          { serialization: 'json' },
        ),
    },
  });
  await compare(ctx, {
    name: `jwe open 1 KiB of ${count} recipients (last slot)`,
    unit: 'ops/s',
    baseline: { name: 'jose generalDecrypt', fn: () => jose.generalDecrypt(theirs, lastPrivate) },
    sealwire: { name: 'open (kid)', fn: () => open(ours, last.privateJwk) },
  });
}

async function keyGeneration(ctx: Context): Promise<void> {
  const cases: [
    string,
    Parameters<typeof generateKeyPair>[0],
    number | undefined,
    string,
    jose.GenerateKeyPairOptions,
  ][] = [
    ['X25519', 'X25519', undefined, 'ECDH-ES', { crv: 'X25519', extractable: true }],
    ['P-256', 'P-256', undefined, 'ECDH-ES', { crv: 'P-256', extractable: true }],
    ['Ed25519', 'Ed25519', undefined, 'EdDSA', { crv: 'Ed25519', extractable: true }],
    ['RSA-2048', 'RSA-OAEP-256', 2048, 'RSA-OAEP-256', { modulusLength: 2048, extractable: true }],
    ['RSA-4096', 'RSA-OAEP-256', 4096, 'RSA-OAEP-256', { modulusLength: 4096, extractable: true }],
  ];
  for (const [label, kind, bits, alg, options] of cases) {
    const slow = label.startsWith('RSA');
    await compare(ctx, {
      name: `keys generate ${label}`,
      unit: 'ops/s',
      baseline: { name: 'jose generateKeyPair', fn: () => jose.generateKeyPair(alg, options) },
      sealwire: {
        name: 'generateKeyPair',
        fn: () => generateKeyPair(kind, bits === undefined ? {} : { bits: bits as 2048 | 4096 }),
      },
      ...(slow ? { maxOpsPerRound: label === 'RSA-4096' ? 2 : 10 } : {}),
    });
  }
}

export const joseSuite: Suite = {
  name: 'jose',
  async run(ctx) {
    if (ctx.wants('jwe seal 1 KiB') || ctx.wants('jwe open 1 KiB')) {
      await smallMessages(ctx, 'ECDH-ES+A256KW X25519', await generateKeyPair('X25519'), 'ECDH-ES+A256KW');
      await smallMessages(
        ctx,
        'RSA-OAEP-256 4096',
        await generateKeyPair('RSA-OAEP-256', { bits: 4096 }),
        'RSA-OAEP-256',
      );
    }
    if (
      ctx.wants('jwe seal 1 MiB') ||
      ctx.wants('jwe open 1 MiB') ||
      ctx.wants('jwe seal 16 MiB') ||
      ctx.wants('jwe open 16 MiB')
    ) {
      const pair = await generateKeyPair('X25519');
      await largeMessages(ctx, MiB, '1 MiB', pair);
      await largeMessages(ctx, 16 * MiB, '16 MiB', pair);
    }
    for (const count of [1, 10, 100]) {
      if (
        ctx.wants(`jwe seal 1 KiB to ${count} recipients`) ||
        ctx.wants(`jwe open 1 KiB of ${count} recipients`)
      )
        await manyRecipients(ctx, count);
    }
    if (ctx.wants('keys generate')) await keyGeneration(ctx);
  },
};
