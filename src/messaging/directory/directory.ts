/**
 * The directory's side: an append-only log of directory events with the rules of `UserHistory` enforced
 * before anything is appended, signed checkpoints that carry the user index, and lookup answers. Storage
 * is the caller's (the service persists entries and replays them into a new `Directory` at start); this
 * class holds the tree, the histories and the index in memory.
 */
import { ArgumentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { signCheckpoint } from '../transparency/checkpoint.ts';
import { leafHash } from '../transparency/merkle.ts';
import type { NoteSigner } from '../transparency/note.ts';
import { MerkleTree } from '../transparency/tree.ts';
import { parseEvent } from './event.ts';
import { type LookupAnswer, userIndexLine } from './lookup.ts';
import { UserHistory } from './user-history.ts';
import { UserIndex } from './user-index.ts';

export interface DirectoryOptions {
  /** The log's origin line. */
  origin: string;
  /** The log's note key; without one (an auditor replaying the log) `checkpoint` is refused. */
  signer?: NoteSigner;
  /** Entries already in the log, in order (from storage); each is checked as on append. */
  entries?: Iterable<Bytes>;
}

export class Directory {
  readonly #origin: string;
  readonly #signer: NoteSigner | undefined;
  readonly #tree = new MerkleTree();
  readonly #entries: Bytes[] = [];
  readonly #histories = new Map<string, UserHistory>();
  /** Log positions of each user's events. */
  readonly #positions = new Map<string, number[]>();
  #signed: { size: number; note: string; index: UserIndex } | undefined;

  constructor(options: DirectoryOptions) {
    this.#origin = options.origin;
    this.#signer = options.signer;
    for (const entry of options.entries ?? []) this.append(entry);
  }

  get size(): number {
    return this.#tree.size;
  }

  /** Appends a directory event (its log entry bytes) if it follows from its user's history; its position. */
  append(entry: Bytes): number {
    const event = parseEvent(entry);
    const history = this.#histories.get(event.user) ?? new UserHistory(event.user);
    history.apply(event);
    this.#histories.set(event.user, history);
    const position = this.#tree.append(leafHash(entry));
    this.#entries.push(entry);
    const positions = this.#positions.get(event.user);
    if (positions === undefined) this.#positions.set(event.user, [position]);
    else positions.push(position);
    return position;
  }

  /** The user's history as the directory holds it (for the service's own checks), if the user exists. */
  history(user: string): UserHistory | undefined {
    return this.#histories.get(user);
  }

  /** Log entries `from` (inclusive) to `to` (exclusive), for monitors and auditors. */
  entries(from: number, to: number = this.size): Bytes[] {
    if (!Number.isSafeInteger(from) || from < 0 || to > this.size || from > to)
      throw new ArgumentError(`the log has entries 0 to ${this.size}, not ${from} to ${to}`);
    return this.#entries.slice(from, to);
  }

  /** The signed checkpoint of the log as it is now, with its user index (made once per size). */
  checkpoint(): { note: string; index: UserIndex; size: number } {
    if (this.#signed?.size === this.size) return this.#signed;
    if (this.#signer === undefined) throw new ArgumentError('this directory has no log key to sign with');
    const index = this.userIndex();
    const note = signCheckpoint(
      {
        origin: this.#origin,
        size: this.size,
        root: this.#tree.root(),
        extensions: [userIndexLine(index.size, index.root)],
      },
      this.#signer,
    );
    this.#signed = { size: this.size, note, index };
    return this.#signed;
  }

  /** The user index of the log as it is now. */
  userIndex(): UserIndex {
    return new UserIndex(
      [...this.#histories.values()].map((history) => ({
        user: history.user,
        events: history.length,
        lastEventId: history.lastEventId!,
      })),
    );
  }

  /** The lookup answer for `user`, for a client whose last checkpoint had `since` entries (0: none). */
  lookup(user: string, since = 0): LookupAnswer {
    const { note, index, size } = this.checkpoint();
    if (!Number.isSafeInteger(since) || since < 0 || since > size)
      throw new ArgumentError(`since must be a log size from 0 to ${size}`);
    return {
      checkpoint: note,
      consistency: since === 0 ? [] : this.#tree.consistencyProof(since, size),
      index: index.prove(user),
      events: (this.#positions.get(user) ?? []).map((position) => ({
        position,
        entry: this.#entries[position]!,
        proof: this.#tree.inclusionProof(position, size),
      })),
    };
  }
}
