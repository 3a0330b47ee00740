/**
 * Payload codecs end to end through the router: tampering, URI substitution and cleartext downgrades are
 * refused with typed errors and never reach handlers; JOSE seals one event for many subscribers and RPC
 * results for the caller's ephemeral key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPair, type KeyPair } from 'sealwire/keys';
import { open, seal } from 'sealwire/seal';
import {
  CryptoboxKeyring,
  connect,
  createJoseCodec,
  type EventInfo,
  JOSE_PPT_SCHEME,
  type PayloadCodec,
  type WampClient,
  WampError,
  type WampMessage,
} from 'sealwire/wamp';
import { startRouter, type TestRouter, waitFor, within } from './helpers.ts';
import { joinedPeer } from './raw.ts';

let router: TestRouter;
const received: WampMessage[] = [];
const clients: WampClient[] = [];
const pairs = { originator: CryptoboxKeyring.generateKey(), responder: CryptoboxKeyring.generateKey() };
const originatorRing = () =>
  new CryptoboxKeyring().setKey('com.box', {
    originatorPriv: pairs.originator.privateKey,
    responderPub: pairs.responder.publicKey,
  });
const responderRing = () =>
  new CryptoboxKeyring().setKey('com.box', {
    originatorPub: pairs.originator.publicKey,
    responderPriv: pairs.responder.privateKey,
  });

before(async () => {
  router = await startRouter({}, { received: (_frame, message) => void received.push(message) });
});

after(async () => {
  for (const created of clients) await created.close(500);
  await router.close();
});

async function client(codec?: PayloadCodec, errors?: Error[]): Promise<WampClient> {
  const created = await connect({
    url: router.url,
    realm: 'realm1',
    serializer: 'cbor',
    reconnect: false,
    ...(codec ? { payloadCodec: codec } : {}),
    ...(errors ? { onError: (error: Error) => void errors.push(error) } : {}),
  });
  clients.push(created);
  return created;
}

function hasUri(errors: Error[], uri: string): boolean {
  return errors.some((error) => error instanceof WampError && error.uri === uri);
}

test('cryptobox: a flipped ciphertext bit is refused (decrypt_error), the handler never runs', async () => {
  const errors: Error[] = [];
  const events: EventInfo[] = [];
  const subscriber = await client(responderRing(), errors);
  await subscriber.subscribe('com.box.tamper', (event) => void events.push(event));
  const publisher = await client(originatorRing());
  // Encrypt with the real codec, then flip one bit as a hostile router would.
  const encoded = originatorRing().encode({
    kind: 'publish',
    uri: 'com.box.tamper',
    args: ['x'],
    kwargs: undefined,
  })!;
  const ciphertext = new Uint8Array(encoded.elements[0] as Uint8Array);
  ciphertext[ciphertext.length - 1]! ^= 1;
  const raw = await joinedPeer(router.url, 'msgpack');
  raw.send([16, 1, { ...encoded.options, acknowledge: true }, 'com.box.tamper', ciphertext]);
  await raw.next(17);
  await waitFor(() => hasUri(errors, 'wamp.error.encryption.decrypt_error'));
  assert.equal(events.length, 0);
  await publisher.publish('com.box.tamper', ['intact'], undefined, { acknowledge: true });
  await waitFor(() => events.length === 1);
  assert.deepEqual(events[0]!.args, ['intact']);
  raw.close();
});

test('cryptobox: a ciphertext replayed under another topic is refused (trusted_uri_mismatch)', async () => {
  const errors: Error[] = [];
  const events: EventInfo[] = [];
  const subscriber = await client(responderRing(), errors);
  await subscriber.subscribe('com.box.target', (event) => void events.push(event));
  const encoded = originatorRing().encode({
    kind: 'publish',
    uri: 'com.box.other',
    args: ['moved'],
    kwargs: undefined,
  })!;
  const raw = await joinedPeer(router.url, 'json');
  raw.send([16, 1, { ...encoded.options, acknowledge: true }, 'com.box.target', encoded.elements[0]]);
  await raw.next(17);
  await waitFor(() => hasUri(errors, 'wamp.error.encryption.trusted_uri_mismatch'));
  assert.equal(events.length, 0);
  raw.close();
});

test('downgrade: cleartext on an encrypted topic, and a cleartext result for an encrypted call, are refused', async () => {
  const errors: Error[] = [];
  const events: EventInfo[] = [];
  const subscriber = await client(responderRing(), errors);
  await subscriber.subscribe('com.box.plain', (event) => void events.push(event));
  const raw = await joinedPeer(router.url, 'json');
  raw.send([16, 1, { acknowledge: true }, 'com.box.plain', ['injected']]);
  await raw.next(17);
  await waitFor(() => hasUri(errors, 'wamp.error.encryption.decrypt_error'));
  assert.equal(events.length, 0);
  // A callee (here: a hostile peer) that answers an encrypted call in the clear.
  raw.send([64, 2, {}, 'com.box.liar']);
  await raw.next(65);
  const caller = await client(originatorRing());
  const call = caller.call('com.box.liar', ['q']);
  const invocation = await raw.next(68);
  assert.equal((invocation[3] as Record<string, unknown>).enc_algo, 'cryptobox');
  raw.send([70, invocation[1], {}, ['forged']]);
  await assert.rejects(
    call,
    (error: unknown) => error instanceof WampError && error.uri === 'wamp.error.encryption.decrypt_error',
  );
  raw.close();
});

test('cryptobox: a callee without keys answers decrypt_error; the caller gets an error, not a hang', async () => {
  const callee = await client(new CryptoboxKeyring());
  // allowClear: a keyless ring refuses the registration itself otherwise (it could only answer in the clear).
  await callee.register('com.box.nokey', () => 'never', { allowClear: true });
  const caller = await client(originatorRing());
  await assert.rejects(
    within(caller.call('com.box.nokey'), 3000, 'error'),
    (error: unknown) => error instanceof WampError && error.uri === 'wamp.error.encryption.decrypt_error',
  );
});

test('jose: one PUBLISH sealed once for three subscribers, each opening with its own key; an outsider cannot', async () => {
  const readers: KeyPair[] = await Promise.all([
    generateKeyPair('X25519'),
    generateKeyPair('P-256'),
    generateKeyPair('X25519'),
  ]);
  const outsider = await generateKeyPair('X25519');
  const publisher = await client(
    createJoseCodec(
      { seal, open },
      {
        keySets: [
          { prefix: 'com.jose.', recipients: readers.map((pair) => pair.publicJwk), keyId: 'team-1' },
        ],
      },
    ),
  );
  const got: EventInfo[] = [];
  for (const reader of readers) {
    const sub = await client(
      createJoseCodec(
        { seal, open },
        { keySets: [{ prefix: 'com.jose.', privateKeys: [reader.privateJwk] }] },
      ),
    );
    await sub.subscribe('com.jose.news', (event) => void got.push(event));
  }
  const outsiderErrors: Error[] = [];
  const spy = await client(
    createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: 'com.jose.', privateKeys: [outsider.privateJwk] }] },
    ),
    outsiderErrors,
  );
  const spied: EventInfo[] = [];
  await spy.subscribe('com.jose.news', (event) => void spied.push(event));
  received.length = 0;
  await publisher.publish('com.jose.news', ['for three'], { n: 3 }, { acknowledge: true });
  await waitFor(() => got.length === 3 && outsiderErrors.length === 1);
  for (const event of got) {
    assert.deepEqual(event.args, ['for three']);
    assert.deepEqual(event.kwargs, { n: 3 });
    assert.equal(event.encrypted, true);
    assert.equal(event.details.ppt_scheme, JOSE_PPT_SCHEME);
    assert.equal(event.details.ppt_keyid, 'team-1');
  }
  assert.equal(spied.length, 0);
  assert.ok(
    outsiderErrors[0] instanceof WampError && outsiderErrors[0].uri === 'wamp.error.encryption.decrypt_error',
  );
  const publishes = received.filter((message) => message[0] === 16);
  assert.equal(publishes.length, 1, 'sealed once, one PUBLISH');
  const sealed = JSON.parse(Buffer.from((publishes[0]![4] as Uint8Array[])[0]!).toString('utf8'));
  assert.equal(sealed.recipients.length, 3);
});

test("jose RPC: the result is sealed for the caller's ephemeral key, fresh for every call", async () => {
  const service = await generateKeyPair('X25519');
  const callee = await client(
    createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: 'com.jose.', privateKeys: [service.privateJwk] }] },
    ),
  );
  await callee.register('com.jose.balance', ({ args, encrypted }) => {
    assert.equal(encrypted, true);
    return { account: args[0], balance: 42 };
  });
  // Record the caller-side state (the ephemeral private key) the codec keeps per call.
  const inner = createJoseCodec(
    { seal, open },
    { keySets: [{ prefix: 'com.jose.', recipients: [service.publicJwk] }] },
  );
  const states: Array<{ x?: string }> = [];
  const recording: PayloadCodec = {
    name: inner.name,
    wireForm: inner.wireForm,
    covers: (kind, uri) => inner.covers?.(kind, uri) ?? false,
    decode: (request) => inner.decode(request),
    async encode(request) {
      const encoded = await inner.encode(request);
      if (encoded?.state !== undefined) states.push(encoded.state as { x?: string });
      return encoded;
    },
  };
  const caller = await client(recording);
  received.length = 0;
  const first = await caller.call('com.jose.balance', ['acct-1']);
  const second = await caller.call('com.jose.balance', ['acct-2']);
  assert.deepEqual(first.args, [{ account: 'acct-1', balance: 42 }]);
  assert.deepEqual(second.args, [{ account: 'acct-2', balance: 42 }]);
  assert.equal(first.encrypted, true);
  assert.equal(states.length, 2);
  assert.notEqual(states[0]!.x, states[1]!.x, 'each call gets its own reply key');
  // What went back through the router opens only with the caller's key, not even with the service's.
  const yields = received.filter((item) => item[0] === 70);
  assert.equal(yields.length, 2);
  const sealed = JSON.parse(Buffer.from((yields[0]![3] as unknown[])[0] as Uint8Array).toString('utf8'));
  await assert.rejects(open(sealed, service.privateJwk));
});

test('jose: signed payloads; a receiver that requires a signer refuses anyone else', async () => {
  const reader = await generateKeyPair('X25519');
  const signer = await generateKeyPair('Ed25519');
  const impostor = await generateKeyPair('Ed25519');
  const errors: Error[] = [];
  const events: EventInfo[] = [];
  const sub = await client(
    createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: 'com.signed.', privateKeys: [reader.privateJwk], senders: [signer.publicJwk] }] },
    ),
    errors,
  );
  await sub.subscribe('com.signed.t', (event) => void events.push(event));
  const good = await client(
    createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: 'com.signed.', recipients: [reader.publicJwk], signWith: signer.privateJwk }] },
    ),
  );
  const bad = await client(
    createJoseCodec(
      { seal, open },
      { keySets: [{ prefix: 'com.signed.', recipients: [reader.publicJwk], signWith: impostor.privateJwk }] },
    ),
  );
  await bad.publish('com.signed.t', ['forged'], undefined, { acknowledge: true });
  await good.publish('com.signed.t', ['genuine'], undefined, { acknowledge: true });
  await waitFor(() => events.length === 1 && errors.length === 1);
  assert.deepEqual(events[0]!.args, ['genuine']);
  assert.ok(errors[0] instanceof WampError && errors[0].uri === 'wamp.error.encryption.decrypt_error');
});

test('encrypt: true without a key for the URI is an error before anything is sent', async () => {
  const publisher = await client(originatorRing());
  await assert.rejects(
    publisher.publish('com.elsewhere', ['x'], undefined, { encrypt: true }),
    (error: unknown) => (error as { code?: string }).code === 'ERR_INVALID_ARGUMENT',
  );
});
