/**
 * The user index: which users exist and how many events each has, as of one checkpoint. Its root goes into
 * the checkpoint (an extension line), so a lookup proves not only that the events it returns are in the log
 * but that they are all of the user's events at that size: a directory that hides a revocation has to sign
 * a checkpoint whose index contradicts its own log, which the user's monitor and any auditor replaying the
 * log detect. (The index is public: it shows which user names exist. Hiding them is KEYTRANS's larger job.)
 *
 * The index is a Merkle tree (RFC 9162 hashing) over its entries sorted by user name. A user's entry is
 * proven by inclusion; an absent user by the two adjacent entries around where it would sort.
 */

import { utf8 } from '../../encoding/bytes.ts';
import { MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { EMPTY_ROOT, equalHashes, leafHash, verifyInclusion } from '../transparency/merkle.ts';
import { MerkleTree } from '../transparency/tree.ts';

export interface IndexEntry {
  user: string;
  /** The user's events in the log so far. */
  events: number;
  /** The id of the user's newest event. */
  lastEventId: string;
}

export function indexLeaf(entry: IndexEntry): Bytes {
  return leafHash(utf8(JSON.stringify(['sealwire-user/v1', entry.user, entry.events, entry.lastEventId])));
}

/** An entry with its position and inclusion proof in an index of `size` entries. */
export interface ProvenEntry {
  entry: IndexEntry;
  position: number;
  proof: Bytes[];
}

/** The proof of what the index says of one user: the user's entry, or the neighbours it would sort between. */
export type IndexProof =
  | { kind: 'present'; size: number; found: ProvenEntry }
  | { kind: 'absent'; size: number; before: ProvenEntry | null; after: ProvenEntry | null };

export class UserIndex {
  readonly #entries: IndexEntry[];
  readonly #tree: MerkleTree;

  /** The index of `entries` (any order; one per user). */
  constructor(entries: Iterable<IndexEntry>) {
    this.#entries = [...entries].sort((a, b) => compare(a.user, b.user));
    for (let i = 1; i < this.#entries.length; i++)
      if (this.#entries[i - 1]!.user === this.#entries[i]!.user)
        throw new MalformedError(`user index: ${this.#entries[i]!.user} twice`);
    this.#tree = new MerkleTree(this.#entries.map(indexLeaf));
  }

  get size(): number {
    return this.#entries.length;
  }

  get root(): Bytes {
    return this.#tree.root();
  }

  prove(user: string): IndexProof {
    const size = this.size;
    // The first position whose user sorts at or after `user`.
    let low = 0;
    let high = size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(this.#entries[mid]!.user, user) < 0) low = mid + 1;
      else high = mid;
    }
    const proven = (position: number): ProvenEntry => ({
      entry: this.#entries[position]!,
      position,
      proof: this.#tree.inclusionProof(position),
    });
    if (low < size && this.#entries[low]!.user === user) return { kind: 'present', size, found: proven(low) };
    return {
      kind: 'absent',
      size,
      before: low > 0 ? proven(low - 1) : null,
      after: low < size ? proven(low) : null,
    };
  }
}

/**
 * What the index of `size` entries with root `root` says of `user`: its entry, or null when it has none.
 * Anything the proof does not establish is a `MalformedError` (the caller treats it as a lying directory).
 */
export function verifyIndexProof(user: string, proof: IndexProof, root: Bytes): IndexEntry | null {
  const bad = (why: string) => new MalformedError(`user index proof for ${user}: ${why}`);
  const included = (p: ProvenEntry) =>
    verifyInclusion(indexLeaf(p.entry), p.position, proof.size, p.proof, root);
  if (proof.kind === 'present') {
    if (proof.found.entry.user !== user || !included(proof.found)) throw bad('the entry is not in the index');
    return proof.found.entry;
  }
  const { before, after, size } = proof;
  if (size === 0) {
    if (before !== null || after !== null || !equalHashes(root, EMPTY_ROOT)) throw bad('not an empty index');
    return null;
  }
  if (before !== null && (!included(before) || compare(before.entry.user, user) >= 0))
    throw bad('the entry before is not in the index, or not before');
  if (after !== null && (!included(after) || compare(after.entry.user, user) <= 0))
    throw bad('the entry after is not in the index, or not after');
  // Adjacent, and together covering the place the user would sort into.
  const adjacent =
    before !== null && after !== null
      ? after.position === before.position + 1
      : before !== null
        ? before.position === size - 1
        : after !== null && after.position === 0;
  if (!adjacent) throw bad('the neighbours leave a gap where the user could be');
  return null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
