/**
 * `sealwire seal` and `sealwire open`. Sealed output is ciphertext (a 0644 file is fine); opened output is
 * plaintext, so `open --out` writes it 0600 like every other file holding a secret.
 */
import type { Command } from 'commander';
import { encodeBase64 } from '../encoding/base64.ts';
import { fromUtf8 } from '../encoding/bytes.ts';
import { assertOutputDirectory } from '../files/atomic.ts';
import { PRIVATE_FILE, PUBLIC_FILE, readInput, refuseStdinTwice, withFlagHints, writeOutput } from './io.ts';
import { loadPrivateKey, loadPublicKey, PASSWORD_ENV } from './keyfile.ts';
import { collect, integerOption } from './options.ts';
import { notice, warn } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for jose.
const loadJose = () => import('../seal/jose/index.ts');

const DEFAULT_MAX_SIZE = 64 * 1024 * 1024;
/** Node's largest Buffer on 64-bit machines is a little over 4 GiB; a JWE is read whole. */
const MAX_MAX_SIZE = 2 ** 32 - 1;

/** Early, before keys are loaded or input read: the checks that need only the command line. */
function checkFiles(options: { in?: string; out?: string; passwordFile?: string }): void {
  refuseStdinTwice(options.in, [['--password-file', options.passwordFile]], 'pass --in FILE');
  if (options.out !== undefined && options.out !== '-') assertOutputDirectory(options.out);
}

interface SealCliOptions {
  to: string[];
  sign?: string;
  anonymous?: boolean;
  json?: boolean;
  in?: string;
  out?: string;
  passwordFile?: string;
}

interface OpenCliOptions {
  key: string;
  from?: string[];
  in?: string;
  out?: string;
  passwordFile?: string;
  maxSize: number;
  json?: boolean;
}

export function registerSealCommands(program: Command): void {
  program
    .command('seal')
    .description(
      'encrypt data for one or more public keys (JWE; compact for one recipient, JSON for several)',
    )
    .requiredOption('--to <pubkey>', 'recipient public key file (repeat for several)', collect)
    .option(
      '--sign <privkey>',
      'sign first with this Ed25519/ES256 private key (receivers check it with --from)',
    )
    .option('--anonymous', 'leave key ids out of recipient slots')
    .option('--json', 'General JSON serialization even for one recipient')
    .option('--in <file>', 'input file (default stdin)')
    .option('--out <file>', 'output file (default stdout)')
    .option('--password-file <file>', `password of a protected --sign key (or ${PASSWORD_ENV})`)
    .addHelpText(
      'after',
      '\nExamples:\n  echo hello | sealwire seal --to bob.pub.jwk > msg.jwe\n  sealwire seal --to a.pub.jwk --to b.pub.jwk --sign me.jwk --in report.csv --out report.jwe',
    )
    .action(async (options: SealCliOptions) => {
      checkFiles(options);
      const recipients = await Promise.all(options.to.map((path) => loadPublicKey(path)));
      const signer =
        options.sign === undefined ? undefined : await loadPrivateKey(options.sign, options.passwordFile);
      const payload = await readInput(options.in);
      const { seal } = await loadJose();
      const sealed = await seal(payload, recipients, {
        ...(signer === undefined ? {} : { sign: signer }),
        ...(options.anonymous ? { anonymous: true } : {}),
        ...(options.json ? { serialization: 'json' as const } : {}),
      });
      await writeOutput(
        options.out,
        `${typeof sealed === 'string' ? sealed : JSON.stringify(sealed)}\n`,
        PUBLIC_FILE,
      );
    });

  program
    .command('open')
    .description(
      'decrypt a JWE with your private key; with --from, also require and check the sender signature',
    )
    .requiredOption('--key <privkey>', 'your private key file')
    .option(
      '--from <pubkey>',
      'expected sender public key (repeat for several); the message must be signed by one',
      collect,
    )
    .option('--in <file>', 'input file (default stdin)')
    .option('--out <file>', 'output file for the plaintext (mode 0600; default stdout)')
    .option('--password-file <file>', `password of a protected --key (or ${PASSWORD_ENV})`)
    .option(
      '--max-size <bytes>',
      'largest plaintext accepted, in bytes',
      integerOption('--max-size', 1, MAX_MAX_SIZE),
      DEFAULT_MAX_SIZE,
    )
    .option('--json', 'print JSON: {signature, signer?, recipientKid?, plaintext (base64) unless --out}')
    .addHelpText(
      'after',
      '\nExit codes: 0 opened (and verified with --from); 1 cannot decrypt or verify; 2 usage error.\n\nExample:\n  sealwire open --key bob.jwk --from alice.pub.jwk --in msg.jwe',
    )
    .action(async (options: OpenCliOptions) => {
      checkFiles(options);
      const key = await loadPrivateKey(options.key, options.passwordFile);
      const from =
        options.from === undefined
          ? undefined
          : await Promise.all(options.from.map((path) => loadPublicKey(path)));
      const input = fromUtf8(await readInput(options.in));
      const { open } = await loadJose();
      const result = await withFlagHints(
        open(input, key, { ...(from === undefined ? {} : { from }), maxPlaintextBytes: options.maxSize }),
        { maxPlaintextBytes: '--max-size' },
      );
      if (result.signature === 'verified') {
        notice(`sealwire: signature verified, signer kid ${result.signer?.kid}`);
      } else if (result.signature === 'unverified') {
        warn('the content is signed but not verified; pass --from SENDER.pub.jwk (output is the JWS)');
      }
      if (options.out !== undefined) await writeOutput(options.out, result.plaintext, PRIVATE_FILE);
      if (options.json) {
        const report = {
          signature: result.signature,
          ...(result.signer?.kid === undefined ? {} : { signer: result.signer.kid }),
          ...(result.recipientKid === undefined ? {} : { recipientKid: result.recipientKid }),
          ...(options.out === undefined
            ? { plaintext: encodeBase64(result.plaintext) }
            : { output: options.out }),
        };
        await writeOutput(undefined, `${JSON.stringify(report)}\n`);
      } else if (options.out === undefined) {
        await writeOutput(undefined, result.plaintext);
      }
    });
}
