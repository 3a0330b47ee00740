/**
 * Bech32 (BIP 173) as age uses it: no length limit (hybrid recipients are ~1950 characters), one case per
 * string, recipients lower case and identities upper case, as every age implementation writes them.
 */
import { bech32 } from '@scure/base';
import type { Bytes } from '../../runtime/types.ts';

export function encodeBech32(prefix: string, data: Bytes): string {
  const text = bech32.encode(prefix.toLowerCase(), bech32.toWords(data), false);
  return prefix === prefix.toUpperCase() ? text.toUpperCase() : text;
}

/** `undefined` unless `text` is valid bech32 with exactly this prefix, in the expected case. */
export function decodeBech32(text: string, prefix: string, upper: boolean): Bytes | undefined {
  if (upper ? text !== text.toUpperCase() : text !== text.toLowerCase()) return undefined;
  try {
    const decoded = bech32.decode(text as `${string}1${string}`, false);
    if (decoded.prefix !== prefix.toLowerCase()) return undefined;
    return bech32.fromWords(decoded.words);
  } catch {
    return undefined;
  }
}
