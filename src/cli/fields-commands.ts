/**
 * `sealwire keys create|rotate|list|disable|enable`: field-encryption keyrings (sealwire/fields). A keyring
 * directory holds one Tink AES-GCM keyset per key alias, encrypted by a KEK; services load the keysets
 * they may use at start-up. (Key pairs for sealing messages are `keygen`, `pubkey` and `fingerprint`.)
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Keyset } from '../fields/index.ts';
import type { InitKek, KeyringDirectory } from '../fields/node.ts';
import { UsageError, writeOutput } from './io.ts';
import { choiceOption, integerOption } from './options.ts';
import { readSecret } from './secrets.ts';

// Loaded on first use, so that --help and the other commands do not pay for protobuf-es and jose.
const loadFields = () => import('../fields/index.ts');
const loadKeyringDirectories = () => import('../fields/node.ts');

export const KEYRING_ENV = 'SEALWIRE_KEYRING';
export const KEYRING_PASSWORD_ENV = 'SEALWIRE_KEYRING_PASSWORD';

interface DirOptions {
  dir?: string;
  passwordFile?: string;
  masterKey?: string;
  json?: boolean;
}

interface SizeOptions extends DirOptions {
  keySize: '128' | '256';
}

function dirOf(options: DirOptions): string {
  return options.dir ?? process.env[KEYRING_ENV] ?? 'keyring';
}

function password(options: DirOptions, prompt: string): Promise<string> {
  return readSecret({
    noun: 'password',
    flag: '--password-file',
    file: options.passwordFile,
    envVar: KEYRING_PASSWORD_ENV,
    prompt,
  });
}

async function openDir(options: DirOptions): Promise<KeyringDirectory> {
  const { KeyringDirectory } = await loadKeyringDirectories();
  const dir = dirOf(options);
  if (!(await KeyringDirectory.exists(dir))) {
    throw new UsageError(
      `${dir} is not a keyring directory: create one with \`sealwire keys create ALIAS --dir ${dir} --master-key FILE\``,
    );
  }
  const kind = await KeyringDirectory.kekKind(dir);
  if (options.masterKey !== undefined && kind !== 'local-keyset') {
    throw new UsageError(
      `${dir} is protected by ${kind === 'local-password' ? 'a password (--password-file)' : `KEK kind "${kind}"`}, not a master key file: drop --master-key`,
    );
  }
  if (kind === 'local-password') {
    return KeyringDirectory.open(dir, { password: await password(options, 'keyring password: ') });
  }
  // Checked here so that the message names the flag, not the library's option.
  const masterKey = options.masterKey ?? (await KeyringDirectory.masterKeyPath(dir));
  if (masterKey !== undefined && !existsSync(masterKey)) {
    throw new UsageError(
      options.masterKey === undefined
        ? `the master key of keyring ${dir} is not at ${resolve(masterKey)} (where keyring.json says): pass where it is now with --master-key FILE`
        : `--master-key ${options.masterKey}: no such file`,
    );
  }
  return KeyringDirectory.open(
    dir,
    options.masterKey === undefined ? {} : { masterKeyFile: options.masterKey },
  );
}

const KEY_SIZES = ['128', '256'] as const;
const keySizeOption = choiceOption('--key-size', KEY_SIZES);
const keyIdArgument = integerOption('KEYID', 0, 0xffffffff);

function keySize(bits: '128' | '256'): 16 | 32 {
  return bits === '128' ? 16 : 32;
}

/** The result of a change to one keyset: a line, or with --json the same rows `keys list --json` prints. */
async function report(alias: string, keyset: Keyset, options: DirOptions): Promise<void> {
  if (options.json) {
    const { KeyStatusType, OutputPrefixType } = await loadFields();
    const keys = keyset.key.map((key) => ({
      alias,
      keyId: key.keyId,
      status: KeyStatusType[key.status] ?? String(key.status),
      primary: key.keyId === keyset.primaryKeyId,
      outputPrefix: OutputPrefixType[key.outputPrefixType] ?? String(key.outputPrefixType),
    }));
    await writeOutput(
      undefined,
      `${JSON.stringify({ alias, primaryKeyId: keyset.primaryKeyId, keys }, null, 2)}\n`,
    );
    return;
  }
  await writeOutput(
    undefined,
    `${alias}: primary key ${keyset.primaryKeyId}, ${keyset.key.length} key${keyset.key.length === 1 ? '' : 's'}\n`,
  );
}

/** A file about to be created must have an existing directory: a one-line usage error, not ENOENT later. */
async function checkParentDirectory(file: string, flag: string): Promise<void> {
  const parent = dirname(file);
  const info = await stat(parent).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${flag} ${file}: directory ${parent} does not exist`);
}

const DIR_HELP = `keyring directory (default: $${KEYRING_ENV}, else ./keyring)`;
const PASSWORD_HELP = `password of a password-protected keyring (or $${KEYRING_PASSWORD_ENV}, or a prompt)`;
const MASTER_KEY_HELP =
  'the local master key file, where it is now (default: the path keyring.json names, relative to the keyring)';
const JSON_HELP = 'print the keyset as JSON (the rows of `keys list --json`)';

export function registerFieldsCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'manage field-encryption keyrings: one Tink AES-GCM keyset per key alias, encrypted by a KEK (for key pairs, see keygen/pubkey/fingerprint)',
    )
    .addHelpText(
      'after',
      `
A keyring directory holds keyring.json (which KEK protects it) and one ALIAS.keyset.json per key alias
(Tink's encrypted keyset format). Message types name their alias with the protobuf option
(sealwire.v1.key_alias); a service gets a directory with the keysets it may use (see docs/fields.md).

Examples:
  sealwire keys create us_address_aead_key --dir keyring --master-key secrets/master-key.json
  sealwire keys create cashapp_banking_key --dir keyring
  sealwire keys rotate us_address_aead_key --dir keyring
  sealwire keys list --dir keyring
  sealwire keys disable us_address_aead_key 123456789 --dir keyring
  sealwire keys rotate us_address_aead_key --dir copy/keyring --master-key /mnt/keys/master-key.json

keyring.json names the master key relative to the keyring directory: copy both keeping their relative
layout, or pass --master-key FILE where the key lives now.`,
    );

  keys
    .command('create')
    .description('create a keyset with one AES-GCM key for ALIAS (sets up the keyring on first use)')
    .argument('<alias>', 'key alias, as in the message type option (sealwire.v1.key_alias)')
    .option('--dir <dir>', DIR_HELP)
    .option(
      '--master-key <file>',
      'first use: protect the keyring with this local master key file (created, mode 0600, if missing); later: where the master key is now',
    )
    .option(
      '--password-file <file>',
      `first use: protect the keyring with a password (Argon2id); later: ${PASSWORD_HELP}`,
    )
    .option('--key-size <bits>', 'AES key size: 128 | 256', keySizeOption, '256')
    .option('--json', JSON_HELP)
    .addHelpText(
      'after',
      `\nExamples:\n  sealwire keys create us_address_aead_key --dir keyring --master-key secrets/master-key.json\n  sealwire keys create ledger_key --dir keyring --password-file keyring-password.txt`,
    )
    .action(async (alias: string, options: SizeOptions) => {
      const { KeyringDirectory } = await loadKeyringDirectories();
      const dir = dirOf(options);
      const size = keySize(options.keySize);
      let directory: KeyringDirectory;
      if (await KeyringDirectory.exists(dir)) {
        directory = await openDir(options);
        // The KEK must open the keysets already there, or the new one would be sealed under another key.
        const [existing] = await directory.aliases();
        if (existing !== undefined) await directory.read(existing);
      } else {
        let kek: InitKek;
        if (options.masterKey !== undefined) {
          if (options.passwordFile !== undefined)
            throw new UsageError('pass --master-key or --password-file, not both');
          await checkParentDirectory(options.masterKey, '--master-key');
          kek = { masterKeyFile: options.masterKey };
        } else if (options.passwordFile !== undefined || process.env[KEYRING_PASSWORD_ENV]) {
          kek = { password: await password(options, 'new keyring password: ') };
        } else {
          throw new UsageError(
            `${dir} is not a keyring yet: pass --master-key FILE (a local master key, created if missing) or --password-file FILE to choose its KEK`,
          );
        }
        directory = await KeyringDirectory.init(dir, kek);
        process.stderr.write(`set up keyring ${dir} (KEK ${directory.kms.keyUri})\n`);
      }
      await report(alias, await directory.create(alias, size), options);
    });

  keys
    .command('rotate')
    .description('add a new primary key to ALIAS; older keys stay enabled, so existing data still decrypts')
    .argument('<alias>', 'key alias')
    .option('--dir <dir>', DIR_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .option('--master-key <file>', MASTER_KEY_HELP)
    .option('--key-size <bits>', 'AES key size: 128 | 256', keySizeOption, '256')
    .option('--json', JSON_HELP)
    .addHelpText('after', '\nExample:\n  sealwire keys rotate us_address_aead_key --dir keyring')
    .action(async (alias: string, options: SizeOptions) => {
      const directory = await openDir(options);
      await report(alias, await directory.rotate(alias, keySize(options.keySize)), options);
    });

  keys
    .command('list')
    .description('list the aliases and keys of a keyring (ids and statuses only; needs no KEK)')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nThe listing comes from the cleartext part of each keyset file (informational, not authenticated).\n\nExample:\n  sealwire keys list --dir keyring',
    )
    .action(async (options: DirOptions & { json?: boolean }) => {
      const { KeyringDirectory } = await loadKeyringDirectories();
      const { KeyStatusType, OutputPrefixType } = await loadFields();
      const dir = dirOf(options);
      if (!(await KeyringDirectory.exists(dir))) throw new UsageError(`${dir} is not a keyring directory`);
      const rows = (await KeyringDirectory.list(dir)).flatMap(({ alias, info }) =>
        (info?.keyInfo ?? []).map((key) => ({
          alias,
          keyId: key.keyId,
          status: KeyStatusType[key.status] ?? String(key.status),
          primary: key.keyId === info?.primaryKeyId,
          outputPrefix: OutputPrefixType[key.outputPrefixType] ?? String(key.outputPrefixType),
        })),
      );
      if (options.json) {
        await writeOutput(undefined, `${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(5, ...rows.map((row) => row.alias.length));
      const lines = [`${'ALIAS'.padEnd(width)}  ${'KEY ID'.padStart(10)}  STATUS     PRIMARY  PREFIX`];
      for (const row of rows) {
        lines.push(
          `${row.alias.padEnd(width)}  ${String(row.keyId).padStart(10)}  ${row.status.padEnd(9)}  ${(row.primary ? 'yes' : '').padEnd(7)}  ${row.outputPrefix}`,
        );
      }
      await writeOutput(undefined, `${lines.join('\n')}\n`);
    });

  /** `keys disable` and `keys enable`: one key of one alias changes status. */
  const statusCommand = (change: 'disable' | 'enable', description: string) =>
    keys
      .command(change)
      .description(description)
      .argument('<alias>', 'key alias')
      .argument('<keyid>', 'key id (see `sealwire keys list`)', keyIdArgument)
      .option('--dir <dir>', DIR_HELP)
      .option('--password-file <file>', PASSWORD_HELP)
      .option('--master-key <file>', MASTER_KEY_HELP)
      .option('--json', JSON_HELP)
      .action(async (alias: string, id: number, options: DirOptions) => {
        const directory = await openDir(options);
        await report(alias, await directory[change](alias, id), options);
      });

  statusCommand(
    'disable',
    'disable key KEYID of ALIAS: data encrypted under it stops decrypting (the primary cannot be disabled)',
  ).addHelpText(
    'after',
    '\nExample:\n  sealwire keys rotate us_address_aead_key && sealwire keys disable us_address_aead_key 123456789',
  );
  statusCommand('enable', 'enable a disabled key KEYID of ALIAS again');
}
