/**
 * Runs under `--conditions=sealwire-web` (WebCrypto runtime, the browser WebSocket module): a WAMP
 * subscriber and callee with cryptobox and JOSE codecs. Prints READY, then one EVENT line per event, and
 * exits after two events and two calls. Node 20 has no global WebSocket, so `ws` is passed in explicitly.
 */
import { open, seal } from 'sealwire/seal';
import { CryptoboxKeyring, connect, createJoseCodec, type WebSocketConstructor } from 'sealwire/wamp';
import WebSocket from 'ws';
import { runtime } from '#runtime';

const input = JSON.parse(process.argv[2]!) as { url: string; boxKey: string; readerPrivateJwk: never };
const WebSocketImpl = WebSocket as unknown as WebSocketConstructor;
let remaining = 4;
const done = () => {
  if (--remaining === 0) setTimeout(() => process.exit(0), 100);
};
setTimeout(() => process.exit(3), 20_000).unref();

const box = await connect({
  url: input.url,
  realm: 'realm1',
  serializer: 'msgpack',
  reconnect: false,
  WebSocket: WebSocketImpl,
  payloadCodec: new CryptoboxKeyring().setKey('com.rt.box', input.boxKey),
});
const jose = await connect({
  url: input.url,
  realm: 'realm1',
  serializer: 'cbor',
  reconnect: false,
  WebSocket: WebSocketImpl,
  payloadCodec: createJoseCodec(
    { seal, open },
    { keySets: [{ prefix: 'com.rt.jose', privateKeys: [input.readerPrivateJwk] }] },
  ),
});
for (const [kind, client] of [
  ['box', box],
  ['jose', jose],
] as const) {
  await client.subscribe(`com.rt.${kind}.t`, (event) => {
    process.stdout.write(`EVENT ${JSON.stringify({ kind, args: event.args, encrypted: event.encrypted })}\n`);
    done();
  });
  await client.register(`com.rt.${kind}.echo`, ({ args, encrypted }) => {
    done();
    return { echo: args[0], encrypted, runtime: runtime.name };
  });
}
process.stdout.write(`READY ${runtime.name}\n`);
