/**
 * Signed notes against the reference of the format, Go's golang.org/x/mod/sumdb/note: its published
 * PeterNeumann signer and verifier keys and signed note (note.go's package example). Ed25519 is
 * deterministic, so our signature must be theirs byte for byte. Then what a verifier must refuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ed25519NoteKey,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/messaging/transparency/note.ts';

const GO_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

test("Go's reference note: we sign it byte for byte, and open it with its verifier key", () => {
  const key = parseSignerKey(GO_SIGNER);
  assert.equal(key.verifierKey, GO_VERIFIER);
  assert.equal(key.signerKey, GO_SIGNER);
  assert.equal(signNote(GO_TEXT, [key.signer]), GO_NOTE);
  const opened = openNote(GO_NOTE, [parseVerifierKey(GO_VERIFIER)]);
  assert.equal(opened.text, GO_TEXT);
});

test('a changed text, a wrong key ID, a bad key string or no known key are refused', () => {
  const verifier = parseVerifierKey(GO_VERIFIER);
  assert.throws(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), [verifier]), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  const other = ed25519NoteKey('PeterNeumann');
  assert.throws(() => openNote(GO_NOTE, [other.verifier]), { code: 'ERR_SIGNATURE_INVALID' });
  assert.throws(() => parseVerifierKey(GO_VERIFIER.replace('c74f20a3', 'c74f20a4')), {
    code: 'ERR_KEY_INVALID',
  });
  assert.throws(() => parseVerifierKey('PeterNeumann+c74f20a3'), { code: 'ERR_KEY_INVALID' });
  assert.throws(() => parseVerifierKey(GO_VERIFIER.slice(0, -4)), { code: 'ERR_KEY_INVALID' });
  assert.throws(() => parseSignerKey(GO_SIGNER.replace('PRIVATE+KEY+', '')), { code: 'ERR_KEY_INVALID' });
});

test('an unknown key is ignored when a known one verifies; a known key that fails rejects the note', () => {
  const log = ed25519NoteKey('log.example/directory');
  const stranger = ed25519NoteKey('stranger.example/w');
  const note = signNote('hello\n', [stranger.signer, log.signer]);
  assert.equal(openNote(note, [log.verifier]).text, 'hello\n');
  const forged = note.replace(/(— log\.example\/directory \S{10})\S/, (_, head: string) => `${head}A`);
  assert.notEqual(forged, note);
  assert.throws(
    () => openNote(forged, [log.verifier]),
    (error: { code?: string }) => ['ERR_SIGNATURE_INVALID', 'ERR_MALFORMED'].includes(error.code ?? ''),
  );
});

test('malformed notes are refused before any signature is checked', () => {
  const key = ed25519NoteKey('k');
  const good = signNote('a\n', [key.signer]);
  for (const bad of [
    'a\n',
    'a\n\n',
    good.slice(0, -1),
    good.replace('— ', '-- '),
    good.replace('a\n', 'a\u0007\n'),
    `a\n\n— k\n`,
    `a\n\n— k !!!!\n`,
  ])
    assert.throws(() => parseNote(bad), { code: 'ERR_MALFORMED' }, JSON.stringify(bad));
  assert.throws(() => parseNote(new Uint8Array([0x61, 0x0a, 0x0a, 0xff, 0x0a])), { code: 'ERR_MALFORMED' });
  assert.throws(() => parseNote(`${'x'.repeat(70_000)}\n${good}`), { code: 'ERR_LIMIT_EXCEEDED' });
  const many = `a\n\n${Array.from({ length: 33 }, () => good.split('\n\n')[1]).join('')}`;
  assert.throws(() => parseNote(many), { code: 'ERR_LIMIT_EXCEEDED' });
  assert.throws(() => signNote('no newline', [key.signer]), { code: 'ERR_MALFORMED' });
  assert.throws(() => ed25519NoteKey('has space'), { code: 'ERR_KEY_INVALID' });
  assert.throws(() => ed25519NoteKey('has+plus'), { code: 'ERR_KEY_INVALID' });
});
