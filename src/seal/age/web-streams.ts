/**
 * age as Web Streams (`TransformStream<Uint8Array, Uint8Array>`): browsers, Deno, Bun, Node. Memory stays
 * bounded by the chunk size and the streams' own queues, whatever the file size.
 */
import { ArgumentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { AgeDecryptor } from './decryptor.ts';
import { AgeEncryptor } from './encryptor.ts';
import type { AgeIdentity, AgeRecipient, DecryptOptions, StreamEncryptOptions } from './types.ts';

function checkChunk(chunk: unknown): Bytes {
  if (!(chunk instanceof Uint8Array)) throw new ArgumentError('age streams carry Uint8Array chunks');
  return chunk;
}

/** Plaintext in, age file out. `signature` resolves once the stream ends (with `options.sign`). */
export class AgeEncryptStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly signature: Promise<string | undefined>;

  constructor(recipients: AgeRecipient | readonly AgeRecipient[], options: StreamEncryptOptions = {}) {
    let encryptor: AgeEncryptor | undefined;
    let settle!: { resolve: (value: string | undefined) => void; reject: (error: unknown) => void };
    const signature = new Promise<string | undefined>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // The caller may never look at the signature; its rejection must not become an unhandled one.
    signature.catch(() => {});
    super({
      async start() {
        try {
          encryptor = await AgeEncryptor.create(recipients, options);
        } catch (error) {
          settle.reject(error);
          throw error;
        }
      },
      transform(chunk, controller) {
        for (const piece of encryptor!.update(checkChunk(chunk))) controller.enqueue(piece);
      },
      async flush(controller) {
        try {
          for (const piece of await encryptor!.final()) controller.enqueue(piece);
          settle.resolve(encryptor!.signature);
        } catch (error) {
          settle.reject(error);
          throw error;
        }
      },
    });
    this.signature = signature;
  }
}

/**
 * age file in, plaintext out. A chunk's plaintext is enqueued only after its tag verified; the stream
 * errors (and enqueues nothing more) on the first failure, and at the end if the file is truncated or, with
 * `from`, the sender signature does not verify. Treat the output as untrusted until the stream closes.
 */
export class AgeDecryptStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(identities: AgeIdentity | readonly AgeIdentity[], options: DecryptOptions = {}) {
    const decryptor = new AgeDecryptor(identities, options);
    super({
      async transform(chunk, controller) {
        for (const piece of await decryptor.update(checkChunk(chunk))) controller.enqueue(piece);
      },
      async flush(controller) {
        for (const piece of await decryptor.final()) controller.enqueue(piece);
      },
    });
  }
}
