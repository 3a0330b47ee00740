/**
 * Keyring directories, for Node (exported by `sealwire/fields/node`, never by the browser-safe
 * `sealwire/fields`):
 *
 *   DIR/keyring.json           which KEK protects the keysets: {"sealwire":"keyring","version":1,"kek":{...}}
 *   DIR/<alias>.keyset.json    one Tink encrypted keyset per alias (AES-GCM keys), mode 0600
 *
 * The KEK is a local master key file (a cleartext Tink keyset, mode 0600, best kept outside DIR; keyring.json
 * names it relative to DIR, so the two can be copied together, and `masterKeyFile` overrides it), a key
 * derived from a password with Argon2id, or anything behind a `Kms` driver. A service configures the
 * directory (holding only the keysets it may use) and the KEK; `loadKeyring` does the rest at start-up.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.ts';
import { utf8 } from '../encoding/bytes.ts';
import { isJsonObject, type JsonObject, parseJsonObject } from '../encoding/json.ts';
import {
  ArgumentError,
  DecryptionError,
  IoError,
  LimitExceededError,
  MalformedError,
  WrongPasswordError,
} from '../errors.ts';
import { writeFileAtomic } from '../files/atomic.ts';
import type { Bytes } from '../runtime/types.ts';
import { checkAlias, isValidAlias } from './alias.ts';
import type { Keyset, KeysetInfo } from './gen/google/crypto/tink/keyset_pb.ts';
import { Keyring } from './keyring.ts';
import {
  checkPasswordParams,
  type Kms,
  LocalKms,
  newPasswordKekParams,
  type PasswordKekParams,
} from './kms.ts';
import { decryptKeyset, encryptKeyset, readKeysetInfo } from './tink/encrypted-keyset.ts';
import { validateKeyset } from './tink/keyset.ts';
import { type AesKeySize, disableKey, enableKey, generateKeyset, rotateKeyset } from './tink/keyset-ops.ts';

export const KEYRING_CONFIG_FILE = 'keyring.json';
export const KEYSET_FILE_SUFFIX = '.keyset.json';
/** Keyset files one directory may hold (production fleets run ~1000 keys). */
export const MAX_KEYSETS = 10_000;

const CHECK_ASSOCIATED_DATA = utf8('sealwire keyring password check');

/** Builds the KEK of a `kek` entry whose `kms` is not one of the built-in local kinds. */
export type KmsDriver = (kek: JsonObject, dir: string) => Promise<Kms>;

export interface OpenKeyringOptions {
  /** A KEK to use instead of the one keyring.json names. */
  kms?: Kms;
  /**
   * For a keyring protected by a local master key file: the file to use instead of the path keyring.json
   * names (that path is relative to the keyring directory, so a copy finds its key only where the relative
   * layout was kept).
   */
  masterKeyFile?: string;
  /** The password of a `local-password` KEK. */
  password?: string | Uint8Array;
  /** Drivers for other KEKs, by the `kms` name in keyring.json (e.g. `"aws-kms"`). */
  kmsDrivers?: Readonly<Record<string, KmsDriver>>;
}

export interface LoadKeyringOptions extends OpenKeyringOptions {
  /** Load only these aliases (each must exist); default: every keyset in the directory. */
  aliases?: Iterable<string>;
}

/** How `KeyringDirectory.init` sets up the KEK. */
export type InitKek =
  | { masterKeyFile: string }
  | {
      password: string | Uint8Array;
      cost?: Pick<PasswordKekParams, 'memoryKiB' | 'iterations' | 'parallelism'>;
    }
  | { kms: Kms; config: JsonObject };

/** What `keys list` shows of one keyset, read without the KEK. */
export interface KeysetListing {
  alias: string;
  /** Unauthenticated (the cleartext part of the file): for display, never for decisions. */
  info: KeysetInfo | undefined;
}

/** Loads the keysets of a keyring directory (see the module comment). */
export async function loadKeyring(dir: string, options: LoadKeyringOptions = {}): Promise<Keyring> {
  const directory = await KeyringDirectory.open(dir, options);
  return directory.keyring(options.aliases);
}

export class KeyringDirectory {
  readonly dir: string;
  readonly kms: Kms;

  private constructor(dir: string, kms: Kms) {
    this.dir = dir;
    this.kms = kms;
  }

  /** Creates DIR and its keyring.json; refuses when DIR already has one. */
  static async init(dir: string, kek: InitKek): Promise<KeyringDirectory> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const configPath = resolve(dir, KEYRING_CONFIG_FILE);
    if (await exists(configPath))
      throw new ArgumentError(`${configPath} exists: the keyring is already set up`);
    let kms: Kms;
    let config: JsonObject;
    if ('masterKeyFile' in kek) {
      const path = resolve(kek.masterKeyFile);
      if (await exists(path)) {
        kms = LocalKms.fromKeysetJson(await readText(path), `local-keyset:${path}`);
      } else {
        const generated = LocalKms.generate(`local-keyset:${path}`);
        await writePrivate(path, generated.keysetJson, false);
        kms = generated.kms;
      }
      // Relative to DIR, so that the keyring and its key can be copied or moved together.
      config = { kms: 'local-keyset', path: relative(resolve(dir), path) };
    } else if ('password' in kek) {
      const params = newPasswordKekParams(kek.cost);
      kms = await LocalKms.fromPassword(kek.password, params);
      const check = await kms.encrypt(new Uint8Array(0), CHECK_ASSOCIATED_DATA);
      config = { kms: 'local-password', argon2id: { ...params }, check: encodeBase64url(check) };
    } else {
      if (typeof kek.config.kms !== 'string' || kek.config.kms.startsWith('local-')) {
        throw new ArgumentError('a KMS keyring needs `config.kms`, the name of its driver (not local-*)');
      }
      kms = kek.kms;
      config = kek.config;
    }
    await writePrivate(
      configPath,
      `${JSON.stringify({ sealwire: 'keyring', version: 1, kek: config }, null, 2)}\n`,
      false,
    );
    return new KeyringDirectory(dir, kms);
  }

  /** Opens DIR with the KEK its keyring.json names (or `options.kms`). */
  static async open(dir: string, options: OpenKeyringOptions = {}): Promise<KeyringDirectory> {
    if (options.kms !== undefined) return new KeyringDirectory(dir, options.kms);
    const kek = await readConfig(dir);
    if (options.masterKeyFile !== undefined && kek.kms !== 'local-keyset') {
      throw new ArgumentError(
        `${dir} is protected by ${kek.kms === 'local-password' ? 'a password' : `KEK kind "${String(kek.kms)}"`}, not a master key file: drop \`masterKeyFile\``,
      );
    }
    switch (kek.kms) {
      case 'local-keyset': {
        if (typeof kek.path !== 'string')
          throw new MalformedError(`${KEYRING_CONFIG_FILE}: kek.path must be a string`);
        // Relative to DIR (keyrings written before relative paths hold an absolute one: resolve keeps it).
        const path = resolve(options.masterKeyFile ?? resolve(dir, kek.path));
        if (!(await exists(path))) {
          throw new IoError(
            options.masterKeyFile === undefined
              ? `the master key of keyring ${dir} is not at ${path} (keyring.json names "${kek.path}"): pass where it is now as \`masterKeyFile\``
              : `no master key file at ${path} (\`masterKeyFile\`)`,
          );
        }
        return new KeyringDirectory(
          dir,
          LocalKms.fromKeysetJson(await readText(path), `local-keyset:${path}`),
        );
      }
      case 'local-password': {
        if (options.password === undefined) {
          throw new ArgumentError(
            'this keyring is protected by a password: pass `password` (the CLI reads SEALWIRE_KEYRING_PASSWORD or --password-file)',
          );
        }
        const params: PasswordKekParams = checkPasswordParams(kek.argon2id);
        const kms = await LocalKms.fromPassword(options.password, params);
        try {
          await kms.decrypt(
            decodeBase64url(kek.check, `${KEYRING_CONFIG_FILE} kek.check`),
            CHECK_ASSOCIATED_DATA,
          );
        } catch (error) {
          if (error instanceof DecryptionError) throw new WrongPasswordError('wrong keyring password');
          throw error;
        }
        return new KeyringDirectory(dir, kms);
      }
      default: {
        const name = String(kek.kms);
        const driver = options.kmsDrivers?.[name];
        if (driver === undefined) {
          throw new ArgumentError(
            `${KEYRING_CONFIG_FILE} names KEK kind "${name}": pass a driver for it in \`kmsDrivers\` (or the KEK itself in \`kms\`)`,
          );
        }
        return new KeyringDirectory(dir, await driver(kek, dir));
      }
    }
  }

  /** The KEK kind keyring.json names (`local-keyset`, `local-password`, or a driver's name). */
  static async kekKind(dir: string): Promise<string> {
    return String((await readConfig(dir)).kms);
  }

  /**
   * Where keyring.json says the master key of DIR is (resolved against DIR), or undefined when DIR is not
   * protected by a master key file. Lets a caller check it before opening, and name its own option.
   */
  static async masterKeyPath(dir: string): Promise<string | undefined> {
    const kek = await readConfig(dir);
    if (kek.kms !== 'local-keyset' || typeof kek.path !== 'string') return undefined;
    return resolve(dir, kek.path);
  }

  /** Whether DIR has a keyring.json. */
  static async exists(dir: string): Promise<boolean> {
    return exists(resolve(dir, KEYRING_CONFIG_FILE));
  }

  /** The keysets of DIR with their cleartext key ids and statuses; needs no KEK. */
  static async list(dir: string): Promise<KeysetListing[]> {
    const listing: KeysetListing[] = [];
    for (const alias of await aliasesIn(dir)) {
      const what = `keyset "${alias}"`;
      listing.push({ alias, info: readKeysetInfo(await readText(keysetPath(dir, alias)), what) });
    }
    return listing;
  }

  /** Aliases with a keyset file in DIR, sorted. */
  async aliases(): Promise<string[]> {
    return aliasesIn(this.dir);
  }

  async read(alias: string): Promise<Keyset> {
    checkAlias(alias);
    const path = keysetPath(this.dir, alias);
    if (!(await exists(path))) throw new ArgumentError(`no keyset for alias "${alias}" in ${this.dir}`);
    const keyset = await decryptKeyset(
      await readText(path),
      this.kms,
      keysetAssociatedData(alias),
      `keyset "${alias}"`,
    );
    validateKeyset(keyset, `keyset "${alias}"`);
    return keyset;
  }

  async write(alias: string, keyset: Keyset, overwrite: boolean): Promise<void> {
    checkAlias(alias);
    validateKeyset(keyset, `keyset "${alias}"`);
    const text = await encryptKeyset(keyset, this.kms, keysetAssociatedData(alias));
    await writePrivate(keysetPath(this.dir, alias), text, overwrite);
  }

  /** A new keyset with one AES-GCM key; refuses when the alias already has one. */
  async create(alias: string, keySize: AesKeySize = 32): Promise<Keyset> {
    checkAlias(alias);
    if (await exists(keysetPath(this.dir, alias))) {
      throw new ArgumentError(`alias "${alias}" already has a keyset: use rotate to add a key`);
    }
    const keyset = generateKeyset(keySize);
    await this.write(alias, keyset, false);
    return keyset;
  }

  /** Adds a new primary key; old keys stay enabled so existing data still decrypts. */
  async rotate(alias: string, keySize: AesKeySize = 32): Promise<Keyset> {
    const keyset = rotateKeyset(await this.read(alias), keySize);
    await this.write(alias, keyset, true);
    return keyset;
  }

  async disable(alias: string, keyId: number): Promise<Keyset> {
    const keyset = disableKey(await this.read(alias), keyId);
    await this.write(alias, keyset, true);
    return keyset;
  }

  async enable(alias: string, keyId: number): Promise<Keyset> {
    const keyset = enableKey(await this.read(alias), keyId);
    await this.write(alias, keyset, true);
    return keyset;
  }

  /** A keyring of the given aliases (default: all in DIR). */
  async keyring(aliases?: Iterable<string>): Promise<Keyring> {
    const wanted = aliases === undefined ? await this.aliases() : [...new Set(aliases)];
    const keysets: [string, Keyset][] = [];
    for (const alias of wanted) keysets.push([alias, await this.read(alias)]);
    return new Keyring(keysets);
  }
}

/** Associated data of a keyset file: a file renamed to another alias does not decrypt. */
export function keysetAssociatedData(alias: string): Bytes {
  return utf8(`sealwire-keyset:${alias}`);
}

async function readConfig(dir: string): Promise<JsonObject> {
  const path = resolve(dir, KEYRING_CONFIG_FILE);
  if (!(await exists(path))) {
    throw new ArgumentError(
      `${dir} is not a keyring directory (no ${KEYRING_CONFIG_FILE}): create one with \`sealwire keys create\``,
    );
  }
  const config = parseJsonObject(await readText(path), path, 1 << 16);
  if (config.sealwire !== 'keyring' || config.version !== 1 || !isJsonObject(config.kek)) {
    throw new MalformedError(`${path}: not a version 1 Sealwire keyring configuration`);
  }
  return config.kek;
}

async function aliasesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new IoError(`cannot read keyring directory ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const aliases = names
    .filter((name) => name.endsWith(KEYSET_FILE_SUFFIX))
    .map((name) => name.slice(0, -KEYSET_FILE_SUFFIX.length))
    .filter(isValidAlias)
    .sort();
  if (aliases.length > MAX_KEYSETS) {
    throw new LimitExceededError(`${dir} holds ${aliases.length} keysets, over the limit of ${MAX_KEYSETS}`);
  }
  return aliases;
}

function keysetPath(dir: string, alias: string): string {
  return join(dir, `${alias}${KEYSET_FILE_SUFFIX}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new IoError(`cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Writes through a temporary file created 0600 from the start, then renames it into place: the shared
 * writer, whose registry lets the CLI remove the temporary file when a signal interrupts the write.
 */
async function writePrivate(path: string, text: string, overwrite: boolean): Promise<void> {
  await writeFileAtomic(path, text, 0o600, overwrite);
}
