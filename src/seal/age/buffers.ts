/** age on whole buffers: for payloads that fit in memory. Streams are in `web-streams.ts` and `node.ts`. */

import { runtime } from '#runtime';
import { joinBytes, toBytes } from '../../encoding/bytes.ts';
import { ArgumentError } from '../../errors.ts';
import type { PrivateJwk, PublicJwk } from '../../keys/types.ts';
import type { Bytes } from '../../runtime/types.ts';
import { ArmorDecoder } from './armor.ts';
import { AgeDecryptor } from './decryptor.ts';
import { AgeEncryptor } from './encryptor.ts';
import { expectedSigner, signDigest, verifyDigest } from './signature.ts';
import type { AgeIdentity, AgeRecipient, DecryptOptions, EncryptOptions } from './types.ts';

/** Encrypts `plaintext` (bytes, or a string taken as UTF-8) to one or more recipients. */
export async function encrypt(
  plaintext: Bytes | string,
  recipients: AgeRecipient | readonly AgeRecipient[],
  options: EncryptOptions = {},
): Promise<Uint8Array> {
  if ((options as { sign?: unknown }).sign !== undefined)
    throw new ArgumentError('to sign, use encryptAndSign (encrypt returns only the file)');
  const encryptor = await AgeEncryptor.create(recipients, options);
  return joinBytes([...encryptor.update(toBytes(plaintext)), ...(await encryptor.final())]);
}

/** Encrypts and signs as the sender: the file and its detached signature line. */
export async function encryptAndSign(
  plaintext: Bytes | string,
  recipients: AgeRecipient | readonly AgeRecipient[],
  signer: PrivateJwk,
  options: EncryptOptions = {},
): Promise<{ file: Uint8Array; signature: string }> {
  const encryptor = await AgeEncryptor.create(recipients, { ...options, sign: signer });
  const file = joinBytes([...encryptor.update(toBytes(plaintext)), ...(await encryptor.final())]);
  return { file, signature: encryptor.signature! };
}

/**
 * Decrypts a whole age file (binary, or armored as bytes or a string). All or nothing: on any failure no
 * plaintext is returned. With `from`, the sender signature is verified before anything is decrypted.
 */
export async function decrypt(
  file: Bytes | string,
  identities: AgeIdentity | readonly AgeIdentity[],
  options: DecryptOptions = {},
): Promise<Uint8Array> {
  const bytes = toBytes(file);
  if (options.from !== undefined) await verifyFileSignature(bytes, options.signature, options.from);
  else if (options.signature !== undefined)
    throw new ArgumentError('a sender signature was given without `from` (the expected senders)');
  const { from: _from, signature: _signature, ...rest } = options;
  const decryptor = new AgeDecryptor(identities, rest);
  const pieces = [...(await decryptor.update(bytes)), ...(await decryptor.final())];
  return joinBytes(pieces);
}

function binaryForm(file: Bytes): Bytes {
  if (file.length > 0 && file[0] !== 0x61) {
    const decoder = new ArmorDecoder();
    return joinBytes([...decoder.update(file), ...decoder.final()]);
  }
  return file;
}

/** The detached sender signature of an age file (binary or armored; the signature covers the binary form). */
export async function signFile(file: Bytes | string, signer: PrivateJwk): Promise<string> {
  const hash = runtime.sha256Stream();
  hash.update(binaryForm(toBytes(file)));
  return signDigest(hash.digest(), signer);
}

/**
 * Checks a detached sender signature without decrypting: anyone holding the file, the signature and the
 * sender's public key can (a relay or a store included). Returns the expected sender who signed.
 */
export async function verifyFileSignature(
  file: Bytes | string,
  signature: string | undefined,
  from: readonly PublicJwk[],
): Promise<PublicJwk> {
  const { parsed, sender } = expectedSigner(signature, from);
  const hash = runtime.sha256Stream();
  hash.update(binaryForm(toBytes(file)));
  await verifyDigest(hash.digest(), parsed);
  return sender;
}
