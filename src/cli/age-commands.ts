/**
 * `sealwire age keygen | encrypt | decrypt`: the age file format with the reference tool's flags (-r, -R,
 * -i, -p, -a, -o), streaming whatever the size, with a progress bar on stderr when it is a terminal.
 * Sealwire additions: X25519 JWK files wherever a key file is read, and detached sender signatures.
 */
import { createReadStream, fstatSync, statSync } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import { assertOutputDirectory } from '../files/atomic.ts';
import type { PrivateJwk, PublicJwk } from '../keys/index.ts';
// Only the dependency-free constants file: the help text needs these defaults at start-up.
import {
  DEFAULT_MAX_SCRYPT_WORK_FACTOR,
  DEFAULT_SCRYPT_WORK_FACTOR,
  SCRYPT_WORK_FACTOR_CEILING,
} from '../seal/age/constants.ts';
import type { AgeIdentity, AgeRecipient } from '../seal/age/index.ts';
import {
  PRIVATE_FILE,
  PUBLIC_FILE,
  pipeToOutput,
  readFileOrExplain,
  readInput,
  refuseStdinTwice,
  UsageError,
  withFlagHints,
  writeFileAtomic,
  writeOutput,
} from './io.ts';
import { loadPrivateKey, loadPublicKey, PASSWORD_ENV } from './keyfile.ts';
import { collect, integerOption } from './options.ts';
import { progressStage } from './progress.ts';
import { readSecret } from './secrets.ts';
import { notice } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for @noble (ML-KEM) and jose.
// node.ts re-exports the whole of sealwire/seal/age next to its Node streams.
const loadAge = () => import('../seal/age/node.ts');

export const PASSPHRASE_ENV = 'SEALWIRE_AGE_PASSPHRASE';

/** What `keygen -o` says when FILE exists (age-keygen has no --force either). */
const EXISTS_HINT = 'remove it or choose another --output';

interface KeygenOptions {
  output?: string;
  pq?: boolean;
  convert?: boolean;
  json?: boolean;
}

interface EncryptOptions {
  recipient?: string[];
  recipientsFile?: string[];
  identity?: string[];
  passphrase?: boolean;
  passphraseFile?: string;
  workFactor?: number;
  armor?: boolean;
  output?: string;
  sign?: string;
  signatureOut?: string;
  passwordFile?: string;
  progress?: boolean;
}

interface DecryptOptions {
  identity?: string[];
  output?: string;
  passphraseFile?: string;
  maxWorkFactor?: number;
  from?: string[];
  signature?: string;
  passwordFile?: string;
  progress?: boolean;
}

// ---- keys ----------------------------------------------------------------------------------------------

function looksLikeJwk(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** An identity file: age lines (AGE-SECRET-KEY-...), or a Sealwire X25519 private JWK (plain or protected). */
async function loadIdentities(path: string, passwordFile: string | undefined): Promise<AgeIdentity[]> {
  const text =
    path === '-' ? (await readInput('-')).toString('utf8') : (await readFileOrExplain(path)).toString('utf8');
  if (looksLikeJwk(text) && path !== '-') return [await loadPrivateKey(path, passwordFile)];
  const { keyFileLines } = await loadAge();
  const lines = keyFileLines(text);
  if (lines.length === 0)
    throw new UsageError(`${path}: no identity found (expected AGE-SECRET-KEY-... lines)`);
  for (const line of lines) {
    if (!line.startsWith('AGE-SECRET-KEY-'))
      throw new UsageError(
        `${path}: unsupported identity line (only AGE-SECRET-KEY-... and X25519 JWK files)`,
      );
  }
  return lines;
}

/** A recipients file: age lines (age1...), or an X25519 JWK file (public or private: the public half is used). */
async function loadRecipients(path: string): Promise<string[]> {
  const text = (await readFileOrExplain(path)).toString('utf8');
  const { keyFileLines, recipientFromJwk } = await loadAge();
  if (looksLikeJwk(text)) return [recipientFromJwk(await loadPublicKey(path))];
  const lines = keyFileLines(text);
  if (lines.length === 0) throw new UsageError(`${path}: no recipient found (expected age1... lines)`);
  return lines;
}

async function recipientsOfIdentities(identities: readonly AgeIdentity[]): Promise<string[]> {
  const { identityToRecipient, recipientFromJwk } = await loadAge();
  const out: string[] = [];
  for (const identity of identities) {
    if (typeof identity === 'string') out.push(await identityToRecipient(identity));
    else if (typeof identity === 'object' && 'kty' in identity) out.push(recipientFromJwk(identity));
  }
  return out;
}

// ---- passphrases -----------------------------------------------------------------------------------------

/**
 * The passphrase, from --passphrase-file, the environment or the terminal. Asked on the controlling terminal
 * (/dev/tty), never on stdin, which may carry the data; a new one (`confirm`, for encrypt) is asked twice.
 */
function readPassphrase(file: string | undefined, confirm: boolean): Promise<string> {
  return readSecret({
    noun: 'passphrase',
    flag: '--passphrase-file',
    file,
    envVar: PASSPHRASE_ENV,
    prompt: 'Enter passphrase: ',
    terminal: 'controlling',
    ...(confirm
      ? { confirm: { prompt: 'Confirm passphrase: ', mismatch: 'the passphrases do not match' } }
      : {}),
  });
}

const MiB = 1024 * 1024;
const workFactorOption = (flag: string) => integerOption(flag, 1, SCRYPT_WORK_FACTOR_CEILING);

/** Data input and a secret both on stdin cannot work: say so before reading either. */
function checkStdinUse(
  input: string | undefined,
  options: { passphraseFile?: string; passwordFile?: string; identity?: string[] },
): void {
  refuseStdinTwice(
    input,
    [
      ['--passphrase-file', options.passphraseFile],
      ['--password-file', options.passwordFile],
      ...(options.identity ?? []).map((file) => ['-i', file] as const),
    ],
    'give the input as a file',
  );
}

// ---- streaming I/O ---------------------------------------------------------------------------------------

function inputStream(path: string | undefined): { stream: Readable; size: number | undefined } {
  if (path === undefined || path === '-') {
    const stat = fstatSync(0);
    return { stream: process.stdin, size: stat.isFile() ? stat.size : undefined };
  }
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new UsageError(`is a directory: ${path}`);
    size = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${code}`);
  }
  return { stream: createReadStream(path, { highWaterMark: MiB }), size };
}

/** Runs `stages` from the input to the output (see `pipeToOutput`), with progress when wanted. */
async function run(
  input: { stream: Readable; size: number | undefined },
  stages: Transform[],
  output: string | undefined,
  mode: number,
  label: string,
  showProgress: boolean,
): Promise<void> {
  const progress = progressStage(input.size, label, showProgress);
  await pipeToOutput(input.stream, progress === undefined ? stages : [progress, ...stages], output, mode);
}

// ---- commands --------------------------------------------------------------------------------------------

export function registerAgeCommands(program: Command): void {
  const age = program
    .command('age')
    .description('age v1 files (age-encryption.org): large payloads and streams for many recipients')
    .addHelpText(
      'after',
      '\nFiles are byte-compatible with the reference age tool in both directions.\nExamples:\n  sealwire age keygen -o key.txt\n  sealwire age encrypt -r age1... -o backup.tar.age backup.tar\n  sealwire age decrypt -i key.txt -o backup.tar backup.tar.age',
    );

  age
    .command('keygen')
    .description('generate an age identity (AGE-SECRET-KEY-1...), or with -y print the recipients of one')
    .option('-o, --output <file>', 'write the identity to FILE (mode 0600; never overwrites)')
    .option('--pq', 'post-quantum hybrid identity (ML-KEM-768 + X25519, recipient age1pq1...)')
    .option(
      '-y, --convert',
      'read identities (age file or X25519 JWK) from [input] and print their recipients',
    )
    .option('--json', 'print JSON: {recipient, identity?, output?} (with -y: {recipients})')
    .argument('[input]', 'with -y: identity file (default stdin)')
    .addHelpText(
      'after',
      '\nExamples:\n  sealwire age keygen -o key.txt\n  sealwire age keygen --pq -o pq-key.txt\n  sealwire age keygen -y key.txt\n  sealwire age keygen -y alice.jwk      # a Sealwire X25519 JWK as an age recipient',
    )
    .action(async (input: string | undefined, options: KeygenOptions) => {
      if (options.output !== undefined) assertOutputDirectory(options.output);
      if (options.convert) {
        const identities = await loadIdentities(input ?? '-', undefined);
        const recipients = await recipientsOfIdentities(identities);
        const text = `${recipients.join('\n')}\n`;
        if (options.output !== undefined)
          await writeFileAtomic(options.output, text, PUBLIC_FILE, false, EXISTS_HINT);
        if (options.json) await writeOutput(undefined, `${JSON.stringify({ recipients })}\n`);
        else if (options.output === undefined) await writeOutput(undefined, text);
        return;
      }
      if (input !== undefined) throw new UsageError('keygen takes no input file (did you mean -y?)');
      const { generateHybridIdentity, generateIdentity, identityToRecipient } = await loadAge();
      const identity = options.pq ? await generateHybridIdentity() : await generateIdentity();
      const recipient = await identityToRecipient(identity);
      const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const text = `# created: ${created}\n# public key: ${recipient}\n${identity}\n`;
      if (options.output !== undefined)
        await writeFileAtomic(options.output, text, PRIVATE_FILE, false, EXISTS_HINT);
      if (options.json) {
        const result =
          options.output === undefined
            ? { recipient, identity, created }
            : { recipient, output: options.output, created };
        await writeOutput(undefined, `${JSON.stringify(result)}\n`);
      } else if (options.output === undefined) {
        await writeOutput(undefined, text);
        // As age-keygen: the public key on stderr too when the identity goes to a file or a pipe.
        if (!process.stdout.isTTY) notice(`Public key: ${recipient}`);
      } else {
        notice(`Public key: ${recipient}`);
      }
    });

  age
    .command('encrypt')
    .description('encrypt [input] (default stdin) to recipients or with a passphrase')
    .option('-r, --recipient <recipient>', 'age1... or age1pq1... recipient (repeat for several)', collect)
    .option(
      '-R, --recipients-file <file>',
      'file of recipients, one per line, or an X25519 JWK (repeatable)',
      collect,
    )
    .option(
      '-i, --identity <file>',
      'also encrypt to the recipient of this identity file (repeatable)',
      collect,
    )
    .option('-p, --passphrase', 'encrypt with a passphrase (scrypt) instead of recipients')
    .option(
      '--passphrase-file <file>',
      `read the passphrase from FILE (else ${PASSPHRASE_ENV}, else the terminal)`,
    )
    .option(
      '--work-factor <n>',
      `scrypt work factor log2(N) for -p, 1 to ${SCRYPT_WORK_FACTOR_CEILING} (default ${DEFAULT_SCRYPT_WORK_FACTOR})`,
      workFactorOption('--work-factor'),
    )
    .option('-a, --armor', 'write ASCII armor (PEM) instead of binary')
    .option('-o, --output <file>', 'write to FILE (default stdout)')
    .option('--sign <keyfile>', 'sign as the sender with this Ed25519 key: writes a detached signature')
    .option('--signature-out <file>', 'where the signature goes (default OUTPUT.sig)')
    .option('--password-file <file>', `password of a protected --sign or -i key file (or ${PASSWORD_ENV})`)
    .option('--no-progress', 'no progress (a bar on a terminal, else a line every 5 s for a known size)')
    .argument('[input]', 'file to encrypt (default stdin)')
    .addHelpText(
      'after',
      `\nExamples:\n  sealwire age encrypt -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p -o data.age data\n  tar cz dir | sealwire age encrypt -R team.txt -a > dir.tar.gz.age\n  sealwire age encrypt -p -o secret.age secret.txt\n  sealwire age encrypt -R bob.pub.jwk --sign alice.jwk -o report.age report.csv   # + report.age.sig`,
    )
    .action(async (input: string | undefined, options: EncryptOptions) => {
      checkStdinUse(input, options);
      if (options.workFactor !== undefined && !options.passphrase)
        throw new UsageError('--work-factor applies to passphrase encryption (-p)');
      if (options.output !== undefined && options.output !== '-') assertOutputDirectory(options.output);
      const recipients: AgeRecipient[] = [...(options.recipient ?? [])];
      for (const file of options.recipientsFile ?? []) recipients.push(...(await loadRecipients(file)));
      for (const file of options.identity ?? [])
        recipients.push(...(await recipientsOfIdentities(await loadIdentities(file, options.passwordFile))));
      if (options.passphrase) {
        if (recipients.length > 0) throw new UsageError('-p cannot be combined with -r, -R or -i');
        recipients.push({
          passphrase: await readPassphrase(options.passphraseFile, true),
          workFactor: options.workFactor ?? DEFAULT_SCRYPT_WORK_FACTOR,
        });
      }
      if (recipients.length === 0) throw new UsageError('missing recipients: give -r, -R, -i or -p');
      if (!options.armor && options.output === undefined && process.stdout.isTTY)
        throw new UsageError('refusing to write binary to the terminal: use -a or -o');
      let signer: PrivateJwk | undefined;
      let signatureOut: string | undefined;
      if (options.sign !== undefined) {
        signer = await loadPrivateKey(options.sign, options.passwordFile);
        signatureOut =
          options.signatureOut ??
          (options.output === undefined || options.output === '-' ? undefined : `${options.output}.sig`);
        if (signatureOut === undefined)
          throw new UsageError('--sign with stdout output needs --signature-out FILE');
        assertOutputDirectory(signatureOut);
      } else if (options.signatureOut !== undefined) {
        throw new UsageError('--signature-out needs --sign (the sender key)');
      }
      const { createEncryptStream } = await loadAge();
      const encryptor = createEncryptStream(recipients, {
        ...(options.armor ? { armor: true } : {}),
        ...(signer === undefined ? {} : { sign: signer }),
      });
      await run(
        inputStream(input),
        [encryptor],
        options.output,
        PUBLIC_FILE,
        'encrypting',
        options.progress !== false,
      );
      const signature = await encryptor.signature;
      if (signature !== undefined && signatureOut !== undefined)
        await writeFileAtomic(signatureOut, signature, PUBLIC_FILE, true);
    });

  age
    .command('decrypt')
    .description('decrypt [input] (default stdin; binary or armored) with identities or a passphrase')
    .option(
      '-i, --identity <file>',
      'identity file: AGE-SECRET-KEY-... lines or an X25519 JWK (repeatable)',
      collect,
    )
    .option('-o, --output <file>', 'write to FILE (only once the whole file decrypted; default stdout)')
    .option(
      '--passphrase-file <file>',
      `passphrase for scrypt files (else ${PASSPHRASE_ENV}, else the terminal)`,
    )
    .option(
      '--max-work-factor <n>',
      `highest scrypt work factor accepted (default ${DEFAULT_MAX_SCRYPT_WORK_FACTOR}, at most ${SCRYPT_WORK_FACTOR_CEILING})`,
      workFactorOption('--max-work-factor'),
    )
    .option(
      '--from <pubkey>',
      'expected sender Ed25519 public key (repeatable): require its signature',
      collect,
    )
    .option('--signature <file>', 'detached sender signature (default INPUT.sig)')
    .option('--password-file <file>', `password of a protected -i key file (or ${PASSWORD_ENV})`)
    .option('--no-progress', 'no progress (a bar on a terminal, else a line every 5 s for a known size)')
    .argument('[input]', 'file to decrypt (default stdin)')
    .addHelpText(
      'after',
      '\nWithout -i the file must be passphrase-encrypted.\nExit codes: 0 decrypted (and verified with --from); 1 cannot decrypt or verify; 2 usage error.\n\nExamples:\n  sealwire age decrypt -i key.txt -o data data.age\n  sealwire age decrypt -i bob.jwk --from alice.pub.jwk -o report.csv report.age\n  sealwire age decrypt --passphrase-file pass.txt secret.age',
    )
    .action(async (input: string | undefined, options: DecryptOptions) => {
      checkStdinUse(input, options);
      if (options.output !== undefined && options.output !== '-') assertOutputDirectory(options.output);
      const identities: AgeIdentity[] = [];
      for (const file of options.identity ?? [])
        identities.push(...(await loadIdentities(file, options.passwordFile)));
      if (identities.length === 0) {
        const maxWorkFactor = options.maxWorkFactor ?? DEFAULT_MAX_SCRYPT_WORK_FACTOR;
        // Asked for only if the header turns out to be an scrypt one.
        identities.push({ passphrase: () => readPassphrase(options.passphraseFile, false), maxWorkFactor });
      } else if (options.maxWorkFactor !== undefined) {
        throw new UsageError('--max-work-factor applies to passphrase files (no -i)');
      }
      let from: PublicJwk[] | undefined;
      let signature: string | undefined;
      if (options.from !== undefined) {
        from = await Promise.all(options.from.map((path) => loadPublicKey(path)));
        const signaturePath =
          options.signature ?? (input === undefined || input === '-' ? undefined : `${input}.sig`);
        if (signaturePath === undefined)
          throw new UsageError('--from with stdin input needs --signature FILE');
        signature = (await readFileOrExplain(signaturePath)).toString('utf8');
      } else if (options.signature !== undefined) {
        throw new UsageError('--signature needs --from (the expected senders)');
      }
      const { createDecryptStream } = await loadAge();
      const decryptor = createDecryptStream(identities, {
        ...(from === undefined ? {} : { from }),
        ...(signature === undefined ? {} : { signature }),
      });
      await withFlagHints(
        run(
          inputStream(input),
          [decryptor],
          options.output,
          PRIVATE_FILE,
          'decrypting',
          options.progress !== false,
        ),
        { maxWorkFactor: '--max-work-factor' },
      );
      if (from !== undefined) notice('sealwire: sender signature verified');
    });
}
