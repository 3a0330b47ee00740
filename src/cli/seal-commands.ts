/** `sealwire seal` and `sealwire open`. */
import type { Command } from 'commander';
import { fromUtf8 } from '../codecs/bytes.ts';
import { readInput, writeOutput } from './io.ts';
import { loadPrivateKey, loadPublicKey, PASSWORD_ENV } from './keyfile.ts';

// Loaded on first use, so that --help and the other commands do not pay for jose.
const loadJose = () => import('../seal/jose/index.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];

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
  maxSize?: string;
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
      await writeOutput(options.out, `${typeof sealed === 'string' ? sealed : JSON.stringify(sealed)}\n`);
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
    .option('--out <file>', 'output file (default stdout)')
    .option('--password-file <file>', `password of a protected --key (or ${PASSWORD_ENV})`)
    .option('--max-size <bytes>', 'largest plaintext accepted', String(64 * 1024 * 1024))
    .addHelpText(
      'after',
      '\nExit codes: 0 opened (and verified with --from); 1 cannot decrypt or verify; 2 usage error.\n\nExample:\n  sealwire open --key bob.jwk --from alice.pub.jwk --in msg.jwe',
    )
    .action(async (options: OpenCliOptions) => {
      const key = await loadPrivateKey(options.key, options.passwordFile);
      const from =
        options.from === undefined
          ? undefined
          : await Promise.all(options.from.map((path) => loadPublicKey(path)));
      const input = fromUtf8(await readInput(options.in));
      const { open } = await loadJose();
      const result = await open(input, key, {
        ...(from === undefined ? {} : { from }),
        maxPlaintextBytes: Number(options.maxSize),
      });
      if (result.signature === 'verified') {
        process.stderr.write(`sealwire: signature verified, signer kid ${result.signer?.kid}\n`);
      } else if (result.signature === 'unverified') {
        process.stderr.write(
          'sealwire: the content is signed but not verified; pass --from SENDER.pub.jwk (output is the JWS)\n',
        );
      }
      await writeOutput(options.out, result.plaintext);
    });
}
