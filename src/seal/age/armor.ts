/**
 * ASCII armor: strict PEM (RFC 7468 §3) with label "AGE ENCRYPTED FILE", streamed both ways. Decoding is
 * as strict as the spec asks, because a lax armor parser makes the file malleable: only whitespace around
 * the block, LF or CRLF line ends, 64-column lines, canonical padded base64, nothing else.
 */
import { decodeCanonicalBase64, encodeBase64 } from '../../encoding/base64.ts';
import { utf8 } from '../../encoding/bytes.ts';
import type { Bytes } from '../../runtime/types.ts';
import { ARMOR_BEGIN, ARMOR_COLUMNS, ARMOR_END } from './constants.ts';
import { AgeFormatError } from './errors.ts';

const BYTES_PER_LINE = (ARMOR_COLUMNS / 4) * 3;
/** Base64 text decoded per step: bounded memory whatever the file size. */
const BATCH_LINES = 1024;
const LF = 0x0a;
const CR = 0x0d;

function armorError(message: string): AgeFormatError {
  return new AgeFormatError('armor', message);
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === CR || byte === LF;
}

// Base64 alphabet and '=' (padding is checked when the text is decoded).
const ARMOR_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')
  ARMOR_CHAR[c.charCodeAt(0)] = 1;

function concat(parts: readonly Bytes[], extra?: Bytes): Bytes {
  let length = extra?.length ?? 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  if (extra !== undefined) {
    out.set(extra);
    offset = extra.length;
  }
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export class ArmorEncoder {
  private carry: Bytes = new Uint8Array(0);
  private started = false;

  private lines(data: Bytes): string {
    const text = encodeBase64(data);
    let out = '';
    for (let i = 0; i < text.length; i += ARMOR_COLUMNS) out += `${text.slice(i, i + ARMOR_COLUMNS)}\n`;
    return out;
  }

  update(pieces: readonly Bytes[]): Bytes[] {
    const data = concat(pieces, this.carry);
    const whole = data.length - (data.length % BYTES_PER_LINE);
    this.carry = data.slice(whole);
    let text = this.started ? '' : `${ARMOR_BEGIN}\n`;
    this.started = true;
    if (whole > 0) text += this.lines(data.subarray(0, whole));
    return text === '' ? [] : [utf8(text)];
  }

  final(): Bytes[] {
    const head = this.started ? '' : `${ARMOR_BEGIN}\n`;
    this.started = true;
    return [utf8(`${head}${this.carry.length > 0 ? this.lines(this.carry) : ''}${ARMOR_END}\n`)];
  }
}

type DecodeState = 'leading' | 'body' | 'trailing';

export class ArmorDecoder {
  private state: DecodeState = 'leading';
  /** Bytes of the current, unfinished line. */
  private partial: Bytes = new Uint8Array(0);
  /** Base64 text of full lines not yet decoded. */
  private batch: string[] = [];
  /** The last data line was shorter than 64 columns (or padded): only the END line may follow. */
  private sawLastLine = false;
  private readonly decoder = new TextDecoder('latin1');

  update(data: Bytes): Bytes[] {
    const out: Bytes[] = [];
    const input = this.partial.length > 0 ? concat([data], this.partial) : data;
    this.partial = new Uint8Array(0);
    let start = 0;
    if (this.state === 'leading') {
      while (start < input.length && isWhitespace(input[start]!)) start++;
      if (start === input.length) return out;
    }
    if (this.state === 'trailing') {
      this.checkTrailing(input, start);
      return out;
    }
    for (;;) {
      const end = input.indexOf(LF, start);
      if (end === -1) {
        // An unfinished line can be at most 64 columns and a CR (the BEGIN and END lines are shorter).
        if (input.length - start > ARMOR_COLUMNS + 1)
          throw armorError(`a line is longer than ${ARMOR_COLUMNS} columns`);
        if (this.state === 'leading') this.checkBeginPrefix(input.subarray(start));
        this.partial = input.slice(start);
        break;
      }
      const lineEnd = end > start && input[end - 1] === CR ? end - 1 : end;
      this.line(input.subarray(start, lineEnd), out);
      start = end + 1;
      if ((this.state as DecodeState) === 'trailing') {
        this.checkTrailing(input, start);
        break;
      }
    }
    return out;
  }

  final(): Bytes[] {
    const out: Bytes[] = [];
    if (this.partial.length > 0) {
      // The END line may end the file without a line feed.
      const rest = this.partial;
      this.partial = new Uint8Array(0);
      if (this.state === 'leading' && rest.every(isWhitespace)) throw armorError('no armor BEGIN line');
      this.line(rest[rest.length - 1] === CR ? rest.subarray(0, rest.length - 1) : rest, out);
    }
    if (this.state !== 'trailing') throw armorError(`no "${ARMOR_END}" line: the armor is truncated`);
    return out;
  }

  /** Refuses a non-armor input at its first bytes rather than at its first line feed. */
  private checkBeginPrefix(partial: Bytes): void {
    const length = Math.min(partial.length, ARMOR_BEGIN.length);
    for (let i = 0; i < length; i++)
      if (partial[i] !== ARMOR_BEGIN.charCodeAt(i))
        throw armorError(`the armor must start with "${ARMOR_BEGIN}" on its own line`);
  }

  private checkTrailing(input: Bytes, from: number): void {
    for (let i = from; i < input.length; i++)
      if (!isWhitespace(input[i]!)) throw armorError('data after the armor END line');
  }

  private line(line: Bytes, out: Bytes[]): void {
    if (this.state === 'leading') {
      if (this.decoder.decode(line) !== ARMOR_BEGIN)
        throw armorError(`the armor must start with "${ARMOR_BEGIN}" on its own line`);
      this.state = 'body';
      return;
    }
    const isEnd = line.length === ARMOR_END.length && this.decoder.decode(line) === ARMOR_END;
    if (isEnd) {
      this.flush(out, true);
      this.state = 'trailing';
      return;
    }
    if (this.sawLastLine) throw armorError('data after the last armor line (only the END line may follow)');
    if (line.length === 0) throw armorError('empty line inside the armor');
    if (line.length > ARMOR_COLUMNS) throw armorError(`a line is longer than ${ARMOR_COLUMNS} columns`);
    let padded = false;
    for (const byte of line) {
      if (ARMOR_CHAR[byte] !== 1) throw armorError('a character outside base64 inside the armor');
      if (byte === 0x3d) padded = true;
    }
    if (line.length < ARMOR_COLUMNS || padded) this.sawLastLine = true;
    this.batch.push(this.decoder.decode(line));
    if (this.batch.length >= BATCH_LINES && !this.sawLastLine) this.flush(out, false);
  }

  private flush(out: Bytes[], last: boolean): void {
    if (this.batch.length === 0) return;
    const text = this.batch.join('');
    this.batch = [];
    const bytes = decodeCanonicalBase64(text);
    if (bytes === undefined)
      throw armorError(
        last ? 'the last armor line is not canonical padded base64' : 'invalid base64 in the armor',
      );
    out.push(bytes);
  }
}
