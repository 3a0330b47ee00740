/**
 * The age payload: STREAM (c2sp.org/age, agead) over ChaCha20-Poly1305. 64 KiB chunks; chunk nonce = 11-byte
 * big-endian counter || last-chunk flag. A chunk is only sealed or opened once it is known whether more
 * data follows, which is what makes truncation at a chunk boundary, reordering, and extension detectable.
 */
import { runtime } from '#runtime';
import { utf8 } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';
import { CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, TAG_SIZE } from './constants.ts';
import { AgeDecryptionError } from './errors.ts';
import { PieceQueue } from './queue.ts';

const PAYLOAD_INFO = utf8('payload');

/** HKDF-SHA-256(ikm = file key, salt = payload nonce, info = "payload"). */
export function payloadKey(fileKey: Bytes, nonce: Bytes): Promise<Bytes> {
  return runtime.hkdfSha256(fileKey, nonce, PAYLOAD_INFO, 32);
}

class ChunkNonce {
  private readonly bytes = new Uint8Array(12);
  private readonly view = new DataView(this.bytes.buffer);
  counter = 0;

  /** The nonce of the current chunk. Reused between chunks: the AEAD copies it on each call. */
  next(last: boolean): Bytes {
    // 2^53 chunks (512 EiB) is far beyond any file; refuse rather than wrap a counter.
    if (this.counter >= Number.MAX_SAFE_INTEGER) throw new RangeError('age STREAM counter exhausted');
    this.view.setUint32(3, Math.floor(this.counter / 2 ** 32));
    this.view.setUint32(7, this.counter >>> 0);
    this.bytes[11] = last ? 1 : 0;
    return this.bytes;
  }
}

export class PayloadEncryptor {
  private readonly queue = new PieceQueue();
  private readonly nonce = new ChunkNonce();

  constructor(private readonly key: Bytes) {}

  /** Ciphertext of every chunk now known not to be the last (so at most 64 KiB stays queued). */
  update(plaintext: Bytes): Bytes[] {
    this.queue.push(plaintext);
    const out: Bytes[] = [];
    while (this.queue.length > CHUNK_SIZE) {
      out.push(
        ...runtime.chacha20Poly1305Seal(this.key, this.nonce.next(false), this.queue.take(CHUNK_SIZE)),
      );
      this.nonce.counter++;
    }
    return out;
  }

  /** The last chunk: 1 to 64 KiB, or empty only when the whole payload is empty. */
  final(): Bytes[] {
    const out = runtime.chacha20Poly1305Seal(
      this.key,
      this.nonce.next(true),
      this.queue.take(this.queue.length),
    );
    this.nonce.counter++;
    return out;
  }
}

export class PayloadDecryptor {
  private readonly queue = new PieceQueue();
  private readonly nonce = new ChunkNonce();
  /** A chunk authenticated with the last-chunk flag: nothing may follow it. */
  private sawLast = false;
  /** A failure found after releasing earlier chunks of the same input. */
  private pending: unknown;

  constructor(private readonly key: Bytes) {}

  private tryOpen(ciphertext: readonly Bytes[], tag: Bytes, last: boolean): Bytes[] | undefined {
    return runtime.chacha20Poly1305Open(this.key, this.nonce.next(last), ciphertext, tag);
  }

  private failed(what: string): AgeDecryptionError {
    return new AgeDecryptionError('payload', `chunk #${this.nonce.counter} ${what}`);
  }

  /**
   * Plaintext of every full chunk that authenticated. A full chunk is tried as a middle chunk, then as the
   * last one (a payload may end on a full chunk); either way it is authentic, so it is released at once,
   * as the reference implementation does. What can then no longer verify is the end: data after a last
   * chunk, or an input that stops after a middle chunk (see `final`).
   */
  update(ciphertext: Bytes): Bytes[] {
    if (this.pending !== undefined) throw this.pending;
    this.queue.push(ciphertext);
    const out: Bytes[] = [];
    try {
      while (this.queue.length >= ENCRYPTED_CHUNK_SIZE && !this.sawLast) {
        const body = this.queue.take(CHUNK_SIZE);
        const tag = this.queue.takeBytes(TAG_SIZE);
        let plaintext = this.tryOpen(body, tag, false);
        if (plaintext === undefined) {
          plaintext = this.tryOpen(body, tag, true);
          if (plaintext === undefined)
            throw this.failed('failed authentication: the file is modified or reordered');
          this.sawLast = true;
        }
        this.nonce.counter++;
        out.push(...plaintext);
      }
      if (this.sawLast && this.queue.length > 0)
        throw this.failed('follows the last chunk: the file was extended');
    } catch (error) {
      // Chunks that authenticated before the failure are released (they are genuine); the error is
      // raised by the next call, so a caller still sees it before the stream can end.
      if (out.length === 0) throw error;
      this.pending = error;
    }
    return out;
  }

  /** The last chunk's plaintext, once it authenticated with the last-chunk flag. */
  final(): Bytes[] {
    if (this.pending !== undefined) throw this.pending;
    if (this.sawLast) return [];
    const rest = this.queue.length;
    if (rest === 0) {
      throw new AgeDecryptionError(
        'payload',
        this.nonce.counter === 0
          ? 'the payload has no chunk: the file is truncated'
          : 'the payload stops after a middle chunk: the file is truncated',
      );
    }
    if (rest < TAG_SIZE) throw this.failed('is shorter than a tag: the file is truncated');
    // An empty last chunk is only the encoding of an empty payload (spec MUST NOT otherwise).
    if (rest === TAG_SIZE && this.nonce.counter > 0)
      throw this.failed('is an empty last chunk after other chunks');
    const body = this.queue.take(rest - TAG_SIZE);
    const plaintext = this.tryOpen(body, this.queue.takeBytes(TAG_SIZE), true);
    if (plaintext === undefined)
      throw this.failed('(the last) failed authentication: the file is truncated, extended or modified');
    this.nonce.counter++;
    return plaintext;
  }
}
