/**
 * The user index proves what a checkpoint says of a user: its entry (how many events, the newest one), or
 * that it has none. A directory cannot prove a stale entry, nor hide an entry behind a gap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IndexEntry, UserIndex, verifyIndexProof } from '../../src/messaging/directory/user-index.ts';

const id = (n: number) => Buffer.alloc(32, n).toString('base64url');
const entries: IndexEntry[] = ['carol', 'alice', 'erin', 'bob', 'dave'].map((user, i) => ({
  user,
  events: i + 1,
  lastEventId: id(i),
}));
const index = new UserIndex(entries);

test('every user is proven present with its entry; users between, before and after are proven absent', () => {
  for (const entry of entries)
    assert.deepEqual(verifyIndexProof(entry.user, index.prove(entry.user), index.root), entry);
  for (const user of ['aaron', 'alicia', 'bz', 'frank', 'zed', '0'])
    assert.equal(verifyIndexProof(user, index.prove(user), index.root), null, user);
  const empty = new UserIndex([]);
  assert.equal(verifyIndexProof('alice', empty.prove('alice'), empty.root), null);
});

test('a stale entry, a swapped user, a gap or another root is refused', () => {
  const stale = structuredClone(index.prove('bob'));
  assert.equal(stale.kind, 'present');
  if (stale.kind === 'present') stale.found.entry.events = 1;
  assert.throws(() => verifyIndexProof('bob', stale, index.root), { code: 'ERR_MALFORMED' });
  // Claiming bob absent: carol's proof, as the entry after where bob would be, leaves alice..carol's gap.
  const carol = index.prove('carol');
  const alice = index.prove('alice');
  if (carol.kind !== 'present' || alice.kind !== 'present') throw new Error('unreachable');
  const gap = { kind: 'absent' as const, size: index.size, before: alice.found, after: carol.found };
  assert.throws(() => verifyIndexProof('bob', gap, index.root), { code: 'ERR_MALFORMED' });
  // Only one neighbour, in the middle of the index.
  assert.throws(
    () =>
      verifyIndexProof(
        'bob',
        { kind: 'absent', size: index.size, before: alice.found, after: null },
        index.root,
      ),
    { code: 'ERR_MALFORMED' },
  );
  assert.throws(() => verifyIndexProof('carl', carol, index.root), { code: 'ERR_MALFORMED' });
  const other = new UserIndex(entries.slice(1));
  assert.throws(() => verifyIndexProof('alice', index.prove('alice'), other.root), { code: 'ERR_MALFORMED' });
  assert.throws(() => verifyIndexProof('x', new UserIndex([]).prove('x'), index.root), {
    code: 'ERR_MALFORMED',
  });
  assert.throws(() => new UserIndex([...entries, entries[0]!]), { code: 'ERR_MALFORMED' });
});
