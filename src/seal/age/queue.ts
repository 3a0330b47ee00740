/**
 * A FIFO of byte pieces that hands out exact lengths as lists of sub-arrays: a chunk that straddles two
 * input buffers is processed in place, never copied. Pieces are held by reference, so a caller must not
 * reuse a buffer it has written (the usual contract of Node and Web streams).
 */
import { joinBytes } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';

const EMPTY = new Uint8Array(0);
const COALESCE_BELOW = 4096;
const COALESCE_BYTES = 16 * 1024;

export class PieceQueue {
  private pieces: Bytes[] = [];
  private head = 0;
  /** Bytes queued. */
  length = 0;

  /** Small pieces are copied together, so that a stream arriving in tiny writes costs no per-byte work. */
  private tail: Bytes | undefined;
  private tailLength = 0;

  push(data: Bytes): void {
    if (data.length === 0) return;
    this.length += data.length;
    if (data.length < COALESCE_BELOW) {
      if (this.tail !== undefined && this.tailLength + data.length > this.tail.length) this.flushTail();
      this.tail ??= new Uint8Array(COALESCE_BYTES);
      this.tail.set(data, this.tailLength);
      this.tailLength += data.length;
      return;
    }
    this.flushTail();
    this.pieces.push(data);
  }

  private flushTail(): void {
    if (this.tail === undefined) return;
    if (this.tailLength > 0) this.pieces.push(this.tail.subarray(0, this.tailLength));
    // A new tail every time: the old one is now referenced by a piece.
    this.tail = undefined;
    this.tailLength = 0;
  }

  /** Removes the first `count` bytes (count <= length) and returns them as pieces. */
  take(count: number): Bytes[] {
    this.flushTail();
    const out: Bytes[] = [];
    let needed = count;
    while (needed > 0) {
      const piece = this.pieces[this.head]!;
      if (piece.length <= needed) {
        out.push(piece);
        needed -= piece.length;
        // Drop the reference now: a consumed input buffer must not outlive its last chunk.
        this.pieces[this.head] = EMPTY;
        this.head++;
      } else {
        out.push(piece.subarray(0, needed));
        this.pieces[this.head] = piece.subarray(needed);
        needed = 0;
      }
    }
    this.length -= count;
    if (this.head > 64 || this.head === this.pieces.length) {
      this.pieces = this.pieces.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Like `take`, as one contiguous array (copied only when it straddles pieces). */
  takeBytes(count: number): Bytes {
    const pieces = this.take(count);
    return pieces.length === 1 ? pieces[0]! : joinBytes(pieces);
  }
}
