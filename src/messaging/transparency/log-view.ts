/**
 * A client's view of the directory log: the newest checkpoint it has verified, and the rule that it only
 * moves forward along one history. Every new checkpoint must be signed by the log (and cosigned by as many
 * configured witnesses as required), be for the log's origin, and be proven consistent with the one held:
 * a smaller size is a rollback, the same size with another root or a failed consistency proof is a fork
 * (the log showing different histories to different clients). Both are refused for good: the view keeps
 * its checkpoint, and the caller is told with `ERR_LOG_INCONSISTENT`.
 *
 * The view stores nothing itself: `checkpoint` is what the caller persists and hands back next time.
 */
import { LogInconsistentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { type Checkpoint, openCheckpoint } from './checkpoint.ts';
import { type Cosignature, type CosignatureVerifier, checkCosignatures } from './cosignature.ts';
import { equalHashes, verifyConsistency, verifyInclusion } from './merkle.ts';
import type { NoteVerifier } from './note.ts';

export interface LogViewOptions {
  /** The log's origin line (its name). */
  origin: string;
  /** The log's note key. */
  log: NoteVerifier;
  /** Witnesses this client trusts, and how many of them must cosign every checkpoint (default 0). */
  witnesses?: readonly CosignatureVerifier[];
  requiredCosignatures?: number;
  /** The newest checkpoint verified before (persisted by the caller); none on a first use. */
  checkpoint?: Checkpoint;
}

export class LogView {
  readonly #options: LogViewOptions;
  #checkpoint: Checkpoint | undefined;

  constructor(options: LogViewOptions) {
    this.#options = options;
    this.#checkpoint = options.checkpoint;
  }

  /** The newest checkpoint verified; persist it to keep the guarantee across runs. */
  get checkpoint(): Checkpoint | undefined {
    return this.#checkpoint;
  }

  /**
   * Verifies the signed checkpoint `note` and moves the view to it. `consistency` proves the held
   * checkpoint is a prefix of the new one (empty when the view holds none, or the same size).
   */
  advance(
    note: string | Bytes,
    consistency: readonly Bytes[],
  ): { checkpoint: Checkpoint; cosignatures: Cosignature[] } {
    const { checkpoint, note: parsed } = openCheckpoint(note, this.#options.log, this.#options.origin);
    const cosignatures = checkCosignatures(
      parsed,
      this.#options.witnesses ?? [],
      this.#options.requiredCosignatures ?? 0,
    );
    const held = this.#checkpoint;
    if (held !== undefined) {
      if (checkpoint.size < held.size)
        throw new LogInconsistentError(
          `the directory log went back from ${held.size} entries to ${checkpoint.size} (a rollback)`,
        );
      if (!verifyConsistency(held.size, checkpoint.size, consistency, held.root, checkpoint.root))
        throw new LogInconsistentError(
          checkpoint.size === held.size && !equalHashes(checkpoint.root, held.root)
            ? `the directory log shows two different trees of ${held.size} entries (a fork)`
            : `the directory log of ${checkpoint.size} entries is not proven to extend the one of ${held.size} this client saw (a fork, or a bad proof)`,
        );
    }
    this.#checkpoint = checkpoint;
    return { checkpoint, cosignatures };
  }

  /**
   * Verifies that `leaf` (a leaf hash) is entry `index` of the log as of the held checkpoint. A failed
   * proof means the log serves an entry it did not commit to: `ERR_LOG_INCONSISTENT`.
   */
  verifyEntry(leaf: Bytes, index: number, proof: readonly Bytes[]): void {
    const held = this.#checkpoint;
    if (held === undefined)
      throw new LogInconsistentError('no verified checkpoint to check an entry against');
    if (!verifyInclusion(leaf, index, held.size, proof, held.root))
      throw new LogInconsistentError(`entry ${index} is not in the directory log of ${held.size} entries`);
  }
}
