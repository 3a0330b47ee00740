/**
 * The WAMP client's browser path (WebCrypto runtime, browser WebSocket module) and the Node path talk to
 * each other through the router: a child process under `--conditions=sealwire-web` subscribes and serves
 * procedures with cryptobox and JOSE codecs; this process (node runtime) publishes and calls.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from 'sealwire/keys';
import { open, seal } from 'sealwire/seal';
import { CryptoboxKeyring, connect, createJoseCodec } from 'sealwire/wamp';
import { startRouter, waitFor } from '../wamp/helpers.ts';

test('WAMP: node-runtime publisher/caller <-> web-runtime subscriber/callee, cryptobox and JOSE', {
  timeout: 60_000,
}, async () => {
  const router = await startRouter();
  const boxKey = CryptoboxKeyring.generateKey().privateKey;
  const reader = await generateKeyPair('X25519');
  const script = fileURLToPath(new URL('./wamp-web-peer.script.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--conditions=sealwire-source',
      '--conditions=sealwire-web',
      '--import',
      'tsx',
      script,
      JSON.stringify({ url: router.url, boxKey, readerPrivateJwk: reader.privateJwk }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => stdout.includes('READY') || child.exitCode !== null, 20_000, 'web peer ready');
    assert.match(stdout, /READY web/, stderr);
    const box = await connect({
      url: router.url,
      realm: 'realm1',
      reconnect: false,
      payloadCodec: new CryptoboxKeyring().setKey('com.rt.box', boxKey),
    });
    const jose = await connect({
      url: router.url,
      realm: 'realm1',
      serializer: 'msgpack',
      reconnect: false,
      payloadCodec: createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.rt.jose', recipients: [reader.publicJwk] }] },
      ),
    });
    await box.publish('com.rt.box.t', ['box event', 1], undefined, { acknowledge: true });
    await jose.publish('com.rt.jose.t', ['jose event', 2], undefined, { acknowledge: true });
    assert.deepEqual((await box.call('com.rt.box.echo', ['box call'])).args, [
      { echo: 'box call', encrypted: true, runtime: 'web' },
    ]);
    const joseResult = await jose.call('com.rt.jose.echo', ['jose call']);
    assert.deepEqual(joseResult.args, [{ echo: 'jose call', encrypted: true, runtime: 'web' }]);
    assert.equal(joseResult.encrypted, true);
    assert.equal(await exited, 0, stderr);
    const events = stdout
      .split('\n')
      .filter((line) => line.startsWith('EVENT '))
      .map((line) => JSON.parse(line.slice(6)));
    assert.deepEqual(
      events.sort((a, b) => a.kind.localeCompare(b.kind)),
      [
        { kind: 'box', args: ['box event', 1], encrypted: true },
        { kind: 'jose', args: ['jose event', 2], encrypted: true },
      ],
    );
    await box.close(500);
    await jose.close(500);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await router.close();
  }
});
