/**
 * The browser path (WebCrypto + @noble) and the Node path (node:crypto) produce and accept the same bytes:
 * a child process runs Sealwire under the `sealwire-web` condition and exchanges messages with this one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair, protectPrivateKey, unprotectPrivateKey } from 'sealwire/keys';
import { type GeneralJwe, open, seal, verify } from 'sealwire/seal';

test('Node runtime <-> WebCrypto runtime: seal, open, sign, verify, key files', {
  timeout: 120_000,
}, async () => {
  const pairs: KeyPair[] = [
    await generateKeyPair('X25519'),
    await generateKeyPair('P-256'),
    await generateKeyPair('RSA-OAEP-256', { bits: 2048 }),
  ];
  const signer = await generateKeyPair('Ed25519');
  const sealedByNode = await Promise.all(
    pairs.map(async (pair) => ({
      kind: pair.kind,
      jwe: await seal(`node to ${pair.kind}`, pair.publicJwk, { sign: signer.privateJwk }),
    })),
  );
  sealedByNode.push({
    kind: 'X25519',
    jwe: (await seal(
      'node to all',
      pairs.map((p) => p.publicJwk),
      { sign: signer.privateJwk },
    )) as never,
  });
  const input = {
    keys: pairs.map((pair) => ({ kind: pair.kind, privateJwk: pair.privateJwk })),
    sealedByNode,
    nodeSigner: signer.publicJwk,
    nodePublicKeys: pairs.map((pair) => pair.publicJwk),
    protectedFile: await protectPrivateKey(signer.privateJwk, 'pw from node'),
  };
  const script = fileURLToPath(new URL('./web-peer.script.ts', import.meta.url));
  const output = execFileSync(
    process.execPath,
    ['--conditions=sealwire-source', '--conditions=sealwire-web', '--import', 'tsx', script],
    {
      input: JSON.stringify(input),
      maxBuffer: 32 << 20,
      timeout: 110_000,
    },
  );
  const web = JSON.parse(output.toString());
  assert.equal(web.runtime, 'web', 'the child must run the WebCrypto runtime');
  assert.deepEqual(web.openedFromNode, [
    'node to X25519',
    'node to P-256',
    'node to RSA-OAEP-256',
    'node to all',
  ]);
  for (const [index, pair] of pairs.entries()) {
    const result = await open(web.sealedByWeb[index], pair.privateJwk, { from: web.webSigner });
    assert.equal(new TextDecoder().decode(result.plaintext), `web to ${pair.publicJwk.kty}`);
    const general = await open(web.general as GeneralJwe, pair.privateJwk);
    assert.ok(general.plaintext.length === 300_000 && general.plaintext.every((byte) => byte === 7));
  }
  assert.equal(web.roundTrip, 'self');
  assert.equal(web.pemRoundTrip, true);
  assert.equal(web.fileFromNodeKid, signer.kid);
  assert.equal((await unprotectPrivateKey(web.fileFromWeb, 'pw from web')).kid, web.fileFromWebKid);
  assert.equal(new TextDecoder().decode((await verify(web.jws, web.edPublic)).payload), 'web signed');
});
