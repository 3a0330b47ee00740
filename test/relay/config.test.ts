/** Relay configuration: YAML and JSON, validation errors that name the path, env and flag overrides. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, hasOpenRealm, loadConfig, validateConfig } from 'sealwire/relay';

function rejects(document: unknown, pattern: RegExp, env: Record<string, string> = {}) {
  assert.throws(
    () => validateConfig(document, env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.code, 'ERR_CONFIG');
      assert.match(error.message, pattern);
      return true;
    },
  );
}

test('defaults: 127.0.0.1:8080, realm1 anonymous with full permissions, /ws', () => {
  const config = validateConfig({});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.wamp.path, '/ws');
  assert.deepEqual(config.wamp.realms, DEFAULT_CONFIG.wamp.realms);
  assert.equal(config.wamp.embeddedDefault, true);
  assert.equal(hasOpenRealm(config), true);
});

test('a full YAML file loads; secrets can come from the environment', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-relay-'));
  const file = join(dir, 'relay.yaml');
  await writeFile(
    file,
    `host: 0.0.0.0
port: 9000
logLevel: warn
wamp:
  path: /wamp
  limits: { maxMessageBytes: 65536, maxSessions: 100 }
  realms:
    - name: app
      ticket:
        alice: { ticketEnv: ALICE_TICKET, role: user }
      wampcra:
        bob: { secret: s3cret, role: user, salt: salt, iterations: 100 }
      cryptosign:
        dev: { authorizedKeys: ["${'ab'.repeat(32)}"], role: device }
      roles:
        - name: user
          permissions:
            - { uri: com.app., match: prefix, allow: [publish, subscribe, call] }
        - name: device
          permissions:
            - { uri: com.app.telemetry, publish: true }
`,
  );
  const config = await loadConfig({ file, env: { ALICE_TICKET: 'from-env' } });
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 9000);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.wamp.path, '/wamp');
  assert.equal(config.wamp.limits.maxMessageBytes, 65536);
  assert.equal(config.wamp.limits.maxSendQueueBytes, DEFAULT_CONFIG.wamp.limits.maxSendQueueBytes);
  const realm = config.wamp.realms[0]!;
  assert.equal(realm.ticket?.alice?.ticket, 'from-env');
  assert.equal(realm.wampcra?.bob?.iterations, 100);
  assert.deepEqual(realm.roles?.[0]?.permissions[0], {
    uri: 'com.app.',
    match: 'prefix',
    publish: true,
    subscribe: true,
    call: true,
  });
  assert.equal(hasOpenRealm(config), false);
});

test('JSON files load too; env overrides the file and flags override env', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-relay-'));
  const file = join(dir, 'relay.json');
  await writeFile(file, JSON.stringify({ port: 7000, logLevel: 'info' }));
  const fromEnv = await loadConfig({
    file,
    env: { SEALWIRE_RELAY_PORT: '7100', SEALWIRE_RELAY_HOST: '::1', SEALWIRE_RELAY_LOG_LEVEL: 'debug' },
  });
  assert.equal(fromEnv.port, 7100);
  assert.equal(fromEnv.host, '::1');
  assert.equal(fromEnv.logLevel, 'debug');
  const fromFlags = await loadConfig({
    env: { SEALWIRE_RELAY_CONFIG: file, SEALWIRE_RELAY_PORT: '7100' },
    flags: { port: '7200', host: '127.0.0.2' },
  });
  assert.equal(fromFlags.port, 7200);
  assert.equal(fromFlags.host, '127.0.0.2');
});

test('errors name the path and say what is expected', async () => {
  rejects({ prot: 1 }, /the document\.prot is not a known setting/);
  rejects({ port: 70000 }, /port must be an integer from 0 to 65535/);
  rejects({ logLevel: 'loud' }, /logLevel must be one of/);
  rejects({ wamp: { path: 'ws' } }, /wamp\.path must start with \//);
  rejects({ wamp: { limits: { maxSessions: -1 } } }, /wamp\.limits\.maxSessions must be an integer/);
  rejects({ wamp: { limits: { maxSesions: 1 } } }, /wamp\.limits\.maxSesions is not a known setting/);
  rejects({ wamp: { realms: [] } }, /wamp\.realms must be a non-empty list/);
  rejects({ wamp: { realms: [{ name: 'r' }] } }, /wamp\.realms\[0\] allows no authentication method/);
  rejects(
    { wamp: { realms: [{ name: 'bad realm', anonymous: true }] } },
    /wamp\.realms\[0\]\.name must be a WAMP URI/,
  );
  rejects(
    { wamp: { realms: [{ name: 'r', ticket: { a: { role: 'x' } } }] } },
    /wamp\.realms\[0\]\.ticket\.a\.ticket must be a non-empty string/,
  );
  rejects(
    { wamp: { realms: [{ name: 'r', ticket: { a: { ticketEnv: 'NOPE', role: 'x' } } }] } },
    /environment variable NOPE is not set/,
  );
  rejects(
    { wamp: { realms: [{ name: 'r', cryptosign: { d: { authorizedKeys: ['xyz'], role: 'x' } } }] } },
    /authorizedKeys\[0\] must be 64 hex/,
  );
  rejects(
    {
      wamp: {
        realms: [
          { name: 'r', anonymous: true, roles: [{ name: 'x', permissions: [{ uri: 'a', match: 'regex' }] }] },
        ],
      },
    },
    /roles\[0\]\.permissions\[0\]\.match must be exact, prefix or wildcard/,
  );
  rejects(
    {
      wamp: {
        realms: [
          { name: 'r', anonymous: true },
          { name: 'r', anonymous: true },
        ],
      },
    },
    /realm r is configured twice/,
  );
  const dir = await mkdtemp(join(tmpdir(), 'sealwire-relay-'));
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'port: [unclosed');
  await assert.rejects(loadConfig({ file: broken }), /config: .*broken\.yaml is not valid YAML/);
  await assert.rejects(
    loadConfig({ file: join(dir, 'missing.yaml') }),
    /config: cannot read .*missing\.yaml: ENOENT/,
  );
  await assert.rejects(
    loadConfig({ env: { SEALWIRE_RELAY_PORT: 'eighty' } }),
    /SEALWIRE_RELAY_PORT must be an integer/,
  );
});
