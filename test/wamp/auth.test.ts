/** Authentication (anonymous, ticket, WAMP-CRA plain and salted, cryptosign) and role-based authorization. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  type ClientAuth,
  connect,
  cryptosignPublicKey,
  SessionClosedError,
  type WampClient,
  WampError,
} from 'sealwire/wamp';
import { startRouter, type TestRouter } from './helpers.ts';
import { rawPeer } from './raw.ts';

const seed = randomBytes(32).toString('hex');
const otherSeed = randomBytes(32).toString('hex');
let router: TestRouter;
const clients: WampClient[] = [];

before(async () => {
  router = await startRouter({
    realms: [
      {
        name: 'secure',
        ticket: { alice: { ticket: 'alice-ticket', role: 'user' } },
        wampcra: {
          bob: { secret: 'bob-secret', role: 'user' },
          salty: { secret: 'salty-secret', role: 'admin', salt: 'pepper', iterations: 100, keylen: 32 },
        },
        cryptosign: { carol: { authorizedKeys: [cryptosignPublicKey(seed)], role: 'user' } },
        roles: [
          {
            name: 'user',
            permissions: [
              {
                uri: 'com.app.',
                match: 'prefix',
                publish: true,
                subscribe: true,
                call: true,
                register: false,
              },
              {
                uri: 'com.app.admin.',
                match: 'prefix',
                publish: false,
                subscribe: false,
                call: false,
                register: false,
              },
            ],
          },
          {
            name: 'admin',
            permissions: [
              {
                uri: 'com.app.',
                match: 'prefix',
                publish: true,
                subscribe: true,
                call: true,
                register: true,
              },
            ],
          },
        ],
      },
      { name: 'realm1', anonymous: { role: 'anonymous' } },
    ],
  });
});

after(async () => {
  for (const created of clients) await created.close(500);
  await router.close();
});

async function join(auth: ClientAuth, realm = 'secure'): Promise<WampClient> {
  const created = await connect({ url: router.url, realm, auth, reconnect: false });
  clients.push(created);
  return created;
}

function refused(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SessionClosedError, `expected SessionClosedError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.equal(error.code, 'ERR_SESSION_CLOSED');
    return true;
  };
}

test('ticket: the right ticket joins with its role; a wrong or unknown one is refused', async () => {
  const alice = await join({ method: 'ticket', authid: 'alice', ticket: 'alice-ticket' });
  assert.equal(alice.session?.authrole, 'user');
  assert.equal(alice.session?.authmethod, 'ticket');
  await assert.rejects(
    join({ method: 'ticket', authid: 'alice', ticket: 'wrong' }),
    refused('wamp.error.authentication_failed'),
  );
  await assert.rejects(
    join({ method: 'ticket', authid: 'mallory', ticket: 'alice-ticket' }),
    refused('wamp.error.authentication_failed'),
  );
});

test('WAMP-CRA: plain and salted secrets; a wrong secret is refused', async () => {
  const bob = await join({ method: 'wampcra', authid: 'bob', secret: 'bob-secret' });
  assert.equal(bob.session?.authmethod, 'wampcra');
  const salty = await join({ method: 'wampcra', authid: 'salty', secret: 'salty-secret' });
  assert.equal(salty.session?.authrole, 'admin');
  await assert.rejects(
    join({ method: 'wampcra', authid: 'bob', secret: 'nope' }),
    refused('wamp.error.authentication_failed'),
  );
});

test('cryptosign: an authorized Ed25519 key joins; another key is refused', async () => {
  const carol = await join({ method: 'cryptosign', authid: 'carol', privateKey: seed });
  assert.equal(carol.session?.authmethod, 'cryptosign');
  assert.equal(carol.session?.authid, 'carol');
  // Without an authid the router finds the principal by the announced public key.
  const byKey = await join({ method: 'cryptosign', privateKey: seed });
  assert.equal(byKey.session?.authid, 'carol');
  await assert.rejects(
    join({ method: 'cryptosign', authid: 'carol', privateKey: otherSeed }),
    refused('wamp.error.authentication_failed'),
  );
});

test('a forged cryptosign signature is refused', async () => {
  const peer = await rawPeer(router.url);
  peer.send([
    1,
    'secure',
    {
      roles: { caller: {} },
      authmethods: ['cryptosign'],
      authid: 'carol',
      authextra: { pubkey: cryptosignPublicKey(seed) },
    },
  ]);
  const challenge = await peer.next(4);
  peer.send([5, '00'.repeat(64) + (challenge[2] as { challenge: string }).challenge, {}]);
  const abort = await peer.next(3);
  assert.equal(abort[2], 'wamp.error.authentication_failed');
  assert.equal((await peer.closed).code, 1002);
});

test('anonymous is refused where not configured; unknown realms are refused', async () => {
  await assert.rejects(join({ method: 'anonymous' }), refused('wamp.error.no_auth_method'));
  await assert.rejects(join({ method: 'anonymous' }, 'nowhere'), refused('wamp.error.no_such_realm'));
});

test('authorization: roles map URI patterns to actions; the most specific rule wins; deny by default', async () => {
  const alice = await join({ method: 'ticket', authid: 'alice', ticket: 'alice-ticket' });
  const admin = await join({ method: 'wampcra', authid: 'salty', secret: 'salty-secret' });
  const denied = (error: unknown) => error instanceof WampError && error.uri === 'wamp.error.not_authorized';
  await alice.subscribe('com.app.news', () => {});
  await alice.publish('com.app.news', [1], undefined, { acknowledge: true });
  await assert.rejects(
    alice.register('com.app.proc', () => 1),
    denied,
  );
  await assert.rejects(
    alice.subscribe('com.app.admin.audit', () => {}),
    denied,
  );
  await assert.rejects(alice.publish('com.other.topic', [], undefined, { acknowledge: true }), denied);
  await admin.register('com.app.proc', () => 'ok');
  assert.deepEqual((await alice.call('com.app.proc')).args, ['ok']);
  await assert.rejects(alice.call('com.app.admin.reset'), denied);
});

test('a HELLO must be the first message and the handshake has a deadline', async () => {
  const early = await rawPeer(router.url);
  early.send([32, 1, {}, 'com.app.x']);
  const abort = await early.next(3);
  assert.equal(abort[2], 'wamp.error.protocol_violation');
  const slow = await startRouter({ limits: { handshakeTimeoutMs: 100 } });
  try {
    const idle = await rawPeer(slow.url);
    const closed = await idle.closed;
    assert.equal(closed.code, 1002);
  } finally {
    await slow.close();
  }
});
