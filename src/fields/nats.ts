/**
 * NATS JetStream integration: publish encrypts, consume decrypts with the consumer's keyring (partially
 * by default, so a consumer without every key still reads what it may). The NATS client is the caller's
 * (only its types are imported here), so nothing of `nats` is loaded by other users of `sealwire/fields`.
 *
 * Each ciphertext binds the subject and, when given, the JetStream message id (`Nats-Msg-Id`): a part
 * copied into another subject's or another event's message does not decrypt. The broker stores and
 * delivers ciphertext_ bytes and the clear fields; it never sees a key.
 */
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { JetStreamClient, JetStreamPublishOptions, JsMsg, PubAck } from 'nats';
import { utf8 } from '../encoding/bytes.ts';
import { SealwireError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import type { FieldEncryption, PartialDecryption } from './field-encryption.ts';
import { type DecodeOptions, decryptFromBinary, encryptToBinary } from './wire.ts';

export interface JetStreamFieldsOptions {
  /**
   * What each ciphertext binds besides its type and alias: `subject-and-id` (default: the subject and
   * the message id when there is one) or `none` (for streams that rewrite subjects on the way).
   */
  binding?: 'subject-and-id' | 'none';
  /** Decoding options for consumers (mode, ignore, maxMessageBytes). */
  decode?: Omit<DecodeOptions, 'context'>;
}

export interface DecodedJsMsg<T> extends PartialDecryption<T> {
  /** The JetStream message (ack it once handled). */
  msg: JsMsg;
}

export class FieldsJetStream<Desc extends DescMessage> {
  readonly #js: JetStreamClient;
  readonly #fields: FieldEncryption;
  readonly #schema: Desc;
  readonly #options: JetStreamFieldsOptions;

  constructor(
    js: JetStreamClient,
    fields: FieldEncryption,
    schema: Desc,
    options: JetStreamFieldsOptions = {},
  ) {
    this.#js = js;
    this.#fields = fields;
    this.#schema = schema;
    this.#options = options;
  }

  /** Encrypts and publishes; `msgID` (recommended) deduplicates in the stream and is bound in the AAD. */
  async publish(
    subject: string,
    message: MessageShape<Desc>,
    options: Partial<JetStreamPublishOptions> = {},
  ): Promise<PubAck> {
    const context = this.#context(subject, options.msgID);
    const payload = await encryptToBinary(
      this.#fields,
      this.#schema,
      message,
      context === undefined ? {} : { context },
    );
    return this.#js.publish(subject, payload, options);
  }

  /** Decrypts one delivered message. Throws a `SealwireError` for a malformed or tampered message. */
  async decode(msg: JsMsg): Promise<DecodedJsMsg<MessageShape<Desc>>> {
    const context = this.#context(msg.subject, msg.headers?.get('Nats-Msg-Id') || undefined);
    const decoded = await decryptFromBinary(this.#fields, this.#schema, msg.data, {
      ...this.#options.decode,
      ...(context === undefined ? {} : { context }),
    });
    return { ...decoded, msg };
  }

  /**
   * Decodes a stream of deliveries (e.g. `await consumer.consume()`) and hands each to `handler`, then
   * acks it. A message that cannot be decoded is passed to `onError` (default: `term()` it, so a poison
   * message is not redelivered forever) and the loop goes on; an exception from `handler` naks the
   * message for redelivery and ends the loop with that exception.
   */
  async consume(
    messages: AsyncIterable<JsMsg>,
    handler: (decoded: DecodedJsMsg<MessageShape<Desc>>) => Promise<void> | void,
    onError: (error: SealwireError, msg: JsMsg) => Promise<void> | void = (_error, msg) => msg.term(),
  ): Promise<void> {
    for await (const msg of messages) {
      let decoded: DecodedJsMsg<MessageShape<Desc>>;
      try {
        decoded = await this.decode(msg);
      } catch (error) {
        if (!(error instanceof SealwireError)) throw error;
        await onError(error, msg);
        continue;
      }
      try {
        await handler(decoded);
      } catch (error) {
        msg.nak();
        throw error;
      }
      msg.ack();
    }
  }

  #context(subject: string, msgId: string | undefined): Bytes | undefined {
    if (this.#options.binding === 'none') return undefined;
    return utf8(`nats:${subject}\n${msgId ?? ''}`);
  }
}
