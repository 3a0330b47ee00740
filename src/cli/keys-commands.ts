/** `sealwire keygen`, `sealwire pubkey`, `sealwire fingerprint`. */
import type { Command } from 'commander';
import type { KeyKind, RsaSize } from '../keys/index.ts';
import { RSA_SIZES } from '../keys/rsa-sizes.ts';
import { readPassword, UsageError, writeFileAtomic, writeOutput } from './io.ts';
import { loadPublicKey, PASSWORD_ENV } from './keyfile.ts';

// Loaded on first use, so that --help and the other commands do not pay for jose and hash-wasm.
const loadKeys = () => import('../keys/index.ts');

const KINDS: KeyKind[] = ['X25519', 'P-256', 'RSA-OAEP-256', 'Ed25519', 'ES256'];

interface KeygenOptions {
  alg: string;
  bits?: string;
  passwordFile?: string;
  scrypt?: boolean;
  out: string;
  force?: boolean;
}

export function registerKeyCommands(program: Command): void {
  program
    .command('keygen')
    .description('generate a key pair: PREFIX.jwk (private, mode 0600) and PREFIX.pub.jwk')
    .option('--alg <alg>', `key type: ${KINDS.join(' | ')}`, 'X25519')
    .option('--bits <n>', `RSA modulus size: ${RSA_SIZES.join(' | ')} (default 3072)`)
    .option(
      '--password-file <file>',
      `protect the private key with the password in FILE (Argon2id + AES-256-GCM)`,
    )
    .option('--scrypt', 'derive the protection key with scrypt instead of Argon2id')
    .requiredOption('--out <prefix>', 'output path prefix')
    .option('--force', 'overwrite existing files')
    .addHelpText(
      'after',
      `\nExamples:\n  sealwire keygen --out alice\n  sealwire keygen --alg Ed25519 --out signer --password-file pw.txt\n  sealwire keygen --alg RSA-OAEP-256 --bits 4096 --out legacy\n\nWith --password-file the private file is encrypted; commands that read it take --password-file or ${PASSWORD_ENV}.`,
    )
    .action(async (options: KeygenOptions) => {
      const { DEFAULT_ARGON2ID, DEFAULT_SCRYPT, generateKeyPair, protectPrivateKey } = await loadKeys();
      const kind = KINDS.find((candidate) => candidate.toLowerCase() === options.alg.toLowerCase());
      if (kind === undefined)
        throw new UsageError(`--alg must be one of ${KINDS.join(', ')}, got ${options.alg}`);
      let bits: RsaSize | undefined;
      if (options.bits !== undefined) {
        if (kind !== 'RSA-OAEP-256') throw new UsageError('--bits applies to RSA-OAEP-256 keys only');
        bits = Number(options.bits) as RsaSize;
        if (!RSA_SIZES.includes(bits)) throw new UsageError(`--bits must be one of ${RSA_SIZES.join(', ')}`);
      }
      if (options.scrypt && options.passwordFile === undefined)
        throw new UsageError('--scrypt needs --password-file');
      const pair = await generateKeyPair(kind, bits === undefined ? {} : { bits });
      let privateText = `${JSON.stringify(pair.privateJwk, null, 2)}\n`;
      if (options.passwordFile !== undefined) {
        const password = await readPassword({
          file: options.passwordFile,
          envVar: PASSWORD_ENV,
          prompt: 'new password: ',
        });
        privateText = await protectPrivateKey(pair.privateJwk, password, {
          kdf: options.scrypt ? DEFAULT_SCRYPT : DEFAULT_ARGON2ID,
        });
      }
      const privatePath = `${options.out}.jwk`;
      const publicPath = `${options.out}.pub.jwk`;
      await writeFileAtomic(privatePath, privateText, 0o600, options.force === true);
      await writeFileAtomic(
        publicPath,
        `${JSON.stringify(pair.publicJwk, null, 2)}\n`,
        0o644,
        options.force === true,
      );
      process.stderr.write(
        `wrote ${privatePath} (private${options.passwordFile === undefined ? '' : ', password-protected'}, mode 0600) and ${publicPath}\n`,
      );
      await writeOutput(undefined, `${pair.kid}\n`);
    });

  program
    .command('pubkey')
    .description('print the public key of a key file (JWK by default)')
    .argument('<keyfile>', 'a private or public key file (JWK or PEM; protected files need no password)')
    .option('--pem', 'print PEM (SPKI) instead of JWK')
    .action(async (path: string, options: { pem?: boolean }) => {
      const jwk = await loadPublicKey(path);
      const { exportPem } = await loadKeys();
      await writeOutput(undefined, options.pem ? await exportPem(jwk) : `${JSON.stringify(jwk, null, 2)}\n`);
    });

  program
    .command('fingerprint')
    .description('print the key id (RFC 7638 thumbprint) and the SHA-256 fingerprint of the public key')
    .argument('<keyfile>', 'a private or public key file')
    .addHelpText(
      'after',
      '\nThe SHA-256 fingerprint is over the DER SubjectPublicKeyInfo, the same value as\n  sealwire pubkey --pem KEY | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c',
    )
    .action(async (path: string) => {
      const jwk = await loadPublicKey(path);
      const { fingerprint, thumbprint } = await loadKeys();
      await writeOutput(
        undefined,
        `thumbprint: ${await thumbprint(jwk)}\nsha256: ${await fingerprint(jwk)}\n`,
      );
    });
}
