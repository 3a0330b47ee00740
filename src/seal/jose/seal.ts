/**
 * `seal`: encrypt a payload for one or more public keys as a JWE (RFC 7516), optionally signed first.
 * Byte-compatible with every conforming JOSE implementation; checked against jose, Authlib and jwcrypto.
 */
import { runtime } from '#runtime';
import { encodeBase64url } from '../../encoding/base64url.ts';
import { toBytes, utf8 } from '../../encoding/bytes.ts';
import { ArgumentError, KeyMismatchError } from '../../errors.ts';
import { isPrivateJwk, keyKindOf, publicJwkOf } from '../../keys/kind.ts';
import { thumbprint } from '../../keys/thumbprint.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import type { ContentEncryptionAlgorithm } from './algorithms.ts';
import { encryptContent } from './content.ts';
import { sign } from './jws.ts';
import { type NativeKeyManagement, wrapKey } from './key-management.ts';
import type { GeneralJwe, GeneralJweRecipient, JweHeader, SealOptions } from './types.ts';

const ENC: ContentEncryptionAlgorithm = 'A256GCM';
const DEFAULT_MAX_RECIPIENTS = 1024;

/** Header names that `protectedHeader` may not set: they carry the cryptography. */
const RESERVED = new Set([
  'alg',
  'enc',
  'zip',
  'crit',
  'epk',
  'apu',
  'apv',
  'iv',
  'tag',
  'p2s',
  'p2c',
  'kid',
  'cty',
  'typ',
  'jku',
  'jwk',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
]);

interface Prepared {
  jwk: PublicJwk;
  alg: NativeKeyManagement;
  kid: string | undefined;
}

async function prepareRecipient(
  recipient: PublicJwk,
  options: SealOptions,
  count: number,
): Promise<Prepared> {
  const kind = keyKindOf(recipient);
  let alg: NativeKeyManagement;
  if (kind === 'RSA-OAEP-256') alg = 'RSA-OAEP-256';
  else if (kind === 'X25519' || kind === 'P-256') alg = options.keyManagement ?? 'ECDH-ES+A256KW';
  else throw new KeyMismatchError(`a ${kind} key signs, it cannot receive encrypted data`);
  if (alg === 'ECDH-ES' && count > 1) {
    throw new ArgumentError('ECDH-ES (direct) serves one recipient only; use ECDH-ES+A256KW for several');
  }
  // Only the public half travels; a private JWK passed by mistake must not leak into a header.
  const jwk = isPrivateJwk(recipient) ? publicJwkOf(recipient) : recipient;
  return { jwk, alg, kid: options.anonymous ? undefined : await thumbprint(jwk) };
}

function checkOptions(count: number, options: SealOptions): 'compact' | 'json' {
  if (count === 0) throw new ArgumentError('seal needs at least one recipient');
  const max = options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
  if (count > max) throw new ArgumentError(`${count} recipients is over the limit of ${max}`);
  const serialization = options.serialization ?? (count === 1 ? 'compact' : 'json');
  if (serialization === 'compact' && count > 1)
    throw new ArgumentError('compact JWE holds one recipient; use serialization "json"');
  if (serialization === 'compact' && options.aad !== undefined)
    throw new ArgumentError('"aad" needs the JSON serialization');
  for (const name of Object.keys(options.protectedHeader ?? {})) {
    if (RESERVED.has(name)) throw new ArgumentError(`protectedHeader cannot set "${name}"`);
  }
  return serialization;
}

async function contentOf(
  payload: Bytes | string,
  options: SealOptions,
): Promise<{ plaintext: Bytes; cty?: string }> {
  const bytes = toBytes(payload);
  if (options.sign === undefined)
    return options.contentType === undefined
      ? { plaintext: bytes }
      : { plaintext: bytes, cty: options.contentType };
  return { plaintext: utf8(await sign(bytes, options.sign as PrivateJwk)), cty: 'JOSE' };
}

function sharedHeader(options: SealOptions, cty: string | undefined): JweHeader {
  const header: JweHeader = { enc: ENC };
  if (cty !== undefined) header.cty = cty;
  if (options.type !== undefined) header.typ = options.type;
  return { ...header, ...options.protectedHeader };
}

/**
 * Seals `payload` for `recipients`. One recipient gives a compact JWE (a string); several give General
 * JSON (an object). Keys are JWKs; a recipient's JWK must not be mutated after first use (imports are cached).
 */
export async function seal(
  payload: Bytes | string,
  recipients: PublicJwk,
  options?: SealOptions & { serialization?: 'compact' },
): Promise<string>;
export async function seal(
  payload: Bytes | string,
  recipients: PublicJwk | readonly PublicJwk[],
  options: SealOptions & { serialization: 'json' },
): Promise<GeneralJwe>;
export async function seal(
  payload: Bytes | string,
  recipients: PublicJwk | readonly PublicJwk[],
  options?: SealOptions,
): Promise<string | GeneralJwe>;
export async function seal(
  payload: Bytes | string,
  recipients: PublicJwk | readonly PublicJwk[],
  options: SealOptions = {},
): Promise<string | GeneralJwe> {
  const list = Array.isArray(recipients) ? (recipients as readonly PublicJwk[]) : [recipients as PublicJwk];
  const serialization = checkOptions(list.length, options);
  const prepared = await Promise.all(
    list.map((recipient) => prepareRecipient(recipient, options, list.length)),
  );
  const { plaintext, cty } = await contentOf(payload, options);
  const shared = sharedHeader(options, cty);

  if (serialization === 'compact') {
    const [only] = prepared as [Prepared];
    const wrapped = await wrapKey(
      only.alg,
      ENC,
      only.jwk,
      only.alg === 'ECDH-ES' ? undefined : runtime.randomBytes(32),
    );
    const header: JweHeader = { alg: only.alg, ...shared };
    if (only.kid !== undefined) header.kid = only.kid;
    Object.assign(header, wrapped.header);
    const protectedB64 = encodeBase64url(utf8(JSON.stringify(header)));
    const { iv, ciphertext, tag } = await encryptContent(ENC, wrapped.cek, plaintext, protectedB64);
    // String concatenation, not Array.join: join copies a 16 MiB payload (12 ms here), `+` does not.
    return `${protectedB64}.${encodeBase64url(wrapped.encryptedKey)}.${encodeBase64url(iv)}.${ciphertext}.${encodeBase64url(tag)}`;
  }

  // Authlib needs "alg" in the shared protected header, which RFC 7516 allows when every recipient uses
  // the same algorithm; per-recipient "alg" otherwise.
  const sameAlg = prepared.every((entry) => entry.alg === prepared[0]!.alg);
  const protectedHeader: JweHeader = sameAlg ? { alg: prepared[0]!.alg, ...shared } : shared;
  const direct = prepared[0]!.alg === 'ECDH-ES';
  let cek: Bytes | undefined = direct ? undefined : runtime.randomBytes(32);
  const slots: GeneralJweRecipient[] = [];
  for (const entry of prepared) {
    const wrapped = await wrapKey(entry.alg, ENC, entry.jwk, cek);
    cek = wrapped.cek;
    const header: JweHeader = sameAlg ? {} : { alg: entry.alg };
    if (entry.kid !== undefined) header.kid = entry.kid;
    Object.assign(header, wrapped.header);
    const slot: GeneralJweRecipient = {};
    if (Object.keys(header).length > 0) slot.header = header;
    if (wrapped.encryptedKey.length > 0) slot.encrypted_key = encodeBase64url(wrapped.encryptedKey);
    slots.push(slot);
  }
  const protectedB64 = encodeBase64url(utf8(JSON.stringify(protectedHeader)));
  const aadB64 = options.aad === undefined ? undefined : encodeBase64url(options.aad);
  const { iv, ciphertext, tag } = await encryptContent(
    ENC,
    cek!,
    plaintext,
    aadB64 === undefined ? protectedB64 : `${protectedB64}.${aadB64}`,
  );
  const jwe: GeneralJwe = {
    protected: protectedB64,
    recipients: slots,
    iv: encodeBase64url(iv),
    ciphertext,
    tag: encodeBase64url(tag),
  };
  if (aadB64 !== undefined) jwe.aad = aadB64;
  return jwe;
}
