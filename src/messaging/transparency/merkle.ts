/**
 * RFC 9162 (§2.1) Merkle tree hashing and proofs, the hashing Certificate Transparency and every C2SP
 * transparency log use: leaf hash SHA-256(0x00 || entry), interior node SHA-256(0x01 || left || right), a tree
 * of n leaves split at the largest power of two below n. Verification is exactly the RFC's algorithms
 * (§2.1.3.2 inclusion, §2.1.4.2 consistency), so proofs made by any conforming log verify here and ours verify
 * there. Sizes and indexes are plain numbers: a directory will not reach 2^53 events.
 */
import { runtime } from '#runtime';
import type { Bytes } from '../../runtime/types.ts';

export const HASH_BYTES = 32;

function sha256(...parts: Bytes[]): Bytes {
  const hash = runtime.sha256Stream();
  for (const part of parts) hash.update(part);
  const digest = hash.digest();
  // A plain Uint8Array on every runtime (Node's digest is a Buffer, whose slice() would not copy).
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function leafHash(entry: Bytes): Bytes {
  return sha256(LEAF_PREFIX, entry);
}

export function nodeHash(left: Bytes, right: Bytes): Bytes {
  return sha256(NODE_PREFIX, left, right);
}

/** The root of an empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Bytes = sha256();

/** The largest power of two strictly below `n` (n >= 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves whose root is `root`
 * (RFC 9162 §2.1.3.2). Any malformed input is simply `false`.
 */
export function verifyInclusion(
  leaf: Bytes,
  index: number,
  size: number,
  proof: readonly Bytes[],
  root: Bytes,
): boolean {
  if (!isIndex(index) || !isIndex(size) || index >= size || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // fn was the last node of its level: climb until it is a right child (or the root's leftmost).
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(r, root);
}

/**
 * Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of `size2` leaves with
 * root `root2` (RFC 9162 §2.1.4.2): the log only appended. Any malformed input is simply `false`.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Bytes[],
  root1: Bytes,
  root2: Bytes,
): boolean {
  if (!isIndex(size1) || !isIndex(size2) || size1 > size2 || !proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  // The empty tree is a prefix of every tree; nothing to prove.
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, root1) && equalHashes(sr, root2);
}

function isIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isHash(value: Bytes): boolean {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

/** Exact for every safe integer (bit operators would stop at 2^31). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

/** Hashes are public; a plain comparison is fine (no secret to time). */
export function equalHashes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
