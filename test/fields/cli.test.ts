/** `sealwire keys create|rotate|list|disable`: the keyring CLI, run as a real process. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { FieldEncryption, loadKeyring } from 'sealwire/fields';
import { CLI_ARGS } from '../helpers/cli.ts';
import { AddressSchema } from './gen/sealwire/test/v1/bank_pb.ts';

const repo = new URL('../..', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'sealwire-keys-cli-'));
after(() => rm(root, { recursive: true, force: true }));

function sealwire(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...CLI_ARGS, ...args], {
    cwd: repo,
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
