/** `sealwire keys create|rotate|list|disable`: the keyring CLI, run as a real process. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { FieldEncryption } from 'sealwire/fields';
import { loadKeyring } from 'sealwire/fields/node';
import { CLI_ARGS } from '../helpers/cli.ts';
import { AddressSchema } from './gen/sealwire/test/v1/bank_pb.ts';

const repo = new URL('../..', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'sealwire-keys-cli-'));
after(() => rm(root, { recursive: true, force: true }));

function sealwire(args: string[], env: Record<string, string> = {}, cwd = repo) {
  const result = spawnSync(process.execPath, [...CLI_ARGS, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Row {
  alias: string;
  keyId: number;
  status: string;
  primary: boolean;
  outputPrefix: string;
}

test('keys --help says it manages field-encryption keyrings, apart from keygen', () => {
  const help = sealwire(['keys', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /field-encryption keyrings/);
  assert.match(help.stdout, /keygen/);
  for (const command of ['create', 'rotate', 'list', 'disable'])
    assert.match(help.stdout, new RegExp(command));
});

test('create, rotate, list, disable on a master-key keyring', async () => {
  const dir = join(root, 'keyring');
  const master = join(root, 'master-key.json');
  const noKek = sealwire(['keys', 'create', 'us_address_aead_key', '--dir', dir]);
  assert.equal(noKek.status, 2);
  assert.match(noKek.stderr, /--master-key FILE/);

  const created = sealwire(['keys', 'create', 'us_address_aead_key', '--dir', dir, '--master-key', master]);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /us_address_aead_key: primary key \d+, 1 key/);
  assert.equal((await stat(master)).mode & 0o777, 0o600);
  assert.equal(sealwire(['keys', 'create', 'cashapp_banking_key', '--dir', dir]).status, 0);
  const again = sealwire(['keys', 'create', 'cashapp_banking_key', '--dir', dir]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already has a keyset/);

  // Encrypt something under the first key, then rotate and disable that key.
  const fields = new FieldEncryption(await loadKeyring(dir));
  const old = await fields.encrypt(AddressSchema, create(AddressSchema, { street: 'before rotation' }));

  const list = (): Row[] => {
    const out = sealwire(['keys', 'list', '--dir', dir, '--json']);
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as Row[];
  };
  const firstId = list().find((row) => row.alias === 'us_address_aead_key')!.keyId;
  assert.equal(sealwire(['keys', 'rotate', 'us_address_aead_key', '--dir', dir]).status, 0);
  const refusePrimary = sealwire([
    'keys',
    'disable',
    'us_address_aead_key',
    String(list().find((r) => r.primary && r.alias === 'us_address_aead_key')!.keyId),
    '--dir',
    dir,
  ]);
  assert.equal(refusePrimary.status, 2);
  assert.match(refusePrimary.stderr, /rotate first/);
  const disabled = sealwire(['keys', 'disable', 'us_address_aead_key', String(firstId), '--dir', dir]);
  assert.equal(disabled.status, 0, disabled.stderr);

  const rows = list().filter((row) => row.alias === 'us_address_aead_key');
  assert.equal(rows.length, 2);
  assert.deepEqual(
    rows.map((row) => [row.keyId === firstId, row.status, row.primary, row.outputPrefix]).sort(),
    [
      [false, 'ENABLED', true, 'TINK'],
      [true, 'DISABLED', false, 'TINK'],
    ],
  );
  const table = sealwire(['keys', 'list', '--dir', dir]);
  assert.match(table.stdout, /ALIAS\s+KEY ID\s+STATUS\s+PRIMARY\s+PREFIX/);
  assert.match(table.stdout, /cashapp_banking_key/);

  const reloaded = new FieldEncryption(await loadKeyring(dir));
  await assert.rejects(reloaded.decrypt(AddressSchema, old), /disabled/);
  const fresh = await reloaded.encrypt(AddressSchema, create(AddressSchema, { street: 'after' }));
  assert.equal((await reloaded.decrypt(AddressSchema, fresh)).street, 'after');

  const badId = sealwire(['keys', 'disable', 'us_address_aead_key', 'abc', '--dir', dir]);
  assert.equal(badId.status, 2);
  const badAlias = sealwire(['keys', 'create', '../escape', '--dir', dir]);
  assert.equal(badAlias.status, 2);
  assert.match(badAlias.stderr, /invalid key alias/);
});

test('a password keyring: the password comes from a file or the environment, never argv', async () => {
  const dir = join(root, 'pw-keyring');
  const passwordFile = join(root, 'password.txt');
  await writeFile(passwordFile, 'keyring password\n', { mode: 0o600 });
  const created = sealwire(['keys', 'create', 'ledger_key', '--dir', dir, '--password-file', passwordFile]);
  assert.equal(created.status, 0, created.stderr);
  const rotated = sealwire(['keys', 'rotate', 'ledger_key', '--dir', dir], {
    SEALWIRE_KEYRING_PASSWORD: 'keyring password',
  });
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /2 keys/);
  const wrong = sealwire(['keys', 'rotate', 'ledger_key', '--dir', dir], {
    SEALWIRE_KEYRING_PASSWORD: 'nope',
  });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /wrong keyring password/);
  // Listing needs no password.
  const list = sealwire(['keys', 'list', '--dir', dir, '--json'], { SEALWIRE_KEYRING_PASSWORD: '' });
  assert.equal(list.status, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout) as Row[]).length, 2);
});

test('a keyring copied with its master key (same relative layout) works; --master-key names a moved key', async () => {
  const site = join(root, 'copy-site');
  await mkdir(join(site, 'secrets'), { recursive: true });
  // Relative paths, from the user's own directory.
  const made = sealwire(
    ['keys', 'create', 'us_address_aead_key', '--dir', 'keyring', '--master-key', 'secrets/master-key.json'],
    {},
    site,
  );
  assert.equal(made.status, 0, made.stderr);
  const config = JSON.parse(await readFile(join(site, 'keyring', 'keyring.json'), 'utf8'));
  assert.equal(config.kek.path, '../secrets/master-key.json');

  const copy = join(root, 'copied-site');
  await cp(site, copy, { recursive: true });
  await rm(site, { recursive: true });
  const rotated = sealwire(['keys', 'rotate', 'us_address_aead_key', '--dir', 'keyring'], {}, copy);
  assert.equal(rotated.status, 0, rotated.stderr);

  // The master key moved: without --master-key, one line naming the flag, exit 2.
  await mkdir(join(root, 'vault'));
  await rename(join(copy, 'secrets', 'master-key.json'), join(root, 'vault', 'master-key.json'));
  for (const command of [
    ['keys', 'rotate', 'us_address_aead_key'],
    ['keys', 'disable', 'us_address_aead_key', '1'],
    ['keys', 'enable', 'us_address_aead_key', '1'],
    ['keys', 'create', 'cashapp_banking_key'],
  ]) {
    const lost = sealwire([...command, '--dir', 'keyring'], {}, copy);
    assert.equal(lost.status, 2, `${command.join(' ')}: ${lost.stderr}`);
    assert.match(lost.stderr, /--master-key FILE/);
    assert.doesNotMatch(lost.stderr, /masterKeyFile/, 'the CLI names its flag, not the library option');
    assert.equal(lost.stderr.trim().split('\n').length, 1, lost.stderr);
  }
  const typo = sealwire(
    ['keys', 'rotate', 'us_address_aead_key', '--dir', 'keyring', '--master-key', 'nope.json'],
    {},
    copy,
  );
  assert.equal(typo.status, 2, typo.stderr);
  assert.equal(typo.stderr, 'sealwire: --master-key nope.json: no such file\n');
  const moved = join(root, 'vault', 'master-key.json');
  const withKey = sealwire(
    ['keys', 'rotate', 'us_address_aead_key', '--dir', 'keyring', '--master-key', moved],
    {},
    copy,
  );
  assert.equal(withKey.status, 0, withKey.stderr);
  assert.match(withKey.stdout, /3 keys/);
  const created = sealwire(
    ['keys', 'create', 'cashapp_banking_key', '--dir', 'keyring', '--master-key', moved],
    {},
    copy,
  );
  assert.equal(created.status, 0, created.stderr);
  assert.deepEqual((await loadKeyring(join(copy, 'keyring'), { masterKeyFile: moved })).aliases, [
    'cashapp_banking_key',
    'us_address_aead_key',
  ]);
  // Another master key for an existing keyring is refused before anything is written under it.
  const other = join(root, 'other-master.json');
  assert.equal(
    sealwire(['keys', 'create', 'x_key', '--dir', join(root, 'other'), '--master-key', other]).status,
    0,
  );
  const wrong = sealwire(
    ['keys', 'create', 'ledger_key', '--dir', 'keyring', '--master-key', other],
    {},
    copy,
  );
  assert.equal(wrong.status, 1, wrong.stderr);
  assert.match(wrong.stderr, /ERR_DECRYPTION_FAILED/);
  assert.equal(
    (await stat(join(copy, 'keyring', 'ledger_key.keyset.json')).catch(() => undefined)) === undefined,
    true,
  );
  // A password keyring has no master key to override.
  const pw = join(root, 'pw2.txt');
  await writeFile(pw, 'another keyring password\n');
  assert.equal(
    sealwire(['keys', 'create', 'a_key', '--dir', join(root, 'pw2'), '--password-file', pw]).status,
    0,
  );
  const notMaster = sealwire([
    'keys',
    'rotate',
    'a_key',
    '--dir',
    join(root, 'pw2'),
    '--password-file',
    pw,
    '--master-key',
    moved,
  ]);
  assert.equal(notMaster.status, 2, notMaster.stderr);
  assert.match(notMaster.stderr, /password/);
});

test('keys: numbers and enums checked by the shared parsers, --json results, one-line usage errors', async () => {
  const dir = join(root, 'checked');
  const master = join(root, 'checked-master.json');
  const made = sealwire(['keys', 'create', 'a_key', '--dir', dir, '--master-key', master, '--json']);
  assert.equal(made.status, 0, made.stderr);
  const keyset = JSON.parse(made.stdout) as { alias: string; primaryKeyId: number; keys: Row[] };
  assert.equal(keyset.alias, 'a_key');
  assert.deepEqual(
    keyset.keys.map((key) => [key.keyId === keyset.primaryKeyId, key.status, key.primary, key.outputPrefix]),
    [[true, 'ENABLED', true, 'TINK']],
  );
  const rotated = JSON.parse(sealwire(['keys', 'rotate', 'a_key', '--dir', dir, '--json']).stdout);
  assert.equal(rotated.keys.length, 2);
  const disabled = sealwire([
    'keys',
    'disable',
    'a_key',
    String(keyset.primaryKeyId),
    '--dir',
    dir,
    '--json',
  ]);
  assert.equal(disabled.status, 0, disabled.stderr);
  assert.equal(
    JSON.parse(disabled.stdout).keys.find((key: Row) => key.keyId === keyset.primaryKeyId).status,
    'DISABLED',
  );
  const enabled = sealwire(['keys', 'enable', 'a_key', String(keyset.primaryKeyId), '--dir', dir, '--json']);
  assert.equal(JSON.parse(enabled.stdout).keys.filter((key: Row) => key.status === 'ENABLED').length, 2);

  const usage = (args: string[], pattern: RegExp) => {
    const out = sealwire(args);
    assert.equal(out.status, 2, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, pattern);
    assert.equal(out.stdout, '');
    return out;
  };
  usage(
    ['keys', 'rotate', 'a_key', '--dir', dir, '--key-size', '192'],
    /--key-size must be one of: 128, 256/,
  );
  usage(
    ['keys', 'create', 'b_key', '--dir', dir, '--key-size', 'big'],
    /--key-size must be one of: 128, 256/,
  );
  usage(
    ['keys', 'disable', 'a_key', 'abc', '--dir', dir],
    /KEYID must be a whole number from 0 to 4294967295/,
  );
  usage(
    ['keys', 'enable', 'a_key', '4294967296', '--dir', dir],
    /KEYID must be a whole number from 0 to 4294967295/,
  );
  // Missing directories: one line, exit 2, naming what to pass.
  for (const args of [
    ['keys', 'list', '--dir', join(root, 'nope')],
    ['keys', 'rotate', 'a_key', '--dir', join(root, 'nope')],
    [
      'keys',
      'create',
      'a_key',
      '--dir',
      join(root, 'nope2'),
      '--master-key',
      join(root, 'no-such-dir', 'm.json'),
    ],
    [
      'keys',
      'create',
      'a_key',
      '--dir',
      join(root, 'nope3'),
      '--password-file',
      join(root, 'no-such-dir', 'pw'),
    ],
  ]) {
    const out = usage(args, /./);
    assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
    assert.doesNotMatch(out.stderr, /unexpected error/);
  }
  // Nothing was set up by the refused commands.
  assert.equal((await stat(join(root, 'nope2')).catch(() => undefined)) === undefined, true);
  // Every flag an error message names is a flag the command has.
  const help = sealwire(['keys', 'rotate', '--help']).stdout;
  for (const flag of ['--dir', '--password-file', '--master-key', '--key-size', '--json'])
    assert.match(help, new RegExp(flag));
});
