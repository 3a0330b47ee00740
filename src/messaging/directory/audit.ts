/**
 * Auditing the directory, as `sealwire msg monitor` does for one's own user: fetch the whole log, check it
 * is the tree the checkpoint signs (and consistent with the client's last view), replay every event with
 * the directory's own rules, check that the checkpoint's user index is the one the log gives, and report
 * every event of the user that the user did not make (a device the directory or an attacker added).
 * Anyone can run it for any user: an auditor with the full log catches a directory whose index hides events.
 */
import { LogInconsistentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import type { LogView } from '../transparency/log-view.ts';
import { equalHashes, leafHash } from '../transparency/merkle.ts';
import { MerkleTree } from '../transparency/tree.ts';
import { Directory } from './directory.ts';
import { type DirectoryEvent, eventId, parseEvent } from './event.ts';
import { readUserIndexLine } from './lookup.ts';

export interface AuditReport {
  /** The log size audited. */
  size: number;
  /** The user's events, in log order, with whether the user made each (its id is in `made`). */
  events: { position: number; event: DirectoryEvent; madeByUser: boolean }[];
  /** The user's events it did not make: what the monitor reports. */
  unknown: { position: number; event: DirectoryEvent }[];
}

/**
 * Audits the log `entries` (all of them, from 0) under the signed checkpoint `note` for `user`, whose own
 * event ids are `made`. Throws `ERR_LOG_INCONSISTENT` when the log is not what the checkpoint signs, does not
 * follow the directory's rules, or its user index differs from the checkpoint's.
 */
export function auditLog(
  view: LogView,
  note: string,
  consistency: readonly Bytes[],
  entries: readonly Bytes[],
  user: string,
  made: ReadonlySet<string>,
): AuditReport {
  const { checkpoint } = view.advance(note, consistency);
  if (entries.length !== checkpoint.size)
    throw new LogInconsistentError(
      `the directory sent ${entries.length} entries for a log of ${checkpoint.size}`,
    );
  const tree = new MerkleTree(entries.map(leafHash));
  if (!equalHashes(tree.root(), checkpoint.root))
    throw new LogInconsistentError('the entries the directory sent are not the log its checkpoint signs');
  let replayed: Directory;
  try {
    replayed = new Directory({ origin: checkpoint.origin, entries });
  } catch (error) {
    throw new LogInconsistentError('the directory log holds an event its own rules refuse', { cause: error });
  }
  const claimed = readUserIndexLine(checkpoint.extensions);
  const index = replayed.userIndex();
  if (index.size !== claimed.entries || !equalHashes(index.root, claimed.root))
    throw new LogInconsistentError(
      "the checkpoint's user index is not the one its log gives (events hidden from lookups)",
    );
  const events: AuditReport['events'] = [];
  entries.forEach((entry, position) => {
    const event = parseEvent(entry);
    if (event.user === user) events.push({ position, event, madeByUser: made.has(eventId(event)) });
  });
  return {
    size: checkpoint.size,
    events,
    unknown: events.filter((e) => !e.madeByUser).map(({ position, event }) => ({ position, event })),
  };
}
