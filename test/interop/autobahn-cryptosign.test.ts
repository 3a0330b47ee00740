/** Autobahn|Python's WAMP-cryptosign (Ed25519) against the Sealwire router: accepted and refused. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { cryptosignPublicKey } from 'sealwire/wamp';
import { startRouter, type TestRouter } from '../wamp/helpers.ts';
import { PythonPeer } from './autobahn/driver.ts';

const seed = randomBytes(32).toString('hex');
let router: TestRouter;
const peers: PythonPeer[] = [];

before(async () => {
  router = await startRouter({
    realms: [
      {
        name: 'signed',
        cryptosign: { 'device-1': { authorizedKeys: [cryptosignPublicKey(seed)], role: 'device' } },
        roles: [
          {
            name: 'device',
            permissions: [{ uri: 'com.devices.', match: 'prefix', publish: true, subscribe: true }],
          },
        ],
      },
    ],
  });
});

after(async () => {
  for (const peer of peers) peer.kill();
  await router.close();
});

for (const serializer of ['json', 'msgpack', 'cbor'] as const) {
  test(`Autobahn|Python joins with cryptosign over ${serializer}`, async () => {
    const peer = new PythonPeer('join', {
      url: router.url,
      realm: 'signed',
      serializer,
      uri: 'com.devices.x',
      authid: 'device-1',
      cryptosignKey: seed,
    });
    peers.push(peer);
    const welcome = (await peer.waitFor('WELCOME')).value as Record<string, unknown>;
    assert.deepEqual(welcome, { authid: 'device-1', authrole: 'device', authmethod: 'cryptosign' });
  });
}

test('Autobahn|Python with a key the router does not know is refused', async () => {
  const peer = new PythonPeer('join', {
    url: router.url,
    realm: 'signed',
    serializer: 'json',
    uri: 'com.devices.x',
    authid: 'device-1',
    cryptosignKey: randomBytes(32).toString('hex'),
  });
  peers.push(peer);
  const code = await peer.exited;
  assert.notEqual(code, 0);
  assert.ok(!peer.markers.some((marker) => marker.tag === 'WELCOME'), 'no WELCOME');
  // Autobahn reports the router's ABORT as on_leave with its reason.
  const leave = await peer.waitFor('LEAVE');
  assert.equal((leave.value as { reason: string }).reason, 'wamp.error.authentication_failed');
});
