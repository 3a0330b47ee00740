/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1): a witness that has checked the log only
 * grew signs "cosignature/v1\ntime T\n" followed by the checkpoint text, and adds the line to the note. A
 * client that requires K cosignatures from witnesses it trusts is safe from a log showing it a different
 * history than everyone else (a split view), unless K witnesses collude with the log.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { joinBytes, utf8 } from '../../encoding/bytes.ts';
import { KeyInvalidError, SignatureInvalidError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { verifyEd25519 } from '../ed25519.ts';
import {
  formatKeyString,
  isValidKeyName,
  noteKeyId,
  type ParsedNote,
  parseVerifierKey,
  SignatureType,
  signatureLine,
} from './note.ts';

export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Bytes;
  /** `name+id+base64(0x04 || public key)`: what clients are configured with. */
  readonly verifierKey: string;
  /** The signature line for the checkpoint note text `text` at `timestamp` (seconds since the epoch). */
  cosign(text: string, timestamp: number): string;
}

export interface CosignatureVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Bytes;
}

function signedMessage(text: string, timestamp: number): Bytes {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

/** A witness key for `name` from a 32-byte seed (a fresh one when omitted). */
export function cosigner(name: string, seed: Bytes = ed25519.utils.randomSecretKey()): Cosigner {
  if (!isValidKeyName(name)) throw new KeyInvalidError(`witness name ${JSON.stringify(name)} is not valid`);
  const publicKey = ed25519.getPublicKey(seed);
  const keyId = noteKeyId(name, SignatureType.COSIGNATURE_V1, publicKey);
  return {
    name,
    keyId,
    publicKey,
    verifierKey: formatKeyString(name, SignatureType.COSIGNATURE_V1, publicKey),
    cosign(text, timestamp) {
      const time = new Uint8Array(8);
      new DataView(time.buffer).setBigUint64(0, BigInt(timestamp));
      return signatureLine(
        name,
        keyId,
        joinBytes([time, ed25519.sign(signedMessage(text, timestamp), seed)]),
      );
    },
  };
}

/** A witness's verifier from its key string (type 0x04). */
export function parseCosignerKey(text: string): CosignatureVerifier {
  const key = parseVerifierKey(text);
  if (key.type !== SignatureType.COSIGNATURE_V1)
    throw new KeyInvalidError(`witness key ${key.name} is not a cosignature/v1 (type 0x04) key`);
  return { name: key.name, keyId: key.keyId, publicKey: key.publicKey };
}

/** A verified cosignature: who, and as of when. */
export interface Cosignature {
  name: string;
  timestamp: number;
}

/**
 * The cosignatures of `witnesses` on the checkpoint note `note` that verify; at least `required` of them or
 * a `SignatureInvalidError`. A cosignature of a configured witness that does not verify is refused outright.
 * Timestamps more than `maxClockSkewSeconds` in the future are refused too.
 */
export function checkCosignatures(
  note: ParsedNote,
  witnesses: readonly CosignatureVerifier[],
  required: number,
  options: { now?: number; maxClockSkewSeconds?: number } = {},
): Cosignature[] {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const skew = options.maxClockSkewSeconds ?? 300;
  const found: Cosignature[] = [];
  for (const line of note.signatures) {
    const witness = witnesses.find((w) => w.name === line.name && w.keyId === line.keyId);
    if (witness === undefined || found.some((c) => c.name === witness.name)) continue;
    const bad = () =>
      new SignatureInvalidError(`checkpoint: the cosignature of ${witness.name} does not verify`);
    if (line.signature.length !== 72) throw bad();
    const timestamp = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
    if (timestamp > BigInt(now + skew)) throw bad();
    const seconds = Number(timestamp);
    if (!verifyEd25519(line.signature.subarray(8), signedMessage(note.text, seconds), witness.publicKey))
      throw bad();
    found.push({ name: witness.name, timestamp: seconds });
  }
  if (found.length < required)
    throw new SignatureInvalidError(
      `checkpoint: ${found.length} of the ${required} witness cosignatures required (${witnesses.map((w) => w.name).join(', ') || 'no witness configured'})`,
    );
  return found;
}
