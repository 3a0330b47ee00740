/**
 * `sealwire keys create|rotate|list|disable|enable`: field-encryption keyrings (sealwire/fields). A keyring
 * directory holds one Tink AES-GCM keyset per key alias, encrypted by a KEK; services load the keysets
 * they may use at start-up. (Key pairs for sealing messages are `keygen`, `pubkey` and `fingerprint`.)
 */
import type { Command } from 'commander';
import type { InitKek, KeyringDirectory, Keyset } from '../fields/index.ts';
import { readPassword, UsageError, writeOutput } from './io.ts';

// Loaded on first use, so that --help and the other commands do not pay for protobuf-es and jose.
const loadFields = () => import('../fields/index.ts');

export const KEYRING_ENV = 'SEALWIRE_KEYRING';
export const KEYRING_PASSWORD_ENV = 'SEALWIRE_KEYRING_PASSWORD';

interface DirOptions {
  dir?: string;
  passwordFile?: string;
}

interface CreateOptions extends DirOptions {
  masterKey?: string;
  keySize: string;
}

function dirOf(options: DirOptions): string {
  return options.dir ?? process.env[KEYRING_ENV] ?? 'keyring';
}

function password(options: DirOptions, prompt: string): Promise<string> {
  return readPassword({
    ...(options.passwordFile === undefined ? {} : { file: options.passwordFile }),
    envVar: KEYRING_PASSWORD_ENV,
    prompt,
  });
}

async function openDir(options: DirOptions): Promise<KeyringDirectory> {
  const { KeyringDirectory } = await loadFields();
  const dir = dirOf(options);
  if (!(await KeyringDirectory.exists(dir))) {
    throw new UsageError(
      `${dir} is not a keyring directory: create one with \`sealwire keys create ALIAS --dir ${dir} --master-key FILE\``,
    );
  }
  if ((await KeyringDirectory.kekKind(dir)) === 'local-password') {
    return KeyringDirectory.open(dir, { password: await password(options, 'keyring password: ') });
  }
  return KeyringDirectory.open(dir);
}

function keySize(text: string): 16 | 32 {
  if (text === '128') return 16;
  if (text === '256') return 32;
  throw new UsageError(`--key-size must be 128 or 256, got ${text}`);
}

function keyId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id > 0xffffffff) {
    throw new UsageError(
      `KEYID must be an unsigned 32-bit integer (see \`sealwire keys list\`), got ${text}`,
    );
  }
  return id;
}

function describe(alias: string, keyset: Keyset): string {
  return `${alias}: primary key ${keyset.primaryKeyId}, ${keyset.key.length} key${keyset.key.length === 1 ? '' : 's'}\n`;
}

const DIR_HELP = `keyring directory (default: $${KEYRING_ENV}, else ./keyring)`;
const PASSWORD_HELP = `password of a password-protected keyring (or $${KEYRING_PASSWORD_ENV}, or a prompt)`;

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
  sealwire keys create us_address_aead_key --dir keyring --master-key /etc/sealwire/master-key.json
  sealwire keys create cashapp_banking_key --dir keyring
  sealwire keys rotate us_address_aead_key --dir keyring
  sealwire keys list --dir keyring
  sealwire keys disable us_address_aead_key 123456789 --dir keyring`,
    );

  keys
    .command('create')
    .description('create a keyset with one AES-GCM key for ALIAS (sets up the keyring on first use)')
    .argument('<alias>', 'key alias, as in the message type option (sealwire.v1.key_alias)')
    .option('--dir <dir>', DIR_HELP)
    .option(
      '--master-key <file>',
      'first use: protect the keyring with this local master key file (created, mode 0600, if missing)',
    )
    .option(
      '--password-file <file>',
      `first use: protect the keyring with a password (Argon2id); later: ${PASSWORD_HELP}`,
    )
    .option('--key-size <bits>', 'AES key size: 128 | 256', '256')
    .addHelpText(
      'after',
      `\nExamples:\n  sealwire keys create us_address_aead_key --dir keyring --master-key ~/.sealwire/master-key.json\n  ${KEYRING_PASSWORD_ENV}=... sealwire keys create ledger_key --dir keyring --password-file /dev/stdin`,
    )
    .action(async (alias: string, options: CreateOptions) => {
      const { KeyringDirectory } = await loadFields();
      const dir = dirOf(options);
      const size = keySize(options.keySize);
      let directory: KeyringDirectory;
      if (await KeyringDirectory.exists(dir)) {
        if (options.masterKey !== undefined) {
          throw new UsageError(`${dir} is already set up; --master-key applies to a new keyring only`);
        }
        directory = await openDir(options);
      } else {
        let kek: InitKek;
        if (options.masterKey !== undefined) {
          if (options.passwordFile !== undefined)
            throw new UsageError('pass --master-key or --password-file, not both');
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
      await writeOutput(undefined, describe(alias, await directory.create(alias, size)));
    });

  keys
    .command('rotate')
    .description('add a new primary key to ALIAS; older keys stay enabled, so existing data still decrypts')
    .argument('<alias>', 'key alias')
    .option('--dir <dir>', DIR_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .option('--key-size <bits>', 'AES key size: 128 | 256', '256')
    .addHelpText('after', '\nExample:\n  sealwire keys rotate us_address_aead_key --dir keyring')
    .action(async (alias: string, options: DirOptions & { keySize: string }) => {
      const directory = await openDir(options);
      await writeOutput(undefined, describe(alias, await directory.rotate(alias, keySize(options.keySize))));
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
      const { KeyringDirectory, KeyStatusType, OutputPrefixType } = await loadFields();
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

  keys
    .command('disable')
    .description(
      'disable key KEYID of ALIAS: data encrypted under it stops decrypting (the primary cannot be disabled)',
    )
    .argument('<alias>', 'key alias')
    .argument('<keyid>', 'key id (see `sealwire keys list`)')
    .option('--dir <dir>', DIR_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .addHelpText(
      'after',
      '\nExample:\n  sealwire keys rotate us_address_aead_key && sealwire keys disable us_address_aead_key 123456789',
    )
    .action(async (alias: string, id: string, options: DirOptions) => {
      const directory = await openDir(options);
      await writeOutput(undefined, describe(alias, await directory.disable(alias, keyId(id))));
    });

  keys
    .command('enable')
    .description('enable a disabled key KEYID of ALIAS again')
    .argument('<alias>', 'key alias')
    .argument('<keyid>', 'key id (see `sealwire keys list`)')
    .option('--dir <dir>', DIR_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .action(async (alias: string, id: string, options: DirOptions) => {
      const directory = await openDir(options);
      await writeOutput(undefined, describe(alias, await directory.enable(alias, keyId(id))));
    });
}
