/**
 * `open`: decrypt a JWE with a private key, strictly. Policy checks (allow-lists, zip, crit, caps) run
 * before any private-key operation; the slot is chosen by `kid` when it carries one, by bounded trial
 * otherwise; no plaintext leaves unless the AEAD tag (and, with `from`, the signature) verified.
 */
import { runtime } from '#runtime';
import { decodeBase64url } from '../../encoding/base64url.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { isJsonObject } from '../../encoding/json.ts';
import {
  ArgumentError,
  DecryptionError,
  DecryptionFailedError,
  KeyInvalidError,
  KeyMismatchError,
  LimitExceededError,
  NoMatchingRecipientError,
  RefusedError,
  SealwireError,
} from '../../errors.ts';
import { isPrivateJwk } from '../../keys/kind.ts';
import { keyIds } from '../../keys/thumbprint.ts';
import type { PrivateJwk, PrivateKeySource, PublicJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  CONTENT_KEY_BYTES,
  DEFAULT_CONTENT_ENCRYPTION,
  DEFAULT_KEY_MANAGEMENT,
  KEY_MANAGEMENT_ALGORITHMS,
  NATIVE_CONTENT,
  NATIVE_KEY_MANAGEMENT,
} from './algorithms.ts';
import { decryptContent } from './content.ts';
import { type DelegateKey, decryptWithJose } from './delegate.ts';
import { type CheckedHeader, checkHeader, type HeaderPolicy, mergeHeaders } from './header.ts';
import { isNestedContentType, verify } from './jws.ts';
import { agreeWithEpk, type NativeKeyManagement, unwrapKey } from './key-management.ts';
import {
  contentAad,
  type ParsedJwe,
  type ParsedRecipient,
  type ParseLimits,
  parseJwe,
} from './serialization.ts';
import type { FlattenedJwe, GeneralJwe, JweHeader, OpenKey, OpenOptions, OpenResult } from './types.ts';

export const OPEN_DEFAULTS = {
  maxRecipients: 128,
  maxAnonymousTrials: 32,
  maxHeaderBytes: 16 * 1024,
  maxPlaintextBytes: 64 * 1024 * 1024,
  maxPBES2Count: 10_000,
} as const;

const PBES2_CEILING = 1_000_000;

type Keys =
  | { type: 'private'; jwks: readonly PrivateJwk[] }
  | { type: 'secret'; bytes: Bytes; kid?: string; alg?: string; use?: string };

interface Slot {
  recipient: ParsedRecipient;
  header: JweHeader;
}

interface Attempt {
  slot: Slot;
  key: DelegateKey;
}

function resolvePolicy(options: OpenOptions): {
  policy: HeaderPolicy;
  limits: ParseLimits;
  maxTrials: number;
} {
  const km = options.keyManagementAlgorithms ?? DEFAULT_KEY_MANAGEMENT;
  const ce = options.contentEncryptionAlgorithms ?? DEFAULT_CONTENT_ENCRYPTION;
  for (const alg of km) {
    if (!KEY_MANAGEMENT_ALGORITHMS.includes(alg))
      throw new ArgumentError(`unsupported key management algorithm ${JSON.stringify(alg)}`);
  }
  for (const enc of ce) {
    if (!CONTENT_ENCRYPTION_ALGORITHMS.includes(enc))
      throw new ArgumentError(`unsupported content encryption algorithm ${JSON.stringify(enc)}`);
  }
  const maxPBES2Count = options.maxPBES2Count ?? OPEN_DEFAULTS.maxPBES2Count;
  if (!Number.isSafeInteger(maxPBES2Count) || maxPBES2Count < 1 || maxPBES2Count > PBES2_CEILING) {
    throw new ArgumentError(`maxPBES2Count must be an integer from 1 to ${PBES2_CEILING}`);
  }
  const positive = (value: number | undefined, fallback: number, name: string) => {
    const chosen = value ?? fallback;
    if (!Number.isSafeInteger(chosen) || chosen < 1)
      throw new ArgumentError(`${name} must be a positive integer`);
    return chosen;
  };
  return {
    policy: { keyManagementAlgorithms: km, contentEncryptionAlgorithms: ce, maxPBES2Count },
    limits: {
      maxRecipients: positive(options.maxRecipients, OPEN_DEFAULTS.maxRecipients, 'maxRecipients'),
      maxHeaderBytes: positive(options.maxHeaderBytes, OPEN_DEFAULTS.maxHeaderBytes, 'maxHeaderBytes'),
      maxPlaintextBytes: positive(
        options.maxPlaintextBytes,
        OPEN_DEFAULTS.maxPlaintextBytes,
        'maxPlaintextBytes',
      ),
    },
    maxTrials: positive(options.maxAnonymousTrials, OPEN_DEFAULTS.maxAnonymousTrials, 'maxAnonymousTrials'),
  };
}

function isKeySource(key: OpenKey): key is PrivateKeySource {
  return typeof (key as PrivateKeySource).privateJwks === 'function';
}

function normalizeKeys(key: OpenKey): Keys {
  if (isKeySource(key)) return { type: 'private', jwks: key.privateJwks() };
  if (Array.isArray(key)) {
    const jwks = key as readonly PrivateJwk[];
    if (jwks.length === 0) throw new ArgumentError('open needs at least one key');
    for (const jwk of jwks) if (!isPrivateJwk(jwk)) throw new KeyInvalidError('open needs private keys');
    return { type: 'private', jwks };
  }
  if (isJsonObject(key) && 'password' in key) {
    const { password } = key as { password: unknown };
    if (typeof password === 'string') return { type: 'secret', bytes: utf8(password) };
    if (password instanceof Uint8Array) return { type: 'secret', bytes: password };
    throw new ArgumentError('password must be a string or bytes');
  }
  if (isJsonObject(key) && key.kty === 'oct') {
    const secret: Keys = { type: 'secret', bytes: decodeBase64url(key.k, 'symmetric JWK "k"') };
    for (const name of ['kid', 'alg', 'use'] as const)
      if (typeof key[name] === 'string') secret[name] = key[name];
    return secret;
  }
  const jwk = key as PrivateJwk;
  if (!isPrivateJwk(jwk)) throw new KeyInvalidError('open needs a private key, but a public key was given');
  return { type: 'private', jwks: [jwk] };
}

/**
 * Whether a private key may serve a slot, judged from the header alone (no secret operation). A JWK marked
 * for signing, or bound to another algorithm by its `alg`, is never used to decrypt (RFC 7517 §4.2, §4.4).
 */
function compatible(header: JweHeader, jwk: PrivateJwk): boolean {
  const alg = header.alg;
  if (typeof alg !== 'string') return false;
  if (jwk.use === 'sig' || (jwk.alg !== undefined && jwk.alg !== alg)) return false;
  if (alg.startsWith('RSA-OAEP')) return jwk.kty === 'RSA';
  if (alg.startsWith('ECDH-ES')) {
    const epk = header.epk;
    return isJsonObject(epk) && epk.kty === jwk.kty && epk.crv === (jwk as { crv?: string }).crv;
  }
  return false;
}

/**
 * Picks the (slot, key) pairs to try. `explain` runs the policy check on a slot; it is called before
 * reporting "no usable slot", so a message refused by policy says so rather than "not for you".
 */
async function chooseAttempts(
  slots: Slot[],
  keys: Keys,
  maxTrials: number,
  explain: (slot: Slot) => void,
): Promise<Attempt[]> {
  if (keys.type === 'secret') {
    const named = keys.kid === undefined ? [] : slots.filter((slot) => slot.header.kid === keys.kid);
    const chosen = named.length > 0 ? named : slots;
    // A symmetric JWK bound to one algorithm (or marked for signing) must not serve another (RFC 7517 §4.4).
    for (const slot of chosen) {
      const { alg, enc } = slot.header;
      const bound = keys.alg === undefined || keys.alg === alg || (alg === 'dir' && keys.alg === enc);
      if (!bound || keys.use === 'sig') {
        explain(slot);
        throw new KeyMismatchError(
          `this key is for ${keys.use === 'sig' ? 'signing' : keys.alg}, not ${JSON.stringify(alg)}`,
        );
      }
    }
    if (chosen.length > maxTrials) {
      throw new LimitExceededError(`${chosen.length} recipient slots to try, over the limit of ${maxTrials}`);
    }
    return chosen.map((slot) => ({ slot, key: { type: 'secret', bytes: keys.bytes } }));
  }
  const idsPerKey = await Promise.all(keys.jwks.map((jwk) => keyIds(jwk)));
  const named: Attempt[] = [];
  for (const slot of slots) {
    const kid = slot.header.kid;
    if (typeof kid !== 'string') continue;
    keys.jwks.forEach((jwk, index) => {
      if (!idsPerKey[index]!.includes(kid)) return;
      if (!compatible(slot.header, jwk)) {
        explain(slot);
        throw new KeyMismatchError(
          `key ${kid} cannot open a slot using ${JSON.stringify(slot.header.alg)} (its use/alg/type differ)`,
        );
      }
      named.push({ slot, key: { type: 'private', jwk } });
    });
  }
  if (named.length > 0) return named;
  const anonymous = slots.filter((slot) => slot.header.kid === undefined);
  if (anonymous.length === 0) {
    const kids = slots.map((slot) => String(slot.header.kid)).slice(0, 3);
    throw new NoMatchingRecipientError(
      `no recipient slot is for this key (the message is for kid ${kids.join(', ')}${slots.length > 3 ? ', ...' : ''})`,
    );
  }
  const attempts: Attempt[] = [];
  for (const slot of anonymous) {
    for (const jwk of keys.jwks)
      if (compatible(slot.header, jwk)) attempts.push({ slot, key: { type: 'private', jwk } });
  }
  if (attempts.length === 0) {
    for (const slot of anonymous) explain(slot);
    throw new NoMatchingRecipientError('no recipient slot can be opened by this key (different key types)');
  }
  // Each trial is a private-key operation: an attacker who can pad a message with decoy slots must not
  // be able to make us spend unbounded CPU on it.
  if (attempts.length > maxTrials) {
    throw new LimitExceededError(
      `${attempts.length} anonymous recipient slots to try, over the limit of ${maxTrials} (raise maxAnonymousTrials)`,
    );
  }
  return attempts;
}

/** Content key for a native slot; `undefined` means "not this slot" (only for AES-KW integrity failures). */
async function nativeContentKey(attempt: Attempt, checked: CheckedHeader): Promise<Bytes | undefined> {
  const jwk = (attempt.key as { jwk: PrivateJwk }).jwk;
  const alg = checked.alg as NativeKeyManagement;
  try {
    return await unwrapKey(alg, checked.enc, attempt.slot.header, attempt.slot.recipient.encryptedKey, jwk);
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    if (alg.startsWith('RSA-OAEP')) {
      // RFC 7516 §11.5: continue with a random CEK so an RSA failure and a tag failure look the same
      // and take the same path; no padding oracle.
      return runtime.randomBytes(CONTENT_KEY_BYTES[checked.enc]);
    }
    return undefined;
  }
}

/** Native path: our algorithms on our curves; anything else a caller allowed (P-384, AES-KW, ...) goes to jose. */
function isNative(key: DelegateKey, checked: CheckedHeader): boolean {
  if (key.type !== 'private' || !NATIVE_KEY_MANAGEMENT.has(checked.alg) || !NATIVE_CONTENT.has(checked.enc))
    return false;
  const jwk = key.jwk as { kty: string; crv?: string };
  return jwk.kty === 'RSA' || jwk.crv === 'X25519' || jwk.crv === 'P-256';
}

/** An ECDH-ES slot opened through jose with a key on one of our curves: its epk can be checked natively. */
function hasNativeEpk(key: DelegateKey, checked: CheckedHeader): key is { type: 'private'; jwk: PrivateJwk } {
  if (key.type !== 'private' || !checked.alg.startsWith('ECDH-ES')) return false;
  const crv = (key.jwk as { crv?: string }).crv;
  return crv === 'X25519' || crv === 'P-256';
}

export async function open(
  input: string | Bytes | GeneralJwe | FlattenedJwe,
  key: OpenKey,
  options: OpenOptions = {},
): Promise<OpenResult> {
  const { policy, limits, maxTrials } = resolvePolicy(options);
  const from =
    options.from === undefined
      ? undefined
      : Array.isArray(options.from)
        ? (options.from as readonly PublicJwk[])
        : [options.from as PublicJwk];
  if (from !== undefined && from.length === 0)
    throw new ArgumentError('"from" must name at least one expected sender');
  const keys = normalizeKeys(key);
  const jwe = parseJwe(input, limits);
  if (options.serialization !== undefined && jwe.serialization !== options.serialization) {
    throw new RefusedError(
      `expected a ${options.serialization} JWE, got the ${jwe.serialization} serialization`,
    );
  }
  const slots: Slot[] = jwe.recipients.map((recipient) => ({
    recipient,
    header: mergeHeaders(jwe.protectedHeader, jwe.unprotected, recipient.header),
  }));
  const attempts = await chooseAttempts(slots, keys, maxTrials, (slot) =>
    checkHeader(slot.header, jwe.protectedHeader, policy),
  );

  let lastError: unknown;
  for (const attempt of attempts) {
    const checked = checkHeader(attempt.slot.header, jwe.protectedHeader, policy);
    let plaintext: Bytes;
    try {
      if (isNative(attempt.key, checked)) {
        const cek = await nativeContentKey(attempt, checked);
        if (cek === undefined) {
          lastError = new DecryptionFailedError();
          continue;
        }
        plaintext = await decryptContent(
          checked.enc,
          cek,
          jwe.iv,
          jwe.ciphertextB64,
          jwe.tag,
          contentAad(jwe.protectedB64, jwe.aadB64),
        );
      } else {
        // jose would report a hostile epk as a plain decryption failure: check it the native way first.
        if (hasNativeEpk(attempt.key, checked)) await agreeWithEpk(attempt.key.jwk, attempt.slot.header);
        plaintext = await decryptWithJose(jwe, attempt.slot.recipient, checked.alg, attempt.key, policy);
      }
    } catch (error) {
      if (error instanceof DecryptionError && attempts.length > 1) {
        lastError = error;
        continue;
      }
      throw error;
    }
    // The size check before decryption allows a block of slack (CBC padding); this one is exact.
    if (plaintext.length > limits.maxPlaintextBytes) {
      plaintext.fill(0);
      throw new LimitExceededError(
        `JWE plaintext is over the ${limits.maxPlaintextBytes}-byte limit (raise maxPlaintextBytes)`,
      );
    }
    return finish(jwe, attempt.slot.header, plaintext, from);
  }
  throw lastError instanceof SealwireError ? lastError : new DecryptionFailedError();
}

async function finish(
  jwe: ParsedJwe,
  header: JweHeader,
  plaintext: Bytes,
  from: readonly PublicJwk[] | undefined,
): Promise<OpenResult> {
  const base = {
    protectedHeader: jwe.protectedHeader,
    header,
    ...(typeof header.kid === 'string' ? { recipientKid: header.kid } : {}),
  };
  if (from !== undefined) {
    const { payload, signer } = await verify(plaintext, from);
    return { ...base, plaintext: payload, signature: 'verified', signer };
  }
  return { ...base, plaintext, signature: isNestedContentType(header.cty) ? 'unverified' : 'none' };
}
