/** `sealwire keygen`, `sealwire pubkey`, `sealwire fingerprint`. */
import type { Command } from 'commander';
import { assertOutputDirectory, refuseExisting } from '../files/atomic.ts';
import type { KeyKind, RsaSize } from '../keys/index.ts';
import { RSA_SIZES } from '../keys/rsa-sizes.ts';
import { PRIVATE_FILE, PUBLIC_FILE, UsageError, writeFileAtomic, writeOutput } from './io.ts';
import { loadPublicKey, PASSWORD_ENV } from './keyfile.ts';
import { choiceOption } from './options.ts';
import { readSecret } from './secrets.ts';
import { notice } from './terminal.ts';

// Loaded on first use, so that --help and the other commands do not pay for jose and hash-wasm.
const loadKeys = () => import('../keys/index.ts');

const KINDS: readonly KeyKind[] = ['X25519', 'P-256', 'RSA-OAEP-256', 'Ed25519', 'ES256'];
const BITS = RSA_SIZES.map(String);

interface KeygenOptions {
  alg: KeyKind;
  bits?: string;
  passwordFile?: string;
  scrypt?: boolean;
  out: string;
  force?: boolean;
  json?: boolean;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function registerKeyCommands(program: Command): void {
  program
    .command('keygen')
    .description('generate a key pair: PREFIX.jwk (private, mode 0600) and PREFIX.pub.jwk')
    .option(
      '--alg <alg>',
      `key type: ${KINDS.join(' | ')}`,
      choiceOption('--alg', KINDS, { ignoreCase: true }),
      'X25519',
    )
    .option(
      '--bits <n>',
      `RSA modulus size: ${RSA_SIZES.join(' | ')} (default 3072)`,
      choiceOption('--bits', BITS),
    )
    .option(
      '--password-file <file>',
      `protect the private key with the password in FILE (Argon2id + AES-256-GCM)`,
    )
    .option('--scrypt', 'derive the protection key with scrypt instead of Argon2id')
    .requiredOption('--out <prefix>', 'output path prefix')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print JSON: {kid, alg, private, public, protected} instead of the kid')
    .addHelpText(
      'after',
      `\nExamples:\n  sealwire keygen --out alice\n  sealwire keygen --alg Ed25519 --out signer --password-file pw.txt\n  sealwire keygen --alg RSA-OAEP-256 --bits 4096 --out legacy\n\nWith --password-file the private file is encrypted; commands that read it take --password-file or ${PASSWORD_ENV}.`,
    )
    .action(async (options: KeygenOptions) => {
      const kind = options.alg;
      let bits: RsaSize | undefined;
      if (options.bits !== undefined) {
        if (kind !== 'RSA-OAEP-256') throw new UsageError('--bits applies to RSA-OAEP-256 keys only');
        bits = Number(options.bits) as RsaSize;
      }
      if (options.scrypt && options.passwordFile === undefined)
        throw new UsageError('--scrypt needs --password-file');
      const privatePath = `${options.out}.jwk`;
      const publicPath = `${options.out}.pub.jwk`;
      // Before the (slow, for RSA) generation: a missing directory or an existing file is known now.
      assertOutputDirectory(privatePath);
      if (options.force !== true)
        for (const path of [privatePath, publicPath]) refuseExisting(path, 'use --force');
      const { DEFAULT_ARGON2ID, DEFAULT_SCRYPT, generateKeyPair, protectPrivateKey } = await loadKeys();
      const pair = await generateKeyPair(kind, bits === undefined ? {} : { bits });
      let privateText = `${JSON.stringify(pair.privateJwk, null, 2)}\n`;
      if (options.passwordFile !== undefined) {
        const password = await readSecret({
          noun: 'password',
          flag: '--password-file',
          file: options.passwordFile,
          envVar: PASSWORD_ENV,
          prompt: 'new password: ',
        });
        privateText = await protectPrivateKey(pair.privateJwk, password, {
          kdf: options.scrypt ? DEFAULT_SCRYPT : DEFAULT_ARGON2ID,
        });
      }
      const overwrite = options.force === true;
      await writeFileAtomic(privatePath, privateText, PRIVATE_FILE, overwrite, 'use --force');
      await writeFileAtomic(publicPath, json(pair.publicJwk), PUBLIC_FILE, overwrite, 'use --force');
      const protectedKey = options.passwordFile !== undefined;
      notice(
        `wrote ${privatePath} (private${protectedKey ? ', password-protected' : ''}, mode 0600) and ${publicPath}`,
      );
      await writeOutput(
        undefined,
        options.json
          ? json({
              kid: pair.kid,
              alg: kind,
              private: privatePath,
              public: publicPath,
              protected: protectedKey,
            })
          : `${pair.kid}\n`,
      );
    });

  program
    .command('pubkey')
    .description('print the public key of a key file (JWK by default)')
    .argument('<keyfile>', 'a private or public key file (JWK or PEM; protected files need no password)')
    .option('--pem', 'print PEM (SPKI) instead of JWK')
    .option('--json', 'print JSON: {kid, jwk} (and pem with --pem)')
    .action(async (path: string, options: { pem?: boolean; json?: boolean }) => {
      const jwk = await loadPublicKey(path);
      const { exportPem, thumbprint } = await loadKeys();
      if (options.json) {
        const kid = jwk.kid ?? (await thumbprint(jwk));
        await writeOutput(
          undefined,
          json({ kid, jwk, ...(options.pem ? { pem: await exportPem(jwk) } : {}) }),
        );
        return;
      }
      await writeOutput(undefined, options.pem ? await exportPem(jwk) : json(jwk));
    });

  program
    .command('fingerprint')
    .description('print the key id (RFC 7638 thumbprint) and the SHA-256 fingerprint of the public key')
    .argument('<keyfile>', 'a private or public key file')
    .option('--json', 'print JSON: {thumbprint, sha256}')
    .addHelpText(
      'after',
      '\nThe SHA-256 fingerprint is over the DER SubjectPublicKeyInfo, the same value as\n  sealwire pubkey --pem KEY | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c',
    )
    .action(async (path: string, options: { json?: boolean }) => {
      const jwk = await loadPublicKey(path);
      const { fingerprint, thumbprint } = await loadKeys();
      const [kid, sha256] = [await thumbprint(jwk), await fingerprint(jwk)];
      await writeOutput(
        undefined,
        options.json ? json({ thumbprint: kid, sha256 }) : `thumbprint: ${kid}\nsha256: ${sha256}\n`,
      );
    });
}
