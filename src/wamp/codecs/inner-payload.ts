/**
 * The inner object both codecs seal, `{"uri", "args", "kwargs", ...}` (Autobahn's shape), checked once it has
 * decrypted: it must be a JSON object naming the envelope's URI, so a ciphertext replayed under another topic
 * or procedure is refused (`trusted_uri_mismatch`), not delivered.
 */
import { WampError } from '../errors.ts';
import { WampErrors } from '../protocol/codes.ts';
import { type Dict, isDict } from '../protocol/messages.ts';

export function checkInnerPayload(inner: unknown, uri: string, scheme: string): Dict {
  if (!isDict(inner))
    throw new WampError(WampErrors.DECRYPT_ERROR, [`${scheme} plaintext is not a JSON object`]);
  if (inner.uri !== uri)
    throw new WampError(WampErrors.TRUSTED_URI_MISMATCH, [
      `URI inside the payload does not match the envelope (${uri})`,
    ]);
  return inner;
}
