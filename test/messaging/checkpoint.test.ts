/**
 * Checkpoints and witness cosignatures. The anchor is a real checkpoint of a Certificate Transparency
 * staging log (arche2025h1.staging.ct.transparency.dev) with the log's Ed25519 note signature and
 * cosignatures of public witnesses, as transparency-dev's own tests carry it: we open it with the log's
 * verifier key and verify remora.n621.de's cosignature (type 0x04) with that witness's published key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/messaging/transparency/checkpoint.ts';
import {
  checkCosignatures,
  cosigner,
  parseCosignerKey,
} from '../../src/messaging/transparency/cosignature.ts';
import { leafHash } from '../../src/messaging/transparency/merkle.ts';
import { ed25519NoteKey, parseNote, parseVerifierKey } from '../../src/messaging/transparency/note.ts';

const ORIGIN = 'arche2025h1.staging.ct.transparency.dev';
const REAL = `${ORIGIN}
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— ${ORIGIN} zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— ${ORIGIN} ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
`;
const LOG_KEY = `${ORIGIN}+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f`;
const REMORA_KEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';

test('a real CT log checkpoint: the log signature and a public witness cosignature verify', () => {
  const { checkpoint, note } = openCheckpoint(REAL, parseVerifierKey(LOG_KEY), ORIGIN);
  assert.equal(checkpoint.size, 1432088532);
  assert.equal(
    Buffer.from(checkpoint.root).toString('base64'),
    'U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=',
  );
  const found = checkCosignatures(note, [parseCosignerKey(REMORA_KEY)], 1);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.name, 'remora.n621.de');
  assert.ok(found[0]!.timestamp > 1_700_000_000);
  // One changed digit in the size: both signatures fail.
  const clobbered = REAL.replace('1432088532', '1432088533');
  assert.throws(() => openCheckpoint(clobbered, parseVerifierKey(LOG_KEY), ORIGIN), {
    code: 'ERR_SIGNATURE_INVALID',
  });
  assert.throws(() => checkCosignatures(parseNote(clobbered), [parseCosignerKey(REMORA_KEY)], 1), {
    code: 'ERR_SIGNATURE_INVALID',
  });
});

test('our checkpoints round-trip; K of N witnesses are required; a wrong origin is refused', () => {
  const log = ed25519NoteKey('sealwire.test/directory');
  const checkpoint = {
    origin: 'sealwire.test/directory',
    size: 3,
    root: leafHash(Uint8Array.of(1)),
    extensions: [],
  };
  const signed = signCheckpoint(checkpoint, log.signer);
  const opened = openCheckpoint(signed, parseVerifierKey(log.verifierKey), 'sealwire.test/directory');
  assert.deepEqual(opened.checkpoint, checkpoint);
  const [w1, w2, w3] = ['w1.test/a', 'w2.test/b', 'w3.test/c'].map((name) => cosigner(name));
  const now = Math.floor(Date.now() / 1000);
  const text = formatCheckpoint(checkpoint);
  const cosigned = signed + w1!.cosign(text, now) + w2!.cosign(text, now - 10);
  const witnesses = [w1!, w2!, w3!].map((w) => parseCosignerKey(w.verifierKey));
  const note = openCheckpoint(cosigned, log.verifier, 'sealwire.test/directory').note;
  assert.equal(checkCosignatures(note, witnesses, 2).length, 2);
  assert.throws(() => checkCosignatures(note, witnesses, 3), { code: 'ERR_SIGNATURE_INVALID' });
  // A cosignature dated in the future, or over another text, is refused.
  const future = signed + w1!.cosign(text, now + 3600);
  assert.throws(() => checkCosignatures(parseNote(future), witnesses, 1), { code: 'ERR_SIGNATURE_INVALID' });
  const other = signed + w1!.cosign(text.replace('\n3\n', '\n4\n'), now);
  assert.throws(() => checkCosignatures(parseNote(other), witnesses, 1), { code: 'ERR_SIGNATURE_INVALID' });
  assert.throws(() => openCheckpoint(signed, log.verifier, 'another.test/log'), { code: 'ERR_MALFORMED' });
});

test('malformed checkpoint texts are refused', () => {
  const root = Buffer.alloc(32).toString('base64');
  for (const bad of [
    'origin\n',
    'origin\n3\n',
    `origin\n03\n${root}\n`,
    `origin\n-1\n${root}\n`,
    `origin\n99999999999999999\n${root}\n`,
    `origin\n3\n${Buffer.alloc(31).toString('base64')}\n`,
    `origin\n3\n${root}\n\n`,
    `\n3\n${root}\n`,
  ])
    assert.throws(() => parseCheckpoint(bad), { code: 'ERR_MALFORMED' }, JSON.stringify(bad));
  assert.deepEqual(parseCheckpoint(`o\n0\n${root}\next one\n`).extensions, ['ext one']);
});
