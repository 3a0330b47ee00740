/**
 * `sealwire/seal/age/node`: age as Node.js `Transform` streams, for `pipeline()` with files, sockets and
 * HTTP bodies. Kept apart from the main entry point so that browser bundles never see `node:stream`.
 *
 *     await pipeline(createReadStream('in'), createEncryptStream(['age1...']), createWriteStream('in.age'));
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Bytes } from '../../runtime/types.ts';
import { AgeDecryptor } from './decryptor.ts';
import { AgeEncryptor } from './encryptor.ts';
import type { AgeIdentity, AgeRecipient, DecryptOptions, StreamEncryptOptions } from './types.ts';

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Plaintext in, age file out; `signature` resolves when the stream ends (with `options.sign`). */
export class AgeEncryptTransform extends Transform {
  readonly signature: Promise<string | undefined>;
  private encryptor: AgeEncryptor | undefined;
  private readonly ready: Promise<AgeEncryptor>;
  private settle!: { resolve: (value: string | undefined) => void; reject: (error: unknown) => void };

  constructor(recipients: AgeRecipient | readonly AgeRecipient[], options: StreamEncryptOptions = {}) {
    super();
    this.signature = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.signature.catch(() => {});
    this.ready = AgeEncryptor.create(recipients, options);
    // A bad recipient or signer fails `signature` at once; the stream itself errors on its first write.
    this.ready.catch((error: unknown) => this.settle.reject(error));
  }

  private pushAll(pieces: readonly Bytes[]): void {
    for (const piece of pieces) this.push(piece);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // The header is written once the recipients are wrapped; after that, encryption is synchronous.
    if (this.encryptor !== undefined) {
      try {
        this.pushAll(this.encryptor.update(chunk));
        callback();
      } catch (error) {
        callback(asError(error));
      }
      return;
    }
    this.ready.then(
      (encryptor) => {
        this.encryptor = encryptor;
        this._transform(chunk, _encoding, callback);
      },
      (error: unknown) => {
        this.settle.reject(error);
        callback(asError(error));
      },
    );
  }

  override _flush(callback: TransformCallback): void {
    this.ready
      .then(async (encryptor) => {
        this.pushAll(await encryptor.final());
        this.settle.resolve(encryptor.signature);
        callback();
      })
      .catch((error: unknown) => {
        this.settle.reject(error);
        callback(asError(error));
      });
  }
}

/**
 * age file in, plaintext out. Plaintext of a chunk is pushed only after its tag verified; the stream
 * errors on the first failure and at the end if the file is truncated or, with `from`, the sender
 * signature does not verify. Treat output as untrusted until the stream ends without error.
 */
export class AgeDecryptTransform extends Transform {
  private readonly decryptor: AgeDecryptor;

  constructor(identities: AgeIdentity | readonly AgeIdentity[], options: DecryptOptions = {}) {
    super();
    this.decryptor = new AgeDecryptor(identities, options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decryptor.update(chunk).then(
      (pieces) => {
        for (const piece of pieces) this.push(piece);
        callback();
      },
      (error: unknown) => callback(asError(error)),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.decryptor.final().then(
      (pieces) => {
        for (const piece of pieces) this.push(piece);
        callback();
      },
      (error: unknown) => callback(asError(error)),
    );
  }
}

export function createEncryptStream(
  recipients: AgeRecipient | readonly AgeRecipient[],
  options: StreamEncryptOptions = {},
): AgeEncryptTransform {
  return new AgeEncryptTransform(recipients, options);
}

export function createDecryptStream(
  identities: AgeIdentity | readonly AgeIdentity[],
  options: DecryptOptions = {},
): AgeDecryptTransform {
  return new AgeDecryptTransform(identities, options);
}

export * from './index.ts';
