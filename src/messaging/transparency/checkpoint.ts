/**
 * Tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is the log's origin,
 * its size in decimal and its root hash in base64, one per line, then optional extension lines. The log
 * signs it with its Ed25519 note key; witnesses may add cosignatures (cosignature.ts).
 */
import { decodeBase64, encodeBase64 } from '../../encoding/base64.ts';
import { MalformedError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { HASH_BYTES } from './merkle.ts';
import { type NoteSigner, type NoteVerifier, openNote, type ParsedNote, signNote } from './note.ts';

export interface Checkpoint {
  /** Names the log (a schema-less URL); a client configured for one log refuses another's heads. */
  origin: string;
  size: number;
  root: Bytes;
  /** Extension lines, as the log wrote them (no statement of any witness covers them). */
  extensions: string[];
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const lines = [
    checkpoint.origin,
    String(checkpoint.size),
    encodeBase64(checkpoint.root),
    ...checkpoint.extensions,
  ];
  for (const line of lines)
    if (line === '' || line.includes('\n'))
      throw new MalformedError('checkpoint lines must be non-empty single lines');
  return `${lines.join('\n')}\n`;
}

/** The checkpoint in a note text; anything else is a `MalformedError`. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  // The text ends in a newline, so the split leaves one empty string after it.
  if (lines.length < 4 || lines.pop() !== '') throw new MalformedError('checkpoint: fewer than three lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new MalformedError('checkpoint: empty origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size)))
    throw new MalformedError('checkpoint: the size is not a decimal without leading zeros');
  const hash = decodeBase64(root);
  if (hash === undefined || hash.length !== HASH_BYTES)
    throw new MalformedError('checkpoint: the root is not a base64 SHA-256 hash');
  if (extensions.some((line) => line === '')) throw new MalformedError('checkpoint: an empty extension line');
  return { origin, size: Number(size), root: hash, extensions };
}

/** The signed checkpoint note. */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), [signer]);
}

/**
 * The checkpoint of a note the log's key signed, for the log named `origin`; the parsed note comes along so
 * that its cosignatures can be checked (cosignature.ts).
 */
export function openCheckpoint(
  note: string | Bytes,
  log: NoteVerifier,
  origin: string,
): { checkpoint: Checkpoint; note: ParsedNote } {
  const opened = openNote(note, [log]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin)
    throw new MalformedError(
      `checkpoint is for ${JSON.stringify(checkpoint.origin.slice(0, 100))}, not ${origin}`,
    );
  return { checkpoint, note: opened };
}
