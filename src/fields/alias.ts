/** Key aliases: the names that tie a message type (its `key_alias` option) to a keyset in a keyring. */
import { ArgumentError } from '../errors.ts';

/**
 * 1 to 128 characters from [A-Za-z0-9_.-], not starting with a dot. An alias names a file in the keyring
 * directory, so this allow-list is also what keeps a hostile schema from naming `../../etc/passwd`.
 */
export const ALIAS_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function isValidAlias(alias: string): boolean {
  return ALIAS_PATTERN.test(alias);
}

export function checkAlias(alias: string): string {
  if (!isValidAlias(alias)) {
    throw new ArgumentError(
      `invalid key alias ${JSON.stringify(alias)}: use 1 to 128 characters from A-Z a-z 0-9 _ . - (not starting with a dot)`,
    );
  }
  return alias;
}
