/** Turning the caller's recipients into stanzas that wrap one file key. */
import { ArgumentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { DEFAULT_SCRYPT_WORK_FACTOR } from './constants.ts';
import type { Stanza } from './header.ts';
import { wrapHybrid } from './hybrid.ts';
import { recipientFromJwk } from './jwk.ts';
import { parseRecipientKey } from './keys.ts';
import { wrapScrypt } from './scrypt.ts';
import type { AgeRecipient, PassphraseRecipient } from './types.ts';
import { wrapX25519 } from './x25519.ts';

function isPassphrase(recipient: AgeRecipient): recipient is PassphraseRecipient {
  return typeof recipient === 'object' && 'passphrase' in recipient;
}

/** One stanza per recipient, in the order given. */
export async function wrapForRecipients(
  fileKey: Bytes,
  recipients: AgeRecipient | readonly AgeRecipient[],
): Promise<Stanza[]> {
  const list: readonly AgeRecipient[] = Array.isArray(recipients) ? recipients : [recipients as AgeRecipient];
  if (list.length === 0) throw new ArgumentError('age encryption needs at least one recipient');
  // The spec forbids mixing: a passphrase file must mean "whoever knows the passphrase wrote this".
  if (list.length > 1 && list.some(isPassphrase))
    throw new ArgumentError('a passphrase must be the only recipient of an age file');
  const stanzas: Stanza[] = [];
  for (const recipient of list) {
    if (isPassphrase(recipient)) {
      if (typeof recipient.passphrase !== 'string')
        throw new ArgumentError('a passphrase recipient needs a string passphrase');
      stanzas.push(
        await wrapScrypt(fileKey, recipient.passphrase, recipient.workFactor ?? DEFAULT_SCRYPT_WORK_FACTOR),
      );
      continue;
    }
    const key = parseRecipientKey(typeof recipient === 'string' ? recipient : recipientFromJwk(recipient));
    stanzas.push(
      key.type === 'X25519'
        ? await wrapX25519(fileKey, key.publicKey)
        : await wrapHybrid(fileKey, key.publicKey),
    );
  }
  return stanzas;
}
