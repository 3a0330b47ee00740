/**
 * Keyring directories: keysets at rest in Tink's encrypted keyset format under a KEK (a local master key
 * file, or a key derived from a password with Argon2id, or any `Kms`), loaded by a service at start-up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ErrorCodes, SealwireError } from 'sealwire/errors';
import { FieldEncryption, type Kms, LocalKms } from 'sealwire/fields';
import { KeyringDirectory, loadKeyring } from 'sealwire/fields/node';
import { validateKeyset } from '../../src/fields/tink/keyset.ts';
import { AddressSchema, TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';
import { ADDRESS_KEY, BANKING_KEY, sampleTransaction } from './helpers.ts';

const root = await mkdtemp(join(tmpdir(), 'sealwire-keyring-'));
after(() => rm(root, { recursive: true, force: true }));

// OWASP's Argon2id minimum: fast enough for tests, the floor the library accepts when writing.
const CHEAP = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

function code(expected: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SealwireError, String(error));
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

test('a master-key keyring: files 0600, Tink encrypted keysets, loaded by a service', async () => {
  const dir = join(root, 'master');
  const masterKey = join(root, 'secrets', 'master-key.json');
  await (await import('node:fs/promises')).mkdir(join(root, 'secrets'));
  const directory = await KeyringDirectory.init(dir, { masterKeyFile: masterKey });
  await directory.create(ADDRESS_KEY);
  await directory.create(BANKING_KEY);
  assert.equal(await mode(masterKey), 0o600);
  assert.equal(await mode(join(dir, `${ADDRESS_KEY}.keyset.json`)), 0o600);
  assert.equal(await mode(join(dir, 'keyring.json')), 0o600);
  assert.deepEqual(
    (await readdir(dir)).sort(),
    [`${BANKING_KEY}.keyset.json`, 'keyring.json', `${ADDRESS_KEY}.keyset.json`].sort(),
  );
  // The file is Tink's EncryptedKeyset JSON; the key material is not in it in the clear.
  const file = JSON.parse(await readFile(join(dir, `${ADDRESS_KEY}.keyset.json`), 'utf8'));
  assert.deepEqual(Object.keys(file).sort(), ['encryptedKeyset', 'keysetInfo']);
  const keyset = await directory.read(ADDRESS_KEY);
  const keyBytes = Buffer.from(validateKeyset(keyset).keys[0]!.keyValue!);
  const text = await readFile(join(dir, `${ADDRESS_KEY}.keyset.json`), 'utf8');
  assert.equal(text.includes(keyBytes.toString('base64')), false);
  assert.equal(Buffer.from(file.encryptedKeyset, 'base64').includes(keyBytes), false);
  assert.equal(file.keysetInfo.keyInfo[0].keyId, keyset.primaryKeyId);

  // A service loads the directory (the KEK named in keyring.json) and works with it.
  const keyring = await loadKeyring(dir);
  assert.deepEqual(keyring.aliases, [BANKING_KEY, ADDRESS_KEY].sort());
  const fields = new FieldEncryption(keyring);
  const sealed = await fields.encrypt(TransactionSchema, sampleTransaction());
  // A service allowed only the address key loads just that one.
  const limited = new FieldEncryption(await loadKeyring(dir, { aliases: [ADDRESS_KEY] }));
  const { missing, message } = await limited.decryptPartially(TransactionSchema, sealed);
  assert.deepEqual(missing, [BANKING_KEY]);
  assert.equal(message.receiver!.mailingAddress!.state, 'WA');
  await assert.rejects(loadKeyring(dir, { aliases: ['nope'] }), code(ErrorCodes.INVALID_ARGUMENT));

  // Rotation persists; disabled keys refuse after a reload.
  const before = await fields.encrypt(AddressSchema, create(AddressSchema, { zip: '10001' }));
  const oldId = keyset.primaryKeyId;
  await directory.rotate(ADDRESS_KEY);
  await directory.disable(ADDRESS_KEY, oldId);
  const reloaded = new FieldEncryption(await loadKeyring(dir));
  await assert.rejects(reloaded.decrypt(AddressSchema, before), code(ErrorCodes.KEY_DISABLED));
  const listing = await KeyringDirectory.list(dir);
  const info = listing.find((entry) => entry.alias === ADDRESS_KEY)!.info!;
  assert.equal(info.keyInfo.length, 2);
  assert.notEqual(info.primaryKeyId, oldId);
  await assert.rejects(directory.create(ADDRESS_KEY), code(ErrorCodes.INVALID_ARGUMENT));
});

test('a keyset file renamed to another alias, or opened with another KEK, does not decrypt', async () => {
  const dir = join(root, 'renamed');
  const directory = await KeyringDirectory.init(dir, { masterKeyFile: join(root, 'renamed-master.json') });
  await directory.create(ADDRESS_KEY);
  await rename(join(dir, `${ADDRESS_KEY}.keyset.json`), join(dir, `${BANKING_KEY}.keyset.json`));
  await assert.rejects(loadKeyring(dir), code(ErrorCodes.DECRYPTION_FAILED));
  await rename(join(dir, `${BANKING_KEY}.keyset.json`), join(dir, `${ADDRESS_KEY}.keyset.json`));
  assert.deepEqual((await loadKeyring(dir)).aliases, [ADDRESS_KEY]);
  await assert.rejects(
    loadKeyring(dir, { kms: LocalKms.generate().kms }),
    code(ErrorCodes.DECRYPTION_FAILED),
  );
  // A modified file fails too.
  const path = join(dir, `${ADDRESS_KEY}.keyset.json`);
  const file = JSON.parse(await readFile(path, 'utf8'));
  const bytes = Buffer.from(file.encryptedKeyset, 'base64');
  bytes[bytes.length - 1]! ^= 1;
  await writeFile(path, JSON.stringify({ ...file, encryptedKeyset: bytes.toString('base64') }));
  await assert.rejects(loadKeyring(dir), code(ErrorCodes.DECRYPTION_FAILED));
});

test('a password keyring: Argon2id KEK, wrong password refused, parameters capped', async () => {
  const dir = join(root, 'password');
  const directory = await KeyringDirectory.init(dir, {
    password: 'correct horse battery staple',
    cost: CHEAP,
  });
  await directory.create(ADDRESS_KEY);
  const config = JSON.parse(await readFile(join(dir, 'keyring.json'), 'utf8'));
  assert.equal(config.kek.kms, 'local-password');
  assert.equal(config.kek.argon2id.memoryKiB, CHEAP.memoryKiB);
  assert.deepEqual((await loadKeyring(dir, { password: 'correct horse battery staple' })).aliases, [
    ADDRESS_KEY,
  ]);
  await assert.rejects(loadKeyring(dir, { password: 'wrong' }), code(ErrorCodes.WRONG_PASSWORD));
  await assert.rejects(loadKeyring(dir), code(ErrorCodes.INVALID_ARGUMENT));
  // A planted keyring.json asking for 4 GiB of Argon2id memory is refused before any work.
  const hostile = {
    ...config,
    kek: { ...config.kek, argon2id: { ...config.kek.argon2id, memoryKiB: 4 * 1024 * 1024 } },
  };
  await writeFile(join(dir, 'keyring.json'), JSON.stringify(hostile));
  await assert.rejects(loadKeyring(dir, { password: 'x' }), code(ErrorCodes.LIMIT_EXCEEDED));
  await assert.rejects(
    KeyringDirectory.init(join(root, 'weak'), {
      password: 'p',
      cost: { memoryKiB: 1024, iterations: 1, parallelism: 1 },
    }),
    code(ErrorCodes.INVALID_ARGUMENT),
  );
});

test('another KMS plugs in through the Kms interface and a driver, without changing callers', async () => {
  // A stand-in for a remote KMS: it holds its key elsewhere and counts calls (callers never see the key).
  const remote = LocalKms.generate('test-kms://projects/p/keys/k').kms;
  let calls = 0;
  const kms: Kms = {
    keyUri: remote.keyUri,
    encrypt: (plaintext, ad) => {
      calls++;
      return remote.encrypt(plaintext, ad);
    },
    decrypt: (ciphertext, ad) => {
      calls++;
      return remote.decrypt(ciphertext, ad);
    },
  };
  const dir = join(root, 'driver');
  const directory = await KeyringDirectory.init(dir, {
    kms,
    config: { kms: 'test-kms', keyUri: kms.keyUri },
  });
  await directory.create(ADDRESS_KEY);
  const keyring = await loadKeyring(dir, {
    kmsDrivers: {
      'test-kms': async (kek) => {
        assert.equal(kek.keyUri, 'test-kms://projects/p/keys/k');
        return kms;
      },
    },
  });
  assert.deepEqual(keyring.aliases, [ADDRESS_KEY]);
  assert.equal(calls, 2);
  await assert.rejects(loadKeyring(dir), /pass a driver for it/);
});

test('not a keyring directory, or a broken keyring.json, are clear errors', async () => {
  await assert.rejects(loadKeyring(join(root, 'missing')), /not a keyring directory/);
  const dir = join(root, 'broken');
  await (await import('node:fs/promises')).mkdir(dir);
  await writeFile(join(dir, 'keyring.json'), '{"sealwire":"keyring","version":2,"kek":{}}');
  await assert.rejects(loadKeyring(dir), code(ErrorCodes.MALFORMED));
  await assert.rejects(KeyringDirectory.init(dir, { masterKeyFile: join(root, 'm.json') }), /already set up/);
});

test('a keyring with its master key outside keyring/ still works once both are copied elsewhere', async () => {
  const { cp, mkdir } = await import('node:fs/promises');
  const site = join(root, 'site-a');
  const dir = join(site, 'keyring');
  await mkdir(join(site, 'secrets'), { recursive: true });
  const directory = await KeyringDirectory.init(dir, {
    masterKeyFile: join(site, 'secrets', 'master-key.json'),
  });
  await directory.create(ADDRESS_KEY);
  // keyring.json names the master key relative to the keyring directory, never by an absolute path.
  const config = JSON.parse(await readFile(join(dir, 'keyring.json'), 'utf8'));
  assert.equal(config.kek.path, join('..', 'secrets', 'master-key.json'));

  // Copied to another place with the same relative layout, it opens there (and not through the old copy).
  const copy = join(root, 'site-b');
  await cp(site, copy, { recursive: true });
  await rm(site, { recursive: true });
  assert.deepEqual((await loadKeyring(join(copy, 'keyring'))).aliases, [ADDRESS_KEY]);

  // The master key moved away from that layout: name it at load time.
  const moved = join(root, 'elsewhere', 'master-key.json');
  await mkdir(join(root, 'elsewhere'));
  await rename(join(copy, 'secrets', 'master-key.json'), moved);
  const missing = await loadKeyring(join(copy, 'keyring')).then(
    () => assert.fail('opened without its master key'),
    (error: unknown) => error as SealwireError,
  );
  assert.ok(missing instanceof SealwireError);
  assert.match(missing.message, /master key/);
  assert.match(missing.message, /masterKeyFile/);
  assert.equal(missing.message.includes('\n'), false);
  const keyring = await loadKeyring(join(copy, 'keyring'), { masterKeyFile: moved });
  assert.deepEqual(keyring.aliases, [ADDRESS_KEY]);
  // The wrong master key is a decryption failure, not a silent success.
  await assert.rejects(
    loadKeyring(join(copy, 'keyring'), { masterKeyFile: join(root, 'renamed-master.json') }),
    code(ErrorCodes.DECRYPTION_FAILED),
  );
  // A password keyring has no master key file to override.
  await assert.rejects(
    KeyringDirectory.open(join(root, 'password'), { masterKeyFile: moved }),
    code(ErrorCodes.INVALID_ARGUMENT),
  );
});

test('keyrings written with an absolute master key path (before relative paths) still open', async () => {
  const { mkdir } = await import('node:fs/promises');
  const dir = join(root, 'old-absolute', 'keyring');
  const master = join(root, 'old-absolute', 'master-key.json');
  await mkdir(join(root, 'old-absolute'));
  const directory = await KeyringDirectory.init(dir, { masterKeyFile: master });
  await directory.create(BANKING_KEY);
  const config = JSON.parse(await readFile(join(dir, 'keyring.json'), 'utf8'));
  await writeFile(
    join(dir, 'keyring.json'),
    JSON.stringify({ ...config, kek: { ...config.kek, path: master } }),
  );
  assert.deepEqual((await loadKeyring(dir)).aliases, [BANKING_KEY]);
});
