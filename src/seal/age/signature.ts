/**
 * Sender signatures for age files. age itself authenticates nothing about the sender: every recipient
 * knows the file key and can forge a file for the others. Sealwire adds a detached Ed25519 signature:
 *
 *     message   = "sealwire.dev/age-sig/v1" || 0x0A || SHA-256(the binary age file)
 *     signature = Ed25519(sender private key, message)
 *     .sig line = "sealwire.dev/age-sig/v1 ed25519 " || b64url(sender public key) || " " || b64url(signature) || LF
 *
 * The binary form is hashed (an armored file is de-armored first), so armoring does not change the
 * signature. Detached because the header comes before the payload: a signature inside the header cannot
 * cover a payload that is still streaming, and anything after the payload breaks the reference tool.
 */
import { runtime } from '#runtime';
import { encodeBase64url, tryDecodeBase64url } from '../../encoding/base64url.ts';
import { concatBytes, utf8 } from '../../encoding/bytes.ts';
import {
  KeyInvalidError,
  KeyMismatchError,
  MalformedError,
  SignatureInvalidError,
  SignatureMissingError,
} from '../../errors.ts';
import type { OkpPublicJwk, PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';

export const SIGNATURE_CONTEXT = 'sealwire.dev/age-sig/v1';
const ALGORITHM = 'ed25519';
const LINE = /^sealwire\.dev\/age-sig\/v1 ed25519 ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{86})$/;

export interface ParsedSignature {
  /** The sender's Ed25519 public key, as a JWK. */
  readonly signer: OkpPublicJwk;
  readonly signature: Bytes;
}

function message(digest: Bytes): Bytes {
  return concatBytes(utf8(`${SIGNATURE_CONTEXT}\n`), digest);
}

function requireEd25519(jwk: PublicJwk | PrivateJwk, what: string): asserts jwk is OkpPublicJwk {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519')
    throw new KeyMismatchError(`${what} must be an Ed25519 key (generate one with --alg Ed25519)`);
}

/** Checked before encrypting, so a wrong key fails before the payload is read rather than at its end. */
export function checkSigner(signer: PrivateJwk): void {
  requireEd25519(signer, 'the sender signing key');
  if (typeof (signer as { d?: unknown }).d !== 'string')
    throw new KeyInvalidError('signing needs the sender private key, but a public key was given');
}

/** Signs the SHA-256 digest of a binary age file; returns the signature line. */
export async function signDigest(digest: Bytes, signer: PrivateJwk): Promise<string> {
  checkSigner(signer);
  requireEd25519(signer, 'the sender signing key');
  const signature = await runtime.sign('EdDSA', signer, message(digest));
  return `${SIGNATURE_CONTEXT} ${ALGORITHM} ${signer.x} ${encodeBase64url(signature)}\n`;
}

export function parseSignature(text: string): ParsedSignature {
  const match = LINE.exec(text.replace(/\r?\n$/, ''));
  const x = match?.[1];
  const signature = match?.[2] === undefined ? undefined : tryDecodeBase64url(match[2]);
  const publicKey = x === undefined ? undefined : tryDecodeBase64url(x);
  // Canonical encodings only: one signature, one text.
  if (
    x === undefined ||
    publicKey === undefined ||
    signature === undefined ||
    encodeBase64url(publicKey) !== x ||
    encodeBase64url(signature) !== match?.[2]
  )
    throw new MalformedError(
      `not a Sealwire age signature (expected one "${SIGNATURE_CONTEXT} ed25519 ..." line)`,
    );
  return { signer: { kty: 'OKP', crv: 'Ed25519', x }, signature };
}

/**
 * The expected sender who made `signature`, checked before any decryption: a signature by anyone else is
 * refused without spending a single AEAD call.
 */
export function expectedSigner(
  signature: string | undefined,
  from: readonly PublicJwk[],
): {
  parsed: ParsedSignature;
  sender: PublicJwk;
} {
  if (signature === undefined)
    throw new SignatureMissingError(
      'expected senders were named but the file has no sender signature (pass its .sig)',
    );
  const parsed = parseSignature(signature);
  for (const jwk of from) requireEd25519(jwk, 'an expected sender');
  const sender = from.find((jwk) => jwk.kty === 'OKP' && jwk.x === parsed.signer.x);
  if (sender === undefined)
    throw new SignatureInvalidError('the file is signed by a key that is not an expected sender');
  return { parsed, sender };
}

export async function verifyDigest(digest: Bytes, parsed: ParsedSignature): Promise<void> {
  if (!(await runtime.verify('EdDSA', parsed.signer, message(digest), parsed.signature)))
    throw new SignatureInvalidError(
      'the sender signature does not match this file (modified file, or the signature of another file)',
    );
}
