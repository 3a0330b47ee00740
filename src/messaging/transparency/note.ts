/**
 * C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then one line per
 * signature, `— <key name> base64(key ID || signature)`. Checkpoints and witness cosignatures are signed notes,
 * so a Go verifier (golang.org/x/mod/sumdb/note) or a C2SP witness reads ours and we read theirs.
 *
 * Keys travel as the Go package writes them: a verifier key `name+hex(key ID)+base64(type || public key)`, a
 * signer key `PRIVATE+KEY+name+hex(key ID)+base64(type || seed)`. Ed25519 (type 0x01) signs notes;
 * cosignature.ts adds the timestamped witness type 0x04.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64, encodeBase64 } from '../../encoding/base64.ts';
import { fromUtf8Strict, joinBytes, utf8 } from '../../encoding/bytes.ts';
import { KeyInvalidError, LimitExceededError, MalformedError, SignatureInvalidError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { verifyEd25519 } from '../ed25519.ts';

/** Signature type bytes (c2sp.org/signed-note, "Signature types"). */
export const SignatureType = { ED25519: 0x01, COSIGNATURE_V1: 0x04 } as const;

/** A note larger than this is refused before it is parsed (a checkpoint with cosignatures is ~1 KiB). */
export const MAX_NOTE_BYTES = 64 * 1024;
/** The spec asks verifiers to accept at least 16 signatures; more than this is refused. */
export const MAX_SIGNATURES = 32;

const SIGNATURE_PREFIX = '\u2014 ';

export interface NoteSignature {
  name: string;
  keyId: number;
  /** What follows the key ID: the signature (for a cosignature, its timestamp first). */
  signature: Bytes;
}

export interface ParsedNote {
  /** The signed text, its final newline included. */
  text: string;
  signatures: NoteSignature[];
}

/** Verifies the signatures of one key (one name and key ID). */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `signature` (what follows the key ID) is this key's over the note text `text`. */
  verify(text: Bytes, signature: Bytes): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** What follows the key ID in this key's signature line for the note text `text`. */
  sign(text: Bytes): Bytes;
}

/** key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], read big-endian. */
export function noteKeyId(name: string, type: number, publicKey: Bytes): number {
  const digest = sha256(joinBytes([utf8(`${name}\n`), Uint8Array.of(type), publicKey]));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

/** Key names are non-empty, with no Unicode space and no '+' (the key strings use it as a separator). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !hasControlCharacter(name, true);
}

/** Whether `text` holds an ASCII control character other than a newline (or any, with `strict`). */
function hasControlCharacter(text: string, strict = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && (strict || code !== 0x0a)) return true;
  }
  return false;
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

/** A key string `name+hex(key ID)+base64(type || key material)`, as the Go note package writes them. */
export function formatKeyString(name: string, type: number, material: Bytes): string {
  const keyId = noteKeyId(name, type, material);
  return `${name}+${hex8(keyId)}+${encodeBase64(joinBytes([Uint8Array.of(type), material]))}`;
}

/** An Ed25519 note key: its signer and verifier, and both in the Go key-string format. */
export interface Ed25519NoteKey {
  signer: NoteSigner;
  verifier: NoteVerifier;
  /** `PRIVATE+KEY+name+id+base64(0x01 || seed)`: a secret, store it 0600. */
  signerKey: string;
  /** `name+id+base64(0x01 || public key)`: what clients are configured with. */
  verifierKey: string;
}

/** An Ed25519 note key for `name` from a 32-byte seed (a fresh one when omitted). */
export function ed25519NoteKey(name: string, seed: Bytes = ed25519.utils.randomSecretKey()): Ed25519NoteKey {
  if (!isValidKeyName(name)) throw new KeyInvalidError(`note key name ${JSON.stringify(name)} is not valid`);
  if (seed.length !== 32) throw new KeyInvalidError('an Ed25519 note key seed is 32 bytes');
  const publicKey = ed25519.getPublicKey(seed);
  const keyId = noteKeyId(name, SignatureType.ED25519, publicKey);
  const verifier = ed25519Verifier(name, publicKey);
  return {
    signer: { name, keyId, sign: (text) => ed25519.sign(text, seed) },
    verifier,
    // The signer string names the key ID of the public key, with the seed as its material.
    signerKey: `PRIVATE+KEY+${name}+${hex8(keyId)}+${encodeBase64(joinBytes([Uint8Array.of(SignatureType.ED25519), seed]))}`,
    verifierKey: formatKeyString(name, SignatureType.ED25519, publicKey),
  };
}

function ed25519Verifier(name: string, publicKey: Bytes): NoteVerifier {
  return {
    name,
    keyId: noteKeyId(name, SignatureType.ED25519, publicKey),
    verify: (text, signature) => verifyEd25519(signature, text, publicKey),
  };
}

/** Splits `name+hex8+base64` (the base64 may itself hold '+'); `undefined` when it is not that shape. */
function splitKeyString(text: string): { name: string; keyId: number; material: Bytes } | undefined {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const name = text.slice(0, first);
  const id = text.slice(first + 1, second);
  const material = decodeBase64(text.slice(second + 1));
  if (!/^[0-9a-f]{8}$/.test(id) || material === undefined || material.length === 0) return undefined;
  return { name, keyId: Number.parseInt(id, 16), material };
}

/** A verifier from its key string; the key ID must be the one the name and key give. */
export function parseVerifierKey(text: string): NoteVerifier & { type: number; publicKey: Bytes } {
  const parts = splitKeyString(text);
  const refuse = (why: string) =>
    new KeyInvalidError(`verifier key ${JSON.stringify(text.slice(0, 80))}: ${why}`);
  if (parts === undefined || !isValidKeyName(parts.name)) throw refuse('not name+id+key');
  const type = parts.material[0]!;
  const publicKey = parts.material.subarray(1);
  if (publicKey.length !== 32) throw refuse('the key is not 32 bytes');
  if (noteKeyId(parts.name, type, publicKey) !== parts.keyId) throw refuse('the key ID does not match');
  if (type === SignatureType.ED25519) return { ...ed25519Verifier(parts.name, publicKey), type, publicKey };
  if (type === SignatureType.COSIGNATURE_V1) {
    // Verified by cosignature.ts, which knows the signed message; as a note verifier it accepts nothing.
    return { name: parts.name, keyId: parts.keyId, verify: () => false, type, publicKey };
  }
  throw refuse(`signature type 0x${type.toString(16).padStart(2, '0')} is not supported`);
}

/** A signer from its `PRIVATE+KEY+...` string (Ed25519). */
export function parseSignerKey(text: string): Ed25519NoteKey {
  const refuse = (why: string) => new KeyInvalidError(`signer key: ${why}`);
  if (!text.startsWith('PRIVATE+KEY+')) throw refuse('it does not start with PRIVATE+KEY+');
  const parts = splitKeyString(text.slice('PRIVATE+KEY+'.length));
  if (parts === undefined) throw refuse('not PRIVATE+KEY+name+id+key');
  if (parts.material[0] !== SignatureType.ED25519 || parts.material.length !== 33)
    throw refuse('not an Ed25519 seed');
  const key = ed25519NoteKey(parts.name, parts.material.subarray(1));
  if (key.signer.keyId !== parts.keyId) throw refuse('the key ID does not match');
  return key;
}

/** The signed note: `text` (ending in a newline), a blank line, one line per signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const bytes = utf8(text);
  const lines = signers.map((signer) => signatureLine(signer.name, signer.keyId, signer.sign(bytes)));
  return `${text}\n${lines.join('')}`;
}

/** One signature line, `— name base64(id || signature)\n`. */
export function signatureLine(name: string, keyId: number, signature: Bytes): string {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, keyId);
  return `${SIGNATURE_PREFIX}${name} ${encodeBase64(joinBytes([id, signature]))}\n`;
}

/** Parses a signed note without verifying it. Malformed notes are a `MalformedError`. */
export function parseNote(note: string | Bytes): ParsedNote {
  const size = typeof note === 'string' ? utf8(note).length : note.length;
  if (size > MAX_NOTE_BYTES)
    throw new LimitExceededError(`signed note of ${size} bytes is over ${MAX_NOTE_BYTES}`);
  let text: string;
  try {
    text = typeof note === 'string' ? note : fromUtf8Strict(note);
  } catch {
    throw new MalformedError('signed note is not valid UTF-8');
  }
  if (hasControlCharacter(text)) throw new MalformedError('signed note holds a control character');
  if (!text.endsWith('\n')) throw new MalformedError('signed note does not end in a newline');
  // The text ends at the last blank line; everything after it is signature lines.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw new MalformedError('signed note has no signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES)
    throw new LimitExceededError(`signed note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map(parseSignatureLine);
  return { text: body, signatures };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX))
    throw new MalformedError('signed note: a signature line does not start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  const blob = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
  if (!isValidKeyName(name) || blob === undefined || blob.length < 5)
    throw new MalformedError('signed note: a signature line is not "— name base64"');
  return {
    name,
    keyId: new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0),
    signature: blob.subarray(4),
  };
}

/**
 * The note's text, once at least one signature of a known key verifies (c2sp.org/signed-note: signatures of
 * unknown keys are ignored; a known key's signature that fails rejects the whole note).
 */
export function openNote(
  note: string | Bytes,
  verifiers: readonly NoteVerifier[],
): ParsedNote & { verifiedBy: NoteVerifier[] } {
  const parsed = parseNote(note);
  const bytes = utf8(parsed.text);
  const verifiedBy: NoteVerifier[] = [];
  for (const signature of parsed.signatures) {
    const verifier = verifiers.find((v) => v.name === signature.name && v.keyId === signature.keyId);
    if (verifier === undefined) continue;
    if (!verifier.verify(bytes, signature.signature))
      throw new SignatureInvalidError(`signed note: the signature of ${signature.name} does not verify`);
    if (!verifiedBy.includes(verifier)) verifiedBy.push(verifier);
  }
  if (verifiedBy.length === 0) throw new SignatureInvalidError('signed note: no signature of a known key');
  return { ...parsed, verifiedBy };
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new MalformedError('note text must end in a newline');
  if (hasControlCharacter(text)) throw new MalformedError('note text holds a control character');
}
