/**
 * `sealwire/fields`: field-level encryption of protobuf messages. A message type names its key with the
 * `(sealwire.v1.key_alias)` option; `FieldEncryption.encrypt` seals every such part of a message tree,
 * `decrypt` / `decryptPartially` open the parts the service's keyring holds keys for. Keys are Tink
 * AES-GCM keysets (JSON format, TINK-prefixed ciphertexts), held in memory by a `Keyring`, and stored
 * encrypted by a KEK behind `Kms`. Runs in Node and in browsers; keyring directories on disk
 * (`loadKeyring`, `KeyringDirectory`) are Node's, in `sealwire/fields/node`. See docs/fields.md.
 */

export { KeyDisabledError, KeyInaccessibleError, SchemaError } from './errors.ts';
export {
  type DecryptOptions,
  type EncryptOptions,
  FieldEncryption,
  type FieldEncryptionOptions,
  type PartialDecryption,
} from './field-encryption.ts';
export {
  KeyStatusType,
  type Keyset,
  type KeysetInfo,
  KeysetSchema,
  OutputPrefixType,
} from './gen/google/crypto/tink/keyset_pb.ts';
// Generated code imports the option's file from here (see docs/fields.md, `map_imports`).
export { file_sealwire_options, key_alias } from './gen/sealwire/options_pb.ts';
export { type Aead, Keyring } from './keyring.ts';
export { type Kms, LocalKms, newPasswordKekParams, type PasswordKekParams } from './kms.ts';
export { type DecodedJsMsg, FieldsJetStream, type JetStreamFieldsOptions } from './nats.ts';
export { keyAliasOf } from './plan.ts';
export { decryptKeyset, encryptKeyset } from './tink/encrypted-keyset.ts';
export { keysetToJson, parseKeysetJson } from './tink/keyset.ts';
export { type AesKeySize, disableKey, enableKey, generateKeyset, rotateKeyset } from './tink/keyset-ops.ts';
export { type DecodeOptions, decryptFromBinary, encryptToBinary } from './wire.ts';
