/**
 * The client's view of the directory log against a log that lies: it rolls back, forks (shows two histories),
 * serves an entry it never committed to, or lacks the witness cosignatures the client requires. Each is
 * refused with ERR_LOG_INCONSISTENT (or ERR_SIGNATURE_INVALID), and the view keeps its last good checkpoint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCheckpoint, signCheckpoint } from '../../src/messaging/transparency/checkpoint.ts';
import { cosigner, parseCosignerKey } from '../../src/messaging/transparency/cosignature.ts';
import { LogView } from '../../src/messaging/transparency/log-view.ts';
import { leafHash } from '../../src/messaging/transparency/merkle.ts';
import { ed25519NoteKey } from '../../src/messaging/transparency/note.ts';
import { MerkleTree } from '../../src/messaging/transparency/tree.ts';

const ORIGIN = 'sealwire.test/directory';
const log = ed25519NoteKey(ORIGIN);
const entry = (i: number, fork = 0) => leafHash(Uint8Array.of(i, fork));

function headOf(tree: MerkleTree, size = tree.size, extra = ''): string {
  return signCheckpoint({ origin: ORIGIN, size, root: tree.root(size), extensions: [] }, log.signer) + extra;
}

test('a growing log is followed; its entries are verified against the held checkpoint', () => {
  const tree = new MerkleTree([entry(0), entry(1), entry(2)]);
  const view = new LogView({ origin: ORIGIN, log: log.verifier });
  view.advance(headOf(tree), []);
  for (let i = 3; i < 10; i++) tree.append(entry(i));
  view.advance(headOf(tree), tree.consistencyProof(3));
  assert.equal(view.checkpoint!.size, 10);
  view.verifyEntry(entry(7), 7, tree.inclusionProof(7));
  assert.throws(() => view.verifyEntry(entry(7, 1), 7, tree.inclusionProof(7)), {
    code: 'ERR_LOG_INCONSISTENT',
  });
  // The same head again needs no proof.
  view.advance(headOf(tree), []);
});

test('a rollback, a fork of the same size and a fork that grew are refused; the view keeps its head', () => {
  const honest = new MerkleTree(Array.from({ length: 8 }, (_, i) => entry(i)));
  const view = new LogView({ origin: ORIGIN, log: log.verifier });
  view.advance(headOf(honest), []);
  const held = view.checkpoint;
  // Rollback: an older head, validly signed.
  assert.throws(() => view.advance(headOf(honest, 5), []), { code: 'ERR_LOG_INCONSISTENT' });
  // A fork: the same size, entry 3 swapped (e.g. another device key for some user).
  const forked = new MerkleTree(Array.from({ length: 8 }, (_, i) => entry(i, i === 3 ? 1 : 0)));
  assert.throws(() => view.advance(headOf(forked), []), { code: 'ERR_LOG_INCONSISTENT' });
  // The fork grows, and the log sends the fork's own consistency proof: it cannot prove the honest head.
  for (let i = 8; i < 12; i++) forked.append(entry(i));
  assert.throws(() => view.advance(headOf(forked), forked.consistencyProof(8)), {
    code: 'ERR_LOG_INCONSISTENT',
  });
  assert.deepEqual(view.checkpoint, held);
  // A head of another log, or signed by another key, is refused before any of that.
  const other = ed25519NoteKey(ORIGIN);
  const foreign = signCheckpoint(
    { origin: ORIGIN, size: 9, root: honest.root(), extensions: [] },
    other.signer,
  );
  assert.throws(() => view.advance(foreign, []), { code: 'ERR_SIGNATURE_INVALID' });
});

test('a client that requires witness cosignatures refuses a head without enough of them', () => {
  const tree = new MerkleTree([entry(0)]);
  const witnesses = [cosigner('w1.test/a'), cosigner('w2.test/b')];
  const view = new LogView({
    origin: ORIGIN,
    log: log.verifier,
    witnesses: witnesses.map((w) => parseCosignerKey(w.verifierKey)),
    requiredCosignatures: 2,
  });
  const text = formatCheckpoint({ origin: ORIGIN, size: 1, root: tree.root(), extensions: [] });
  const now = Math.floor(Date.now() / 1000);
  assert.throws(() => view.advance(headOf(tree, 1, witnesses[0]!.cosign(text, now)), []), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  assert.equal(view.checkpoint, undefined);
  const both = headOf(tree, 1, witnesses[0]!.cosign(text, now) + witnesses[1]!.cosign(text, now));
  assert.equal(view.advance(both, []).cosignatures.length, 2);
});
