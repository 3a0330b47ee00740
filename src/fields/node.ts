/**
 * `sealwire/fields/node`: keyring directories on disk, for Node. A service points `loadKeyring` at its
 * directory (one encrypted Tink keyset per alias, and keyring.json naming the KEK) and hands the keyring
 * to `FieldEncryption` from `sealwire/fields`; `KeyringDirectory` creates, rotates and lists keysets (the
 * `sealwire keys` commands). Kept apart from `sealwire/fields` so that browser bundles never see `node:fs`.
 *
 *     const fields = new FieldEncryption(await loadKeyring('keyring'));
 */
export {
  type InitKek,
  KeyringDirectory,
  type KeysetListing,
  type KmsDriver,
  type LoadKeyringOptions,
  loadKeyring,
  type OpenKeyringOptions,
} from './keyring-dir.ts';
