/** Strict unpadded base64url (RFC 4648 §5), at native speed on Node. */
import { runtime } from '#runtime';
import { MalformedError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';

export function encodeBase64url(data: Bytes): string {
  return runtime.base64urlEncode(data);
}

/** Decodes `text`; anything but canonical unpadded base64url is a `MalformedError` naming `what`. */
export function decodeBase64url(text: unknown, what: string): Bytes {
  if (typeof text !== 'string') throw new MalformedError(`${what} must be a base64url string`);
  const out = runtime.base64urlDecode(text);
  if (out === undefined) throw new MalformedError(`${what} is not valid unpadded base64url`);
  return out;
}
