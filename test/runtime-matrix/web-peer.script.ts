/**
 * Runs under `--conditions=sealwire-web`, so every Sealwire module uses the WebCrypto runtime (the browser
 * path). Reads messages sealed by the Node runtime on stdin, opens them, and answers with messages of its own.
 */

import {
  exportPem,
  generateKeyPair,
  importKey,
  type PrivateJwk,
  type PublicJwk,
  protectPrivateKey,
  unprotectPrivateKey,
} from 'sealwire/keys';
import { type GeneralJwe, open, seal, sign } from 'sealwire/seal';
import { runtime } from '#runtime';

interface Input {
  keys: { kind: string; privateJwk: PrivateJwk }[];
  sealedByNode: { kind: string; jwe: string | GeneralJwe }[];
  nodeSigner: PublicJwk;
  nodePublicKeys: PublicJwk[];
  protectedFile: string;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString()) as Input;

const openedFromNode: string[] = [];
for (const { kind, jwe } of input.sealedByNode) {
  const key = input.keys.find((entry) => entry.kind === kind)!.privateJwk;
  const result = await open(jwe, key, { from: input.nodeSigner });
  openedFromNode.push(new TextDecoder().decode(result.plaintext));
}

const signer = await generateKeyPair('ES256');
const sealedByWeb = [];
for (const publicJwk of input.nodePublicKeys) {
  sealedByWeb.push(await seal(`web to ${publicJwk.kty}`, publicJwk, { sign: signer.privateJwk }));
}
const general = await seal(new Uint8Array(300_000).fill(7), input.nodePublicKeys);

const own = await generateKeyPair('X25519');
const roundTrip = new TextDecoder().decode(
  (await open(await seal('self', own.publicJwk), own.privateJwk)).plaintext,
);
const ed = await generateKeyPair('Ed25519');
const pem = await exportPem(ed.privateJwk);
const reimported = await importKey(pem);
const fileFromNode = await unprotectPrivateKey(input.protectedFile, 'pw from node');
const fileFromWeb = await protectPrivateKey(ed.privateJwk, 'pw from web');

process.stdout.write(
  JSON.stringify({
    runtime: runtime.name,
    openedFromNode,
    sealedByWeb,
    general,
    webSigner: signer.publicJwk,
    roundTrip,
    pemRoundTrip: (reimported as { d?: string }).d === ed.privateJwk.d,
    fileFromNodeKid: fileFromNode.kid,
    fileFromWeb,
    fileFromWebKid: ed.kid,
    jws: await sign('web signed', ed.privateJwk),
    edPublic: ed.publicJwk,
  }),
);
