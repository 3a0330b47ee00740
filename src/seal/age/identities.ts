/**
 * Finding the file key: structural checks on every native stanza first (so a malformed header fails the
 * same way whichever identities are given), then each identity against the stanzas addressed to its type.
 */
import { ArgumentError, ErrorCodes } from '../../errors.ts';
import { isPrivateJwk } from '../../keys/kind.ts';
import type { PrivateJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import {
  DEFAULT_MAX_SCRYPT_WORK_FACTOR,
  HYBRID_STANZA,
  SCRYPT_STANZA,
  SCRYPT_WORK_FACTOR_CEILING,
  X25519_STANZA,
} from './constants.ts';
import { AgeDecryptionError, headerError } from './errors.ts';
import type { Stanza } from './header.ts';
import { checkHybridStanza, unwrapHybrid } from './hybrid.ts';
import { identityFromJwk } from './jwk.ts';
import { type IdentityKey, parseIdentityKey } from './keys.ts';
import { checkScryptStanza, checkWorkFactor, unwrapScrypt } from './scrypt.ts';
import type { AgeIdentity, PassphraseIdentity } from './types.ts';
import { checkX25519Stanza, unwrapX25519 } from './x25519.ts';

export type ResolvedIdentity =
  | IdentityKey
  | { type: 'scrypt'; passphrase: PassphraseIdentity['passphrase']; maxWorkFactor: number };

function isPassphrase(identity: AgeIdentity): identity is PassphraseIdentity {
  return typeof identity === 'object' && 'passphrase' in identity;
}

/** Parses the caller's identities once, up front, so a bad key fails before any input is read. */
export async function resolveIdentities(
  identities: AgeIdentity | readonly AgeIdentity[],
): Promise<ResolvedIdentity[]> {
  const list: readonly AgeIdentity[] = Array.isArray(identities) ? identities : [identities as AgeIdentity];
  if (list.length === 0) throw new ArgumentError('age decryption needs at least one identity');
  const out: ResolvedIdentity[] = [];
  for (const identity of list) {
    if (isPassphrase(identity)) {
      const maxWorkFactor = identity.maxWorkFactor ?? DEFAULT_MAX_SCRYPT_WORK_FACTOR;
      checkWorkFactor(maxWorkFactor, `maxWorkFactor (at most ${SCRYPT_WORK_FACTOR_CEILING})`);
      out.push({ type: 'scrypt', passphrase: identity.passphrase, maxWorkFactor });
    } else if (typeof identity === 'string') {
      out.push(await parseIdentityKey(identity));
    } else if (typeof identity === 'object' && identity !== null && isPrivateJwk(identity)) {
      out.push(await parseIdentityKey(await identityFromJwk(identity as PrivateJwk)));
    } else {
      throw new ArgumentError(
        'an age identity is an AGE-SECRET-KEY-... string, an X25519 private JWK or { passphrase }',
      );
    }
  }
  return out;
}

/** Header-level rules that do not depend on the identities. */
export function checkStanzas(stanzas: readonly Stanza[]): void {
  for (const stanza of stanzas) {
    const type = stanza.args[0];
    if (type === X25519_STANZA) checkX25519Stanza(stanza);
    else if (type === HYBRID_STANZA) checkHybridStanza(stanza);
    else if (type === SCRYPT_STANZA) {
      checkScryptStanza(stanza);
      // A passphrase file must have no other recipient (spec MUST), whatever identities we hold.
      if (stanzas.length !== 1) throw headerError('an scrypt stanza must be the only stanza in the header');
    }
  }
}

async function passphraseOf(identity: { passphrase: PassphraseIdentity['passphrase'] }): Promise<string> {
  const value = typeof identity.passphrase === 'function' ? await identity.passphrase() : identity.passphrase;
  if (typeof value !== 'string' || value === '') throw new ArgumentError('the passphrase is empty');
  return value;
}

/** The file key from the first identity that opens a stanza; `AgeDecryptionError` (no match) otherwise. */
export async function unwrapFileKey(
  stanzas: readonly Stanza[],
  identities: readonly ResolvedIdentity[],
): Promise<Bytes> {
  checkStanzas(stanzas);
  const isScryptFile = stanzas[0]?.args[0] === SCRYPT_STANZA;
  for (const identity of identities) {
    for (const stanza of stanzas) {
      const type = stanza.args[0];
      let fileKey: Bytes | undefined;
      if (identity.type === 'X25519' && type === X25519_STANZA)
        fileKey = await unwrapX25519(stanza, identity);
      else if (identity.type === 'mlkem768x25519' && type === HYBRID_STANZA)
        fileKey = await unwrapHybrid(stanza, identity.seed);
      else if (identity.type === 'scrypt' && type === SCRYPT_STANZA)
        fileKey = await unwrapScrypt(stanza, await passphraseOf(identity), identity.maxWorkFactor);
      if (fileKey !== undefined) return fileKey;
    }
  }
  const hasPassphrase = identities.some((identity) => identity.type === 'scrypt');
  throw new AgeDecryptionError(
    'header',
    isScryptFile
      ? hasPassphrase
        ? 'wrong passphrase'
        : 'the file is passphrase-encrypted: give a passphrase identity'
      : 'no identity matches any recipient stanza (wrong key?)',
    ErrorCodes.NO_MATCHING_RECIPIENT,
  );
}
