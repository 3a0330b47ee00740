/**
 * The log's side of the Merkle tree: appends leaf hashes and answers roots and proofs (RFC 9162 §2.1.3.1
 * PATH, §2.1.4.1 PROOF) for any earlier size, which is what clients holding older tree heads ask for.
 *
 * Every complete, aligned subtree's hash is kept as it forms (level k holds the subtrees of 2^k leaves), so an
 * append costs O(log n) hashes and a root or a proof O(log^2 n) at worst: only the subtrees along the right
 * edge of a tree size are incomplete and hashed on the fly.
 */
import { ArgumentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { EMPTY_ROOT, isPowerOfTwo, nodeHash, splitPoint } from './merkle.ts';

export class MerkleTree {
  readonly #levels: Bytes[][] = [[]];

  /** A tree holding `leafHashes`, in order (e.g. loaded from storage). */
  constructor(leafHashes: Iterable<Bytes> = []) {
    for (const leaf of leafHashes) this.append(leaf);
  }

  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends a leaf hash; returns its index. */
  append(leaf: Bytes): number {
    const index = this.size;
    this.#levels[0]!.push(leaf);
    for (let k = 0; this.#levels[k]!.length % 2 === 0; k++) {
      const level = this.#levels[k]!;
      if (this.#levels[k + 1] === undefined) this.#levels[k + 1] = [];
      this.#levels[k + 1]!.push(nodeHash(level[level.length - 2]!, level[level.length - 1]!));
    }
    return index;
  }

  /** The leaf hash at `index`. */
  leaf(index: number): Bytes {
    this.#checkSize(index + 1);
    return this.#levels[0]![index]!;
  }

  /** The root of the tree's first `size` leaves. */
  root(size: number = this.size): Bytes {
    this.#checkSize(size);
    return size === 0 ? EMPTY_ROOT : this.#hash(0, size);
  }

  /** The audit path of leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number = this.size): Bytes[] {
    this.#checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      throw new ArgumentError(`leaf ${index} is not in a tree of ${size}`);
    const proof: Bytes[] = [];
    this.#path(index, 0, size, proof);
    return proof;
  }

  /** The proof that the tree of `size1` leaves is a prefix of the tree of `size2`. */
  consistencyProof(size1: number, size2: number = this.size): Bytes[] {
    this.#checkSize(size2);
    if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2)
      throw new ArgumentError(`no consistency proof from size ${size1} to ${size2}`);
    const proof: Bytes[] = [];
    if (size1 > 0 && size1 < size2) this.#subproof(size1, 0, size2, true, proof);
    return proof;
  }

  /** MTH of the `n` leaves from `start`. */
  #hash(start: number, n: number): Bytes {
    if (isPowerOfTwo(n) && start % n === 0) return this.#levels[Math.log2(n)]![start / n]!;
    const k = splitPoint(n);
    return nodeHash(this.#hash(start, k), this.#hash(start + k, n - k));
  }

  /** PATH(m, D[start : start + n]), appended to `out` bottom-up. */
  #path(m: number, start: number, n: number, out: Bytes[]): void {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      this.#path(m, start, k, out);
      out.push(this.#hash(start + k, n - k));
    } else {
      this.#path(m - k, start + k, n - k, out);
      out.push(this.#hash(start, k));
    }
  }

  /** SUBPROOF(m, D[start : start + n], b), appended to `out`. */
  #subproof(m: number, start: number, n: number, complete: boolean, out: Bytes[]): void {
    if (m === n) {
      if (!complete) out.push(this.#hash(start, n));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.#subproof(m, start, k, complete, out);
      out.push(this.#hash(start + k, n - k));
    } else {
      this.#subproof(m - k, start + k, n - k, false, out);
      out.push(this.#hash(start, k));
    }
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size)
      throw new ArgumentError(`the log has ${this.size} entries, not ${size}`);
  }
}
