/**
 * What the directory answers for one user, and how a client checks it. The answer carries a signed
 * checkpoint (with the consistency proof from the client's last one), the user-index proof for the user,
 * and every event of the user with its inclusion proof. The client accepts it only when all of it holds:
 * the checkpoint advances its log view, the index entry is proven in the checkpoint's index, the events are
 * exactly the index's count of them, each is in the log, and together they replay into a valid history that
 * ends in the index's newest event. Any failure is the directory's, and nothing of the answer is used.
 */
import { decodeBase64, encodeBase64 } from '../../encoding/base64.ts';
import { LogInconsistentError, MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import type { LogView } from '../transparency/log-view.ts';
import { HASH_BYTES, leafHash } from '../transparency/merkle.ts';
import { parseEvent } from './event.ts';
import { UserHistory } from './user-history.ts';
import { type IndexProof, verifyIndexProof } from './user-index.ts';

/** The checkpoint extension line that carries the user index: `sealwire-users <entries> <base64 root>`. */
export const USER_INDEX_LINE = 'sealwire-users';

export interface LookupAnswer {
  /** The signed checkpoint note. */
  checkpoint: string;
  /** Proof that the client's last checkpoint (the `since` it asked with) is a prefix of this one. */
  consistency: Bytes[];
  index: IndexProof;
  events: { position: number; entry: Bytes; proof: Bytes[] }[];
}

export function userIndexLine(entries: number, root: Bytes): string {
  return `${USER_INDEX_LINE} ${entries} ${encodeBase64(root)}`;
}

export function readUserIndexLine(extensions: readonly string[]): { entries: number; root: Bytes } {
  const lines = extensions.filter((line) => line.startsWith(`${USER_INDEX_LINE} `));
  const parts = lines.length === 1 ? lines[0]!.split(' ') : [];
  const root = parts.length === 3 ? decodeBase64(parts[2]!) : undefined;
  const entries = Number(parts[1]);
  if (
    root === undefined ||
    root.length !== HASH_BYTES ||
    !/^(0|[1-9][0-9]*)$/.test(parts[1] ?? '') ||
    !Number.isSafeInteger(entries)
  )
    throw new MalformedError(`checkpoint: no single well-formed "${USER_INDEX_LINE}" line`);
  return { entries, root };
}

/** The user's verified history from a lookup answer, or null when the directory proves the user has none. */
export function verifyLookup(view: LogView, user: string, answer: LookupAnswer): UserHistory | null {
  const { checkpoint } = view.advance(answer.checkpoint, answer.consistency);
  const index = readUserIndexLine(checkpoint.extensions);
  if (answer.index.size !== index.entries)
    throw new LogInconsistentError(
      `the user index proof is for ${answer.index.size} users, the checkpoint says ${index.entries}`,
    );
  let entry: ReturnType<typeof verifyIndexProof>;
  try {
    entry = verifyIndexProof(user, answer.index, index.root);
  } catch (error) {
    throw new LogInconsistentError(`the directory's answer for ${user} is not proven by its checkpoint`, {
      cause: error,
    });
  }
  if (entry === null) {
    if (answer.events.length > 0)
      throw new LogInconsistentError(`events for ${user}, whom the index does not have`);
    return null;
  }
  if (answer.events.length !== entry.events)
    throw new LogInconsistentError(
      `the directory sent ${answer.events.length} events of ${user}; its checkpoint says ${entry.events}`,
    );
  const history = new UserHistory(user);
  let last = -1;
  for (const { position, entry: bytes, proof } of answer.events) {
    if (!Number.isSafeInteger(position) || position <= last)
      throw new LogInconsistentError(`${user}'s events are not in log order`);
    last = position;
    view.verifyEntry(leafHash(bytes), position, proof);
    try {
      history.apply(parseEvent(bytes));
    } catch (error) {
      throw new LogInconsistentError(`the directory log holds an event ${user} could not have made`, {
        cause: error,
      });
    }
  }
  if (history.lastEventId !== entry.lastEventId)
    throw new LogInconsistentError(`${user}'s newest event is not the one the checkpoint's index names`);
  return history;
}
