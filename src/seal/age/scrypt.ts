/** The scrypt passphrase stanza: `-> scrypt <salt> <log2 N>`, body = wrapped file key. */
import { runtime } from '#runtime';
import { decodeCanonicalBase64Unpadded, encodeBase64Unpadded } from '../../encoding/base64.ts';
import { concatBytes, utf8 } from '../../encoding/bytes.ts';
import { ArgumentError, LimitExceededError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { SCRYPT_STANZA, SCRYPT_WORK_FACTOR_CEILING } from './constants.ts';
import { headerError } from './errors.ts';
import type { Stanza } from './header.ts';
import { openFileKey, sealFileKey, WRAPPED_KEY_SIZE } from './wrap.ts';

const SALT_LABEL = utf8('age-encryption.org/v1/scrypt');
const SALT_SIZE = 16;
const WORK_FACTOR = /^[1-9][0-9]*$/;

async function wrapKey(passphrase: string, salt: Bytes, workFactor: number): Promise<Bytes> {
  return runtime.scrypt(utf8(passphrase), concatBytes(SALT_LABEL, salt), {
    N: 2 ** workFactor,
    r: 8,
    p: 1,
    dkLen: 32,
  });
}

export function checkWorkFactor(workFactor: number, what: string): void {
  if (!Number.isInteger(workFactor) || workFactor < 1 || workFactor > SCRYPT_WORK_FACTOR_CEILING)
    throw new ArgumentError(`${what} must be an integer from 1 to ${SCRYPT_WORK_FACTOR_CEILING}`);
}

export async function wrapScrypt(fileKey: Bytes, passphrase: string, workFactor: number): Promise<Stanza> {
  if (passphrase === '') throw new ArgumentError('the passphrase is empty');
  checkWorkFactor(workFactor, 'the scrypt work factor');
  const salt = runtime.randomBytes(SALT_SIZE);
  const body = sealFileKey(await wrapKey(passphrase, salt, workFactor), fileKey);
  return { args: [SCRYPT_STANZA, encodeBase64Unpadded(salt), String(workFactor)], body };
}

/** Structural checks, done for every scrypt stanza before any passphrase is tried. */
export function checkScryptStanza(stanza: Stanza): { salt: Bytes; workFactor: number } {
  if (stanza.args.length !== 3) throw headerError('an scrypt stanza must have exactly two arguments');
  const salt = decodeCanonicalBase64Unpadded(stanza.args[1]!);
  if (salt?.length !== SALT_SIZE) throw headerError('an scrypt salt must be canonical base64 of 16 bytes');
  const text = stanza.args[2]!;
  // Decimal without leading zeros (the spec's `^[1-9][0-9]*$`); a log2 above 64 is no number of rounds.
  if (!WORK_FACTOR.test(text) || text.length > 2 || Number(text) > 64)
    throw headerError('the scrypt work factor must be a decimal number without leading zeros');
  if (stanza.body.length !== WRAPPED_KEY_SIZE) throw headerError('an scrypt stanza body must be 32 bytes');
  return { salt, workFactor: Number(text) };
}

/** The file key if `passphrase` opens the stanza; `undefined` if it does not. */
export async function unwrapScrypt(
  stanza: Stanza,
  passphrase: string,
  maxWorkFactor: number,
): Promise<Bytes | undefined> {
  const { salt, workFactor } = checkScryptStanza(stanza);
  // The cost is the attacker's choice: refuse before spending it.
  if (workFactor > maxWorkFactor)
    throw new LimitExceededError(
      `age header: scrypt work factor ${workFactor} is above the limit ${maxWorkFactor} (raise maxWorkFactor, at most ${SCRYPT_WORK_FACTOR_CEILING}, if you trust this file)`,
    );
  return openFileKey(await wrapKey(passphrase, salt, workFactor), stanza.body);
}
