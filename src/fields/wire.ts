/**
 * The transport-agnostic edge of field encryption: a message in, encrypted wire bytes out, and back.
 * A bus integration (the JetStream one in nats.ts, a Kafka serializer/deserializer) is a thin adapter
 * over these two functions plus whatever context the transport can bind (a topic, an event id).
 */
import { type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { LimitExceededError, MalformedError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import type {
  DecryptOptions,
  EncryptOptions,
  FieldEncryption,
  PartialDecryption,
} from './field-encryption.ts';

/** Wire messages larger than this are refused before parsing (default 64 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Encrypts the message's parts and serializes it. */
export async function encryptToBinary<Desc extends DescMessage>(
  fields: FieldEncryption,
  schema: Desc,
  message: MessageShape<Desc>,
  options: EncryptOptions = {},
): Promise<Bytes> {
  return toBinary(schema, await fields.encrypt(schema, message, options));
}

export interface DecodeOptions extends DecryptOptions {
  /** Refuse wire messages larger than this many bytes (default 64 MiB). */
  maxMessageBytes?: number;
  /**
   * `partial` (default): open what the keyring can, report the rest in `missing`. `strict`: every part
   * must open (aliases in `ignore` excepted), as `FieldEncryption.decrypt`.
   */
  mode?: 'partial' | 'strict';
}

/** Parses wire bytes and decrypts them (partially by default). */
export async function decryptFromBinary<Desc extends DescMessage>(
  fields: FieldEncryption,
  schema: Desc,
  bytes: Bytes,
  options: DecodeOptions = {},
): Promise<PartialDecryption<MessageShape<Desc>>> {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.length > max) {
    throw new LimitExceededError(`message of ${bytes.length} bytes, over the limit of ${max}`);
  }
  let message: MessageShape<Desc>;
  try {
    message = fromBinary(schema, bytes);
  } catch (cause) {
    throw new MalformedError(`not a valid ${schema.typeName} message`, { cause });
  }
  if (options.mode === 'strict') {
    const decrypted = await fields.decrypt(schema, message, options);
    return { message: decrypted, missing: [] };
  }
  return fields.decryptPartially(schema, message, options);
}
