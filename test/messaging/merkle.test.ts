/**
 * RFC 9162 hashing and proofs against the Certificate Transparency reference vectors (the eight leaves,
 * roots and proofs every CT and C2SP log implementation tests with: transparency-dev/merkle testonly), then
 * every proof of every tree up to 40 leaves both ways: ours verify, and each tampering is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_ROOT,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/messaging/transparency/merkle.ts';
import { MerkleTree } from '../../src/messaging/transparency/tree.ts';

const hex = (data: Uint8Array) => Buffer.from(data).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

const ENTRIES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CONSISTENCY = [
  {
    size1: 2,
    size2: 8,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const reference = new MerkleTree(ENTRIES.map(leafHash));

test('the reference roots, for every size 0..8', () => {
  assert.equal(hex(EMPTY_ROOT), ROOTS[0]);
  for (let size = 0; size <= ENTRIES.length; size++) assert.equal(hex(reference.root(size)), ROOTS[size]);
});

test('the reference inclusion proofs: made the same, and they verify', () => {
  for (const { index, size, proof } of INCLUSION) {
    assert.deepEqual(reference.inclusionProof(index, size).map(hex), proof);
    assert.ok(verifyInclusion(leafHash(ENTRIES[index]!), index, size, proof.map(unhex), unhex(ROOTS[size]!)));
  }
});

test('the reference consistency proofs: made the same, and they verify', () => {
  for (const { size1, size2, proof } of CONSISTENCY) {
    assert.deepEqual(reference.consistencyProof(size1, size2).map(hex), proof);
    assert.ok(verifyConsistency(size1, size2, proof.map(unhex), unhex(ROOTS[size1]!), unhex(ROOTS[size2]!)));
  }
});

const flip = (hash: Uint8Array) => {
  const out = new Uint8Array(hash);
  out[0]! ^= 1;
  return out;
};

test('every inclusion proof of every tree up to 40 leaves verifies; wrong index, size, leaf or path do not', () => {
  const tree = new MerkleTree();
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) leaves.push(leafHash(Uint8Array.of(i, i * 7)));
  for (const leaf of leaves) tree.append(leaf);
  for (let size = 1; size <= leaves.length; size++) {
    const root = tree.root(size);
    for (let index = 0; index < size; index++) {
      const proof = tree.inclusionProof(index, size);
      assert.ok(verifyInclusion(leaves[index]!, index, size, proof, root), `${index}/${size}`);
      assert.ok(!verifyInclusion(flip(leaves[index]!), index, size, proof, root));
      if (size > 1) {
        assert.ok(!verifyInclusion(leaves[index]!, (index + 1) % size, size, proof, root));
        assert.ok(!verifyInclusion(leaves[index]!, index, size, [...proof.slice(1)], root));
        assert.ok(!verifyInclusion(leaves[index]!, index, size, [flip(proof[0]!), ...proof.slice(1)], root));
      }
      // (A proof need not bind the size by itself: the signed checkpoint does. Against another size's root
      // it fails.)
      if (size < leaves.length)
        assert.ok(!verifyInclusion(leaves[index]!, index, size + 1, proof, tree.root(size + 1)));
    }
  }
});

test('every consistency proof between trees up to 40 leaves verifies; a changed root or path does not', () => {
  const tree = new MerkleTree(Array.from({ length: 40 }, (_, i) => leafHash(Uint8Array.of(i))));
  for (let size2 = 1; size2 <= 40; size2++) {
    for (let size1 = 1; size1 <= size2; size1++) {
      const proof = tree.consistencyProof(size1, size2);
      const [root1, root2] = [tree.root(size1), tree.root(size2)];
      assert.ok(verifyConsistency(size1, size2, proof, root1, root2), `${size1}->${size2}`);
      assert.ok(!verifyConsistency(size1, size2, proof, flip(root1), root2));
      assert.ok(!verifyConsistency(size1, size2, proof, root1, flip(root2)));
      if (proof.length > 0) {
        assert.ok(!verifyConsistency(size1, size2, [flip(proof[0]!), ...proof.slice(1)], root1, root2));
        assert.ok(!verifyConsistency(size1, size2, proof.slice(1), root1, root2));
      }
    }
  }
});

test('a tree is refused a size, index or range it does not have', () => {
  assert.throws(() => reference.root(9), { code: 'ERR_INVALID_ARGUMENT' });
  assert.throws(() => reference.inclusionProof(8, 8), { code: 'ERR_INVALID_ARGUMENT' });
  assert.throws(() => reference.consistencyProof(5, 4), { code: 'ERR_INVALID_ARGUMENT' });
  assert.ok(!verifyInclusion(leafHash(ENTRIES[0]!), -1, 8, [], EMPTY_ROOT));
  assert.ok(!verifyConsistency(0.5, 8, [], EMPTY_ROOT, EMPTY_ROOT));
});
