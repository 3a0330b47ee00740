/**
 * The age v1 header: parsing (strict, against the ABNF of c2sp.org/age), writing, and its MAC.
 *
 *     age-encryption.org/v1
 *     -> X25519 <share>
 *     <body, base64 wrapped at 64 columns, ending with a line shorter than 64>
 *     --- <MAC>
 */
import { runtime } from '#runtime';
import { decodeCanonicalBase64Unpadded, encodeBase64Unpadded } from '../../encoding/base64.ts';
import { utf8 } from '../../encoding/bytes.ts';
import { LimitExceededError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import {
  HYBRID_STANZA,
  MAC_PREFIX,
  SCRYPT_STANZA,
  VERSION_LINE,
  VERSION_PREFIX,
  X25519_STANZA,
} from './constants.ts';
import { headerError } from './errors.ts';

/** A recipient stanza: `args[0]` names its type; the body is the wrapped file key. */
export interface Stanza {
  readonly args: readonly string[];
  readonly body: Bytes;
}

export interface Header {
  readonly stanzas: readonly Stanza[];
  /** The header bytes the MAC covers: up to and including `---`. */
  readonly macInput: Bytes;
  readonly mac: Bytes;
}

const BODY_COLUMNS = 64;
const NATIVE_TYPES: ReadonlySet<string> = new Set([X25519_STANZA, SCRYPT_STANZA, HYBRID_STANZA]);
const BODY_LINE = /^[A-Za-z0-9+/]{0,64}$/;
const MAC_LINE = /^--- ([A-Za-z0-9+/]{43})$/;

/** Every argument is one or more printable ASCII characters (VCHAR, 0x21-0x7E). */
function isArgument(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function stanzaText(stanza: Stanza): string {
  const body = encodeBase64Unpadded(stanza.body);
  let text = `-> ${stanza.args.join(' ')}\n`;
  for (let i = 0; i + BODY_COLUMNS <= body.length; i += BODY_COLUMNS)
    text += `${body.slice(i, i + BODY_COLUMNS)}\n`;
  // The last line is always shorter than 64 columns, so an exact multiple ends with an empty line.
  return `${text}${body.slice(body.length - (body.length % BODY_COLUMNS))}\n`;
}

/** The header text the MAC covers (version line, stanzas, `---`). */
export function headerMacInput(stanzas: readonly Stanza[]): Bytes {
  return utf8(`${VERSION_LINE}\n${stanzas.map(stanzaText).join('')}${MAC_PREFIX}`);
}

/** HMAC-SHA-256 keyed with HKDF-SHA-256(file key, salt empty, info "header"). */
export async function computeHeaderMac(fileKey: Bytes, macInput: Bytes): Promise<Bytes> {
  const key = await runtime.hkdfSha256(fileKey, new Uint8Array(0), utf8('header'), 32);
  return runtime.hmacSha256(key, macInput);
}

export async function writeHeader(fileKey: Bytes, stanzas: readonly Stanza[]): Promise<Bytes> {
  const macInput = headerMacInput(stanzas);
  const mac = await computeHeaderMac(fileKey, macInput);
  const tail = utf8(` ${encodeBase64Unpadded(mac)}\n`);
  const out = new Uint8Array(macInput.length + tail.length);
  out.set(macInput);
  out.set(tail, macInput.length);
  return out;
}

const LF = 0x0a;
const DASH = 0x2d;

/**
 * Where the header ends in `data`: `end` is the index just past the MAC line's LF, or -1 if the header has
 * not ended yet, in which case the next search over the grown buffer can start at `resume`. The MAC line is
 * the first line starting with `---`: no other header line can (argument lines start with `->`, body lines
 * are base64).
 */
export function findHeaderEnd(data: Bytes, from: number): { end: number; resume: number } {
  let i = Math.max(from, 1);
  for (; i + 3 <= data.length; i++) {
    if (data[i - 1] === LF && data[i] === DASH && data[i + 1] === DASH && data[i + 2] === DASH) {
      const lineEnd = data.indexOf(LF, i + 3);
      return lineEnd === -1 ? { end: -1, resume: i } : { end: lineEnd + 1, resume: i };
    }
  }
  return { end: -1, resume: i };
}

/**
 * Checks what can be checked before the header is complete: the version line. Lets a decryptor refuse
 * a non-age input at its first bytes instead of after buffering `maxHeaderBytes` of it.
 */
export function checkHeaderStart(data: Bytes): void {
  const prefix = Math.min(data.length, VERSION_PREFIX.length);
  for (let i = 0; i < prefix; i++) {
    if (data[i] !== VERSION_PREFIX.charCodeAt(i))
      throw headerError('not an age file (no age-encryption.org/ version line)');
  }
  const lineEnd = data.indexOf(LF);
  if (lineEnd === -1) {
    if (data.length > VERSION_LINE.length) throw headerError(`unsupported version (only ${VERSION_LINE})`);
    return;
  }
  if (lineEnd !== VERSION_LINE.length || !VERSION_LINE.split('').every((c, i) => data[i] === c.charCodeAt(0)))
    throw headerError(`unsupported version (only ${VERSION_LINE} is supported)`);
}

/** Parses a complete header (as delimited by `findHeaderEnd`). */
export function parseHeader(bytes: Bytes, maxStanzas: number): Header {
  checkHeaderStart(bytes);
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  }
  const lines = text.split('\n');
  // The text ends with LF, so the last element is empty.
  lines.pop();
  const stanzas: Stanza[] = [];
  const seen = new Set<string>();
  let i = 1;
  while (i < lines.length && lines[i]!.startsWith('->')) {
    const argLine = lines[i]!;
    if (!argLine.startsWith('-> '))
      throw headerError('a stanza line must start with "-> " and name its type');
    const args = argLine.slice(3).split(' ');
    if (!args.every(isArgument))
      throw headerError('stanza arguments must be non-empty printable ASCII separated by single spaces');
    i++;
    let body = '';
    for (;;) {
      const line = lines[i];
      if (line === undefined || !BODY_LINE.test(line))
        throw headerError('a stanza body must be base64 lines of 64 columns ending with a shorter line');
      body += line;
      i++;
      if (line.length < BODY_COLUMNS) break;
    }
    const decoded = decodeCanonicalBase64Unpadded(body);
    if (decoded === undefined) throw headerError('a stanza body is not canonical unpadded base64');
    if (stanzas.length >= maxStanzas)
      throw new LimitExceededError(
        `age header: more than ${maxStanzas} recipient stanzas (raise maxStanzas if this file is expected)`,
      );
    // Identical native stanzas never come from an honest encoder (each wraps with fresh randomness); they
    // only multiply the unwrapping work. Unknown types are never processed, so their repeats cost nothing.
    if (NATIVE_TYPES.has(args[0]!)) {
      const key = `${argLine}\n${body}`;
      if (seen.has(key)) throw headerError('duplicate recipient stanza');
      seen.add(key);
    }
    stanzas.push({ args, body: decoded });
  }
  if (stanzas.length === 0) throw headerError('the header has no recipient stanza');
  const macLine = lines[i];
  const match = macLine === undefined ? null : MAC_LINE.exec(macLine);
  if (match === null) throw headerError('the header must end with "--- " and a 43-character base64 MAC');
  if (i !== lines.length - 1) throw headerError('unexpected data in the header');
  const mac = decodeCanonicalBase64Unpadded(match[1]!);
  if (mac === undefined) throw headerError('the header MAC is not canonical base64');
  const macEnd = bytes.length - 1 - 1 - 43;
  return { stanzas, macInput: bytes.subarray(0, macEnd), mac };
}
