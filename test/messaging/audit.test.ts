/**
 * The monitor's audit of the whole log: it reports an event of the user that the user did not make (here a
 * device added with a stolen identity key), and refuses a log whose entries are not the signed tree or
 * whose checkpoint carries a user index that hides events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from '../../src/encoding/base64url.ts';
import { auditLog } from '../../src/messaging/directory/audit.ts';
import { signCard } from '../../src/messaging/directory/card.ts';
import { Directory } from '../../src/messaging/directory/directory.ts';
import { type DirectoryEvent, eventBytes, eventId, signEvent } from '../../src/messaging/directory/event.ts';
import { userIndexLine } from '../../src/messaging/directory/lookup.ts';
import { signCheckpoint } from '../../src/messaging/transparency/checkpoint.ts';
import { LogView } from '../../src/messaging/transparency/log-view.ts';
import { leafHash } from '../../src/messaging/transparency/merkle.ts';
import { ed25519NoteKey } from '../../src/messaging/transparency/note.ts';
import { MerkleTree } from '../../src/messaging/transparency/tree.ts';

const ORIGIN = 'sealwire.test/directory';
const logKey = ed25519NoteKey(ORIGIN);
const b64 = encodeBase64url;
const seed = ed25519.utils.randomSecretKey();

function eventFor(user: string, device: string, before: DirectoryEvent[]): DirectoryEvent {
  const card = signCard(
    {
      user,
      device,
      identityKey: b64(ed25519.getPublicKey(seed)),
      encryptionKey: b64(x25519.getPublicKey(x25519.utils.randomSecretKey())),
      signingKey: b64(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
      created: 1_796_000_000,
      previous: null,
    },
    seed,
  );
  const seq = before.length;
  return signEvent(
    {
      kind: seq === 0 ? 'register' : 'add',
      user,
      seq,
      prior: seq === 0 ? null : eventId(before[seq - 1]!),
      card,
      revoked: null,
      time: 1_796_000_000 + seq,
    },
    seed,
  );
}

test('the monitor reports a device the user did not add; an honest log reports nothing', () => {
  const directory = new Directory({ origin: ORIGIN, signer: logKey.signer });
  const mine: DirectoryEvent[] = [];
  mine.push(eventFor('alice', 'laptop', mine));
  directory.append(eventBytes(mine[0]!));
  const made = new Set(mine.map(eventId));
  const view = new LogView({ origin: ORIGIN, log: logKey.verifier });
  const honest = auditLog(view, directory.checkpoint().note, [], directory.entries(0), 'alice', made);
  assert.deepEqual(honest.unknown, []);
  // Someone with alice's identity key (a stolen backup) adds a device: valid, signed, and not alice's doing.
  const stolen = eventFor('alice', 'evil', mine);
  directory.append(eventBytes(stolen));
  const report = auditLog(
    view,
    directory.checkpoint().note,
    directory.lookup('alice', 1).consistency,
    directory.entries(0),
    'alice',
    made,
  );
  assert.equal(report.unknown.length, 1);
  assert.equal(report.unknown[0]!.event.card!.device, 'evil');
  assert.equal(report.events.length, 2);
});

test('entries that are not the signed tree, or a checkpoint whose user index hides events, are refused', () => {
  const directory = new Directory({ origin: ORIGIN, signer: logKey.signer });
  const mine: DirectoryEvent[] = [];
  mine.push(eventFor('alice', 'laptop', mine));
  directory.append(eventBytes(mine[0]!));
  const staleIndex = directory.userIndex();
  mine.push(eventFor('alice', 'phone', mine));
  directory.append(eventBytes(mine[1]!));
  const entries = directory.entries(0);
  const tree = new MerkleTree(entries.map(leafHash));
  // The log key signs the real tree with the index of before the second event: lookups would hide it.
  const lying = signCheckpoint(
    {
      origin: ORIGIN,
      size: 2,
      root: tree.root(),
      extensions: [userIndexLine(staleIndex.size, staleIndex.root)],
    },
    logKey.signer,
  );
  const fresh = () => new LogView({ origin: ORIGIN, log: logKey.verifier });
  assert.throws(() => auditLog(fresh(), lying, [], entries, 'alice', new Set()), {
    code: 'ERR_LOG_INCONSISTENT',
  });
  assert.throws(
    () => auditLog(fresh(), directory.checkpoint().note, [], entries.slice(0, 1), 'alice', new Set()),
    {
      code: 'ERR_LOG_INCONSISTENT',
    },
  );
  assert.throws(
    () => auditLog(fresh(), directory.checkpoint().note, [], [entries[1]!, entries[0]!], 'alice', new Set()),
    { code: 'ERR_LOG_INCONSISTENT' },
  );
});
