/**
 * A FIFO of byte pieces that hands out exact lengths as lists of sub-arrays: a chunk that straddles two
 * input buffers is processed in place, never copied. Pieces are held by reference, so a caller must not
 * reuse a buffer it has written (the usual contract of Node and Web streams).
 */
import type { Bytes } from '../../runtime/types.ts';

export class PieceQueue {
  private pieces: Bytes[] = [];
  private head = 0;
  /** Bytes queued. */
  length = 0;

  push(data: Bytes): void {
    if (data.length === 0) return;
    this.pieces.push(data);
    this.length += data.length;
  }

  /** Removes the first `count` bytes (count <= length) and returns them as pieces. */
  take(count: number): Bytes[] {
    const out: Bytes[] = [];
    let needed = count;
    while (needed > 0) {
      const piece = this.pieces[this.head]!;
      if (piece.length <= needed) {
        out.push(piece);
        needed -= piece.length;
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
    if (pieces.length === 1) return pieces[0]!;
    const out = new Uint8Array(count);
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    return out;
  }
}
