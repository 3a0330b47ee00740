/** Loading key files for CLI commands: JWK or PEM, plain or password-protected. */
import type { PrivateJwk, PublicJwk } from '../keys/index.ts';
import { readFileOrExplain, UsageError } from './io.ts';
import { readSecret } from './secrets.ts';

// Loaded on first use, so that --help and commands without key files do not pay for jose and hash-wasm.
const loadKeys = () => import('../keys/index.ts');

export const PASSWORD_ENV = 'SEALWIRE_KEY_PASSWORD';

export async function loadPrivateKey(path: string, passwordFile?: string): Promise<PrivateJwk> {
  const text = (await readFileOrExplain(path)).toString('utf8');
  const { importKey, isPrivateJwk, isProtectedKeyFile, unprotectPrivateKey } = await loadKeys();
  if (isProtectedKeyFile(text)) {
    const password = await readSecret({
      noun: 'password',
      flag: '--password-file',
      file: passwordFile,
      envVar: PASSWORD_ENV,
      prompt: `password for ${path}: `,
    });
    return unprotectPrivateKey(text, password);
  }
  const key = await withPath(path, importKey(text));
  if (!isPrivateJwk(key)) throw new UsageError(`${path} holds a public key; a private key is needed here`);
  return key;
}

/** A public key from a public or private key file (the private part is dropped; protected files need no password). */
export async function loadPublicKey(path: string): Promise<PublicJwk> {
  const text = (await readFileOrExplain(path)).toString('utf8');
  const { importKey, isProtectedKeyFile, protectedKeyPublicJwk, publicJwkOf } = await loadKeys();
  if (isProtectedKeyFile(text))
    return withPath(path, importKey(JSON.stringify(protectedKeyPublicJwk(text)))) as Promise<PublicJwk>;
  return publicJwkOf(await withPath(path, importKey(text)));
}

async function withPath<T>(path: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}
