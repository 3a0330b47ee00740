/**
 * A service's data directory (RADKit's layout, with a strong KDF):
 *
 *   settings.json   service id and policy (require_e2ee, require_session_verification); not secret
 *   cert.pem        the self-signed certificate (public: its fingerprint is what clients pin)
 *   key.pem         the certificate's private key, encrypted PKCS#8 under a random 256-bit password
 *   identity.pub.jwk  the public half of the relay identity key (register it with the relay)
 *   secrets.json    that password, the token key and the relay identity key, in a password box sealed with
 *                   the admin password through Argon2id (never PKCS#8's 2048-iteration PBKDF2 on a human
 *                   password)
 *
 *   service.lock    the pid of the process serving it, while one does (see lock.ts)
 *
 * Private files are written 0600, atomically. `renew-cert` replaces cert.pem and key.pem; the key password stays.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeBase64url, encodeBase64url } from '../../encoding/base64url.ts';
import { isJsonObject } from '../../encoding/json.ts';
import { ArgumentError, KeyInvalidError, MalformedError } from '../../errors.ts';
import { writeFileAtomic } from '../../files/atomic.ts';
import { generateKeyPair } from '../../keys/generate.ts';
import type { KdfParams } from '../../keys/kdf.ts';
import { publicJwkOf } from '../../keys/kind.ts';
import { openPasswordBox, sealPasswordBox } from '../../keys/password-box.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import { certificateFingerprint } from '../fingerprint.ts';
import { SERVICE_ID_PATTERN } from '../protocol.ts';
import { assertAdminPasswordStrength } from './admin-password.ts';
import { createServiceCertificate } from './certificate.ts';

export interface ServiceSettings {
  serviceId: string;
  /** Only `capabilities` answers outside E2EE (default true). */
  require_e2ee: boolean;
  /** Every E2EE session must present a valid access token before any RPC (default false). */
  require_session_verification: boolean;
}

interface Secrets {
  keyPassword: string;
  tokenKey: string;
  identityKey: PrivateJwk;
}

export interface OpenedService {
  settings: ServiceSettings;
  certPem: string;
  keyPem: string;
  fingerprint: string;
  tokenKey: Buffer;
  /** Ed25519 key proving to the relay that this service owns its id. */
  identityKey: PrivateJwk;
}

const PURPOSE = 'sealwire-service-secrets';
const files = (dir: string) => ({
  settings: join(dir, 'settings.json'),
  cert: join(dir, 'cert.pem'),
  key: join(dir, 'key.pem'),
  secrets: join(dir, 'secrets.json'),
  identity: join(dir, 'identity.pub.jwk'),
});

/** The one message for "this is not a service directory", whichever file was looked for first. */
function notAService(dir: string, file: string): ArgumentError {
  return new ArgumentError(
    `${dir} does not hold a service (no readable ${file}): check --data-dir, or create it with \`sealwire service start --id ID --data-dir ${dir}\``,
  );
}

/** Reads a file of the data directory; a missing one means the directory is not a service. */
async function readDirFile(dir: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw notAService(dir, basename(path));
    throw error;
  }
}

/** Throws ERR_INVALID_ARGUMENT when `id` cannot name a service. */
export function assertServiceId(id: string): void {
  if (!SERVICE_ID_PATTERN.test(id)) {
    throw new ArgumentError(
      `service id must be lower-case letters, digits and dashes (1-63), got ${JSON.stringify(id)}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

function encryptKey(keyPem: string, password: string): string {
  return createPrivateKey(keyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
    .toString();
}

async function writeSecrets(
  dir: string,
  secrets: Secrets,
  adminPassword: string,
  kdf?: KdfParams,
): Promise<void> {
  const box = await sealPasswordBox(
    Buffer.from(JSON.stringify(secrets)),
    adminPassword,
    PURPOSE,
    kdf === undefined ? {} : { kdf },
  );
  await writeFileAtomic(files(dir).secrets, box, 0o600, true);
}

function opened(settings: ServiceSettings, certPem: string, keyPem: string, secrets: Secrets): OpenedService {
  return {
    settings,
    certPem,
    keyPem,
    fingerprint: certificateFingerprint(certPem),
    tokenKey: Buffer.from(decodeBase64url(secrets.tokenKey, 'the tokenKey of the service secrets')),
    identityKey: secrets.identityKey,
  };
}

/** True when `dir` already holds a service. */
export function isServiceDir(dir: string): Promise<boolean> {
  return exists(files(dir).settings);
}

/** Creates a service in an empty directory: certificate, encrypted key, secrets, settings. */
export async function initServiceDir(
  dir: string,
  options: { serviceId: string; adminPassword: string; settings?: Partial<ServiceSettings>; kdf?: KdfParams },
): Promise<OpenedService> {
  assertServiceId(options.serviceId);
  // Checked before anything touches the disk: a refused password leaves no half-made directory behind.
  assertAdminPasswordStrength(options.adminPassword);
  if (await isServiceDir(dir)) throw new ArgumentError(`${dir} already holds a service`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { certPem, keyPem } = await createServiceCertificate(options.serviceId);
  const secrets: Secrets = {
    keyPassword: encodeBase64url(randomBytes(32)),
    tokenKey: encodeBase64url(randomBytes(32)),
    identityKey: (await generateKeyPair('Ed25519')).privateJwk,
  };
  const settings: ServiceSettings = {
    serviceId: options.serviceId,
    require_e2ee: options.settings?.require_e2ee ?? true,
    require_session_verification: options.settings?.require_session_verification ?? false,
  };
  const paths = files(dir);
  await writeSecrets(dir, secrets, options.adminPassword, options.kdf);
  await writeFileAtomic(paths.key, encryptKey(keyPem, secrets.keyPassword), 0o600, true);
  await writeFileAtomic(paths.cert, certPem, 0o644, true);
  await writeFileAtomic(paths.settings, `${JSON.stringify(settings, null, 2)}\n`, 0o644, true);
  await writeFileAtomic(
    paths.identity,
    `${JSON.stringify(publicJwkOf(secrets.identityKey), null, 2)}\n`,
    0o644,
    true,
  );
  return opened(settings, certPem, keyPem, secrets);
}

export async function readSettings(dir: string): Promise<ServiceSettings> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(files(dir).settings, 'utf8'));
  } catch {
    throw notAService(dir, 'settings.json');
  }
  if (
    !isJsonObject(value) ||
    typeof value.serviceId !== 'string' ||
    typeof value.require_e2ee !== 'boolean' ||
    typeof value.require_session_verification !== 'boolean'
  ) {
    throw new ArgumentError(
      `${dir}/settings.json: expected serviceId, require_e2ee and require_session_verification`,
    );
  }
  return value as unknown as ServiceSettings;
}

/** The Ed25519 public key the relay checks registrations against (list it under the relay's tunnel.services). */
export async function readIdentity(dir: string): Promise<PublicJwk> {
  return JSON.parse(await readDirFile(dir, files(dir).identity)) as PublicJwk;
}

/** The certificate fingerprint, readable without the admin password. */
export async function readFingerprint(dir: string): Promise<string> {
  return certificateFingerprint(await readDirFile(dir, files(dir).cert));
}

async function readSecrets(dir: string, adminPassword: string): Promise<Secrets> {
  const text = await readFile(files(dir).secrets, 'utf8');
  const secrets = JSON.parse(
    Buffer.from(await openPasswordBox(text, adminPassword, PURPOSE)).toString(),
  ) as Secrets;
  if (
    typeof secrets.keyPassword !== 'string' ||
    typeof secrets.tokenKey !== 'string' ||
    !isJsonObject(secrets.identityKey)
  ) {
    throw new MalformedError(`${dir}/secrets.json does not hold the expected secrets`);
  }
  return secrets;
}

/** Opens a service with the admin password (a wrong one is ERR_WRONG_PASSWORD). */
export async function openServiceDir(dir: string, adminPassword: string): Promise<OpenedService> {
  const settings = await readSettings(dir);
  const secrets = await readSecrets(dir, adminPassword);
  const paths = files(dir);
  const certPem = await readFile(paths.cert, 'utf8');
  const key = createPrivateKey({ key: await readFile(paths.key, 'utf8'), passphrase: secrets.keyPassword });
  if (!new X509Certificate(certPem).checkPrivateKey(key)) {
    throw new KeyInvalidError(
      `${dir}: cert.pem and key.pem do not match (an interrupted renew-cert?); run renew-cert again`,
    );
  }
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return opened(settings, certPem, keyPem, secrets);
}

/**
 * Replaces the certificate and its key (encrypted under the same random key password). Clients must pin the
 * new fingerprint, and tokens issued for the old one stop working. Returns the new fingerprint.
 */
export async function renewCertificate(dir: string, adminPassword: string): Promise<string> {
  const settings = await readSettings(dir);
  const secrets = await readSecrets(dir, adminPassword);
  const { certPem, keyPem } = await createServiceCertificate(settings.serviceId);
  const paths = files(dir);
  await writeFileAtomic(`${paths.key}.new`, encryptKey(keyPem, secrets.keyPassword), 0o600, true);
  await writeFileAtomic(`${paths.cert}.new`, certPem, 0o644, true);
  // Two renames: if interrupted between them, `openServiceDir` notices the key/certificate mismatch.
  await rename(`${paths.key}.new`, paths.key);
  await rename(`${paths.cert}.new`, paths.cert);
  return certificateFingerprint(certPem);
}

/** Changes policy settings (no password needed: settings are not secret, the files are the operator's). */
export async function updateSettings(
  dir: string,
  patch: Partial<Omit<ServiceSettings, 'serviceId'>>,
): Promise<ServiceSettings> {
  const settings = { ...(await readSettings(dir)), ...patch };
  await writeFileAtomic(files(dir).settings, `${JSON.stringify(settings, null, 2)}\n`, 0o644, true);
  return settings;
}
