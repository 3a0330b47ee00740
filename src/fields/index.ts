/**
 * `sealwire/fields`: field-level encryption of protobuf messages. A message type names its key with the
 * `(sealwire.v1.key_alias)` option; `FieldEncryption.encrypt` seals every such part of a message tree,
 * `decrypt` / `decryptPartially` open the parts the service's keyring holds keys for. Keys are Tink
 * AES-GCM keysets (JSON format, TINK-prefixed ciphertexts), stored encrypted by a KEK behind `Kms`.
 * See docs/fields.md.
 */
export { aadPrefix, FORMAT_VERSION } from './aad.ts';
export { ALIAS_PATTERN, isValidAlias } from './alias.ts';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeOptions,
  decryptFromBinary,
  encryptToBinary,
} from './codec.ts';
export { KeyDisabledError, KeyInaccessibleError, SchemaError } from './errors.ts';
export {
  type DecryptOptions,
  type EncryptOptions,
  FieldEncryption,
  type FieldEncryptionOptions,
  type PartialDecryption,
} from './field-encryption.ts';
export {
  type EncryptedKeyset,
  EncryptedKeysetSchema,
  KeyStatusType,
  type Keyset,
  type KeysetInfo,
  KeysetInfoSchema,
  KeysetSchema,
  OutputPrefixType,
} from './gen/google/crypto/tink/keyset_pb.ts';
export { file_sealwire_options, key_alias } from './gen/sealwire/options_pb.ts';
export { type Aead, Keyring } from './keyring.ts';
export {
  type InitKek,
  KEYRING_CONFIG_FILE,
  KEYSET_FILE_SUFFIX,
  KeyringDirectory,
  type KeysetListing,
  type KmsDriver,
  keysetAssociatedData,
  type LoadKeyringOptions,
  loadKeyring,
  type OpenKeyringOptions,
} from './keyring-dir.ts';
export {
  checkPasswordParams,
  type Kms,
  LocalKms,
  newPasswordKekParams,
  type PasswordKekParams,
} from './kms.ts';
export { type DecodedJsMsg, FieldsJetStream, type JetStreamFieldsOptions } from './nats.ts';
export { keyAliasOf } from './schema.ts';
export { decryptKeyset, encryptKeyset, readKeysetInfo } from './tink/encrypted-keyset.ts';
export {
  AES_GCM_TYPE_URL,
  type AeadKeyEntry,
  type KeyStatus,
  keysetFromBinary,
  keysetToBinary,
  keysetToJson,
  MAX_KEYS_PER_KEYSET,
  type PrefixType,
  parseKeysetJson,
  type ValidatedKeyset,
  validateKeyset,
} from './tink/keyset.ts';
export {
  type AesKeySize,
  disableKey,
  enableKey,
  generateKeyset,
  keysetInfo,
  rotateKeyset,
} from './tink/keyset-ops.ts';
