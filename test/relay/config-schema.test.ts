/**
 * The relay configuration's schema: an unknown key is refused at every depth with its path, and each
 * default is the one its owner defines (the router's limits and realm, the tunnel relay's limits, the
 * tunnel's service-id rule, pino's log levels), never a copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { pino } from 'pino';
import { ConfigError, DEFAULT_CONFIG, type LogLevel, type RelayConfig, validateConfig } from 'sealwire/relay';
import { SERVICE_ID_PATTERN } from 'sealwire/tunnel';
import { DEFAULT_LIMITS, DEFAULT_REALMS, type RealmConfig, type RouterLimits } from 'sealwire/wamp/router';
import { LOG_LEVELS } from '../../src/relay/config/log-level.ts';
import { DEFAULT_TUNNEL_LIMITS, tunnelLimits } from '../../src/tunnel/forwarder/limits.ts';

const KEY = 'ab'.repeat(32);
const JWK = { kty: 'OKP', crv: 'Ed25519', x: 'm2mmdX0jN1lA3zLZ6jGkY1HHmQOt7uQ1qr9hGBz1Kgc' };

function message(document: unknown, env: Record<string, string> = {}): string {
  try {
    validateConfig(document, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(document)}`);
}

/** A realm with one of everything, and a stray key at the place named by `at`. */
function realm(at: string, name = 'app') {
  const stray = (place: string) => (place === at ? { colour: 'blue' } : {});
  return {
    name,
    ...stray('realm'),
    anonymous: { role: 'guest', ...stray('anonymous') },
    ticket: { alice: { ticket: 't', role: 'user', ...stray('ticket') } },
    wampcra: { bob: { secret: 's', role: 'user', ...stray('wampcra') } },
    cryptosign: { dev: { authorizedKeys: [KEY], role: 'device', ...stray('cryptosign') } },
    roles: [
      { name: 'guest', permissions: [] },
      {
        name: 'user',
        ...stray('role'),
        permissions: [{ uri: 'com.app.', match: 'prefix', ...stray('permission') }],
      },
    ],
  };
}

test('an unknown key is refused at every depth, named by its path, with the settings allowed there', () => {
  const cases: [unknown, string][] = [
    [{ colour: 'blue' }, 'the document.colour'],
    [{ wamp: { colour: 'blue' } }, 'wamp.colour'],
    [{ wamp: { limits: { colour: 1 } } }, 'wamp.limits.colour'],
    [{ wamp: { realms: [realm('realm')] } }, 'wamp.realms[0].colour'],
    [{ wamp: { realms: [realm('anonymous')] } }, 'wamp.realms[0].anonymous.colour'],
    [{ wamp: { realms: [realm('ticket')] } }, 'wamp.realms[0].ticket.alice.colour'],
    [{ wamp: { realms: [realm('wampcra')] } }, 'wamp.realms[0].wampcra.bob.colour'],
    [{ wamp: { realms: [realm('cryptosign')] } }, 'wamp.realms[0].cryptosign.dev.colour'],
    [{ wamp: { realms: [realm('none'), realm('role', 'app2')] } }, 'wamp.realms[1].roles[1].colour'],
    [{ wamp: { realms: [realm('permission')] } }, 'wamp.realms[0].roles[1].permissions[0].colour'],
    [{ tunnel: { colour: 'blue' } }, 'tunnel.colour'],
    [{ tunnel: { limits: { colour: 1 } } }, 'tunnel.limits.colour'],
    [{ tunnel: { services: { svc: { publicKey: JWK, colour: 1 } } } }, 'tunnel.services.svc.colour'],
    [
      { tunnel: { services: { svc: { publicKey: { ...JWK, d: 'private' } } } } },
      'tunnel.services.svc.publicKey.d',
    ],
  ];
  for (const [document, path] of cases) {
    const text = message(document);
    assert.ok(text.startsWith(`config: ${path} is not a known setting (allowed: `), text);
  }
  // Without the stray keys, the same document is valid.
  validateConfig({ wamp: { realms: [realm('none')] } });
  assert.match(message({ wamp: { colour: 1 } }), /\(allowed: path, limits, realms\)$/);
  assert.match(
    message({ tunnel: { limits: { maxPayload: 1 } } }),
    /tunnel\.limits\.maxPayload is not a known setting \(allowed: maxSessionsPerService, maxPendingPerService, handshakeTimeoutMs, idleTimeoutMs\)/,
  );
});

test('a misspelt key is reported before the setting it leaves missing', () => {
  assert.match(
    message({ wamp: { realms: [{ nmae: 'app', anonymous: true }] } }),
    /^config: wamp\.realms\[0\]\.nmae is not a known setting/,
  );
  assert.match(
    message({ wamp: { realms: [{ name: 'app', ticket: { alice: { tiket: 't', role: 'user' } } }] } }),
    /^config: wamp\.realms\[0\]\.ticket\.alice\.tiket is not a known setting/,
  );
});

test('a required setting left out, a list given for a mapping, a reserved name: each named by its path', () => {
  assert.equal(
    message({ wamp: { realms: [{ anonymous: true }] } }),
    'config: wamp.realms[0].name must be a non-empty string',
  );
  assert.equal(
    message({ tunnel: { services: { svc: {} } } }),
    'config: tunnel.services.svc.publicKey must be a mapping',
  );
  assert.equal(message({ wamp: [] }), 'config: wamp must be a mapping');
  assert.equal(message([]), 'config: the document must be a mapping');
  assert.equal(
    message({
      wamp: { realms: [{ name: 'app', ticket: { alice: { ticket: 't', ticketEnv: 'T', role: 'u' } } }] },
    }),
    'config: wamp.realms[0].ticket.alice: give ticket or ticketEnv, not both',
  );
  assert.equal(
    message({
      wamp: {
        realms: [
          {
            name: 'app',
            anonymous: true,
            roles: [{ name: 'r', permissions: [{ uri: 'a', allow: ['fly'] }] }],
          },
        ],
      },
    }),
    'config: wamp.realms[0].roles[0].permissions[0].allow: unknown action "fly" (publish, subscribe, call, register)',
  );
  // valibot's record would drop these names without a word; a service id `prototype` must not vanish.
  assert.equal(
    message({ tunnel: { services: { prototype: { publicKey: JWK } } } }),
    'config: tunnel.services.prototype cannot be used: prototype is a reserved name',
  );
});

test("defaults: the router's limits and realm, the tunnel relay's limits, each defined once", () => {
  const config = validateConfig({});
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.deepEqual(config.wamp.limits, DEFAULT_LIMITS);
  assert.deepEqual(config.wamp.realms, DEFAULT_REALMS);
  assert.notEqual(config.wamp.realms[0], DEFAULT_REALMS[0], 'a copy: changing it leaves the default alone');
  const { maxSessionsPerService, maxPendingPerService, handshakeTimeoutMs, idleTimeoutMs } =
    DEFAULT_TUNNEL_LIMITS;
  assert.deepEqual(config.tunnel.limits, {
    maxSessionsPerService,
    maxPendingPerService,
    handshakeTimeoutMs,
    idleTimeoutMs,
  });
  // A limit set in the file replaces its default alone.
  const tuned = validateConfig({
    tunnel: { limits: { maxSessionsPerService: 2 } },
    wamp: { limits: { maxSessions: 5 } },
  });
  assert.deepEqual(tuned.tunnel.limits, { ...config.tunnel.limits, maxSessionsPerService: 2 });
  assert.deepEqual(tuned.wamp.limits, { ...DEFAULT_LIMITS, maxSessions: 5 });
  // What TunnelForwarder fills in for options left out.
  assert.deepEqual(tunnelLimits({}), DEFAULT_TUNNEL_LIMITS);
  assert.deepEqual(tunnelLimits({ maxPayload: 1, idleTimeoutMs: undefined }), {
    ...DEFAULT_TUNNEL_LIMITS,
    maxPayload: 1,
  });
  // WAMP-CRA's iterations and key length are the router's to default, not the configuration's.
  const cra = validateConfig({
    wamp: { realms: [{ name: 'app', wampcra: { bob: { secret: 's', role: 'u', salt: 'x' } } }] },
  });
  assert.deepEqual(cra.wamp.realms[0]?.wampcra?.bob, { secret: 's', role: 'u', salt: 'x' });
});

test("service ids follow the tunnel's own rule", () => {
  for (const id of [
    'svc',
    'a',
    'my-service-2',
    'x'.repeat(63),
    'Svc',
    '-svc',
    'svc-',
    'a_b',
    'x'.repeat(64),
    'a.b',
  ]) {
    const document = { tunnel: { services: { [id]: { publicKey: JWK } } } };
    if (SERVICE_ID_PATTERN.test(id))
      assert.deepEqual(Object.keys(validateConfig(document).tunnel.services), [id]);
    else
      assert.equal(
        message(document),
        `config: tunnel.services.${id}: service ids are lower-case letters, digits and dashes`,
      );
  }
});

test("log levels are pino's, plus silent, and the configuration takes each of them", () => {
  assert.deepEqual([...LOG_LEVELS].sort(), [...Object.keys(pino.levels.values), 'silent'].sort());
  for (const logLevel of LOG_LEVELS) assert.equal(validateConfig({ logLevel }).logLevel, logLevel);
  expectTypeOf<LogLevel>().toEqualTypeOf<pino.LevelWithSilent>();
});

test('the configuration type is inferred from the schema and fits what the router and tunnel take', () => {
  expectTypeOf<RelayConfig['wamp']['realms']>().toEqualTypeOf<RealmConfig[]>();
  expectTypeOf<RelayConfig['wamp']['limits']>().toExtend<RouterLimits>();
  expectTypeOf<RelayConfig['logLevel']>().toEqualTypeOf<LogLevel>();
  expectTypeOf<RelayConfig['tunnel']['limits']['idleTimeoutMs']>().toEqualTypeOf<number>();
  expectTypeOf<RelayConfig['tunnel']['allowFirstUse']>().toEqualTypeOf<boolean>();
});
