/**
 * `AgeDecryptor`: the incremental decryption engine behind every API. Stages: armor detection (optional
 * de-armoring), header (bounded buffering, strict parse, unwrap, MAC), payload nonce, STREAM chunks. Only
 * plaintext of chunks that authenticated is ever returned; any failure poisons the decryptor.
 */
import { runtime } from '#runtime';
import { ArgumentError, LimitExceededError, type PolicyError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { ArmorDecoder } from './armor.ts';
import { DECRYPT_DEFAULTS, PAYLOAD_NONCE_SIZE } from './constants.ts';
import { AgeDecryptionError, headerError } from './errors.ts';
import { checkHeaderStart, computeHeaderMac, findHeaderEnd, parseHeader } from './header.ts';
import { type ResolvedIdentity, resolveIdentities, unwrapFileKey } from './identities.ts';
import { PieceQueue } from './queue.ts';
import { expectedSigner, type ParsedSignature, verifyDigest } from './signature.ts';
import { PayloadDecryptor, payloadKey } from './stream.ts';
import type { AgeIdentity, DecryptOptions } from './types.ts';

type Stage = 'detect' | 'header' | 'nonce' | 'payload' | 'done' | 'failed';

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ArgumentError(`${name} must be a positive integer`);
  return value;
}

export class AgeDecryptor {
  private stage: Stage = 'detect';
  /** A failure found after releasing earlier chunks of the same input. */
  private pending: unknown;
  private armor: ArmorDecoder | undefined;
  private headerBuffer: Bytes = new Uint8Array(0);
  private headerLength = 0;
  private headerScan = 0;
  private readonly nonceQueue = new PieceQueue();
  private fileKey: Bytes | undefined;
  private payload: PayloadDecryptor | undefined;
  private readonly hash: ReturnType<typeof runtime.sha256Stream> | undefined;
  private readonly signature: ParsedSignature | undefined;
  private readonly maxStanzas: number;
  private readonly maxHeaderBytes: number;
  private identities: ResolvedIdentity[] | undefined;
  private readonly resolving: Promise<ResolvedIdentity[]>;

  /**
   * Keys, limits and the expected sender are all checked before any input is read: a signature by an
   * unexpected key, or none when one is required, fails here.
   */
  constructor(
    identities: AgeIdentity | readonly AgeIdentity[],
    private readonly options: DecryptOptions = {},
  ) {
    this.maxStanzas = positiveInteger(options.maxStanzas, DECRYPT_DEFAULTS.maxStanzas, 'maxStanzas');
    this.maxHeaderBytes = positiveInteger(
      options.maxHeaderBytes,
      DECRYPT_DEFAULTS.maxHeaderBytes,
      'maxHeaderBytes',
    );
    if (options.from !== undefined) {
      this.signature = expectedSigner(options.signature, options.from).parsed;
      this.hash = runtime.sha256Stream();
    } else if (options.signature !== undefined) {
      // A signature checked against no trusted key proves nothing; refuse rather than seem to verify.
      throw new ArgumentError('a sender signature was given without `from` (the expected senders)');
    }
    this.resolving = resolveIdentities(identities);
    // Surfaced by the first update; never an unhandled rejection in between.
    this.resolving.catch(() => {});
  }

  /** Feeds input; returns the plaintext of every chunk that authenticated and is not the last. */
  async update(data: Bytes): Promise<Bytes[]> {
    this.assertUsable();
    try {
      this.identities ??= await this.resolving;
      if (this.stage === 'detect') {
        if (data.length === 0) return [];
        this.detect(data[0]!);
      }
      const out: Bytes[] = [];
      try {
        const binary = this.armor === undefined ? [data] : this.armor.update(data);
        for (const piece of binary) out.push(...(await this.binary(piece)));
      } catch (error) {
        // Authenticated chunks decoded before the failure are released; the next call raises it.
        if (out.length === 0) throw error;
        this.pending = error;
      }
      return out;
    } catch (error) {
      this.fail();
      throw error;
    }
  }

  /** Ends the input; returns the last chunk's plaintext. Verifies the sender signature when asked to. */
  async final(): Promise<Bytes[]> {
    this.assertUsable();
    try {
      if (this.stage === 'detect') throw headerError('the input is empty: not an age file');
      const out: Bytes[] = [];
      if (this.armor !== undefined)
        for (const piece of this.armor.final()) out.push(...(await this.binary(piece)));
      if (this.stage === 'header') throw headerError('the input ends inside the header');
      if (this.stage === 'nonce') throw headerError('the input ends before the 16-byte payload nonce');
      const last = this.payload!.final();
      if (this.hash !== undefined && this.signature !== undefined)
        await verifyDigest(this.hash.digest(), this.signature);
      out.push(...last);
      this.stage = 'done';
      return out;
    } catch (error) {
      this.fail();
      throw error;
    }
  }

  private assertUsable(): void {
    if (this.pending !== undefined) {
      const error = this.pending;
      this.pending = undefined;
      this.fail();
      throw error;
    }
    if (this.stage === 'failed')
      throw new ArgumentError('this age decryptor already failed; start a new one');
    if (this.stage === 'done') throw new ArgumentError('this age decryptor is already finished');
  }

  private fail(): void {
    this.stage = 'failed';
    this.fileKey?.fill(0);
    this.payload = undefined;
  }

  private detect(first: number): void {
    const mode = this.options.armor ?? 'auto';
    // Binary age starts with "age-encryption.org/"; armor with optional whitespace then "-----BEGIN".
    // Anything else is reported against the binary format: "not an age file".
    const armored =
      mode === 'auto' ? first === 0x2d || first === 0x20 || (first >= 0x09 && first <= 0x0d) : mode;
    if (armored) this.armor = new ArmorDecoder();
    this.stage = 'header';
  }

  private async binary(data: Bytes): Promise<Bytes[]> {
    if (data.length === 0) return [];
    this.hash?.update(data);
    if (this.stage === 'header') {
      const rest = await this.headerBytes(data);
      if (rest === undefined) return [];
      data = rest;
    }
    if (this.stage === 'nonce') {
      this.nonceQueue.push(data);
      if (this.nonceQueue.length < PAYLOAD_NONCE_SIZE) return [];
      const nonce = this.nonceQueue.takeBytes(PAYLOAD_NONCE_SIZE);
      const rest = this.nonceQueue.take(this.nonceQueue.length);
      this.payload = new PayloadDecryptor(await payloadKey(this.fileKey!, nonce));
      this.fileKey!.fill(0);
      this.fileKey = undefined;
      this.stage = 'payload';
      const out: Bytes[] = [];
      for (const piece of rest) out.push(...this.payload.update(piece));
      return out;
    }
    return this.payload!.update(data);
  }

  /** Buffers header bytes; once the header is complete, opens it and returns the bytes after it. */
  private async headerBytes(data: Bytes): Promise<Bytes | undefined> {
    let buffer: Bytes;
    if (this.headerLength === 0) buffer = data;
    else {
      // Capacity doubles, so a header trickling in byte by byte costs linear time, not quadratic.
      const length = this.headerLength + data.length;
      if (length > this.headerBuffer.length) {
        const grown = new Uint8Array(Math.max(length, 2 * this.headerBuffer.length));
        grown.set(this.headerBuffer.subarray(0, this.headerLength));
        this.headerBuffer = grown;
      }
      this.headerBuffer.set(data, this.headerLength);
      buffer = this.headerBuffer.subarray(0, length);
    }
    checkHeaderStart(buffer);
    const { end, resume } = findHeaderEnd(buffer, this.headerScan);
    if (end === -1) {
      if (buffer.length > this.maxHeaderBytes) throw this.tooLarge();
      if (buffer === data) this.headerBuffer = data.slice();
      this.headerLength = buffer.length;
      this.headerScan = resume;
      return undefined;
    }
    if (end > this.maxHeaderBytes) throw this.tooLarge();
    this.headerBuffer = new Uint8Array(0);
    this.headerLength = 0;
    await this.openHeader(buffer.subarray(0, end));
    this.stage = 'nonce';
    return buffer.subarray(end);
  }

  private tooLarge(): PolicyError {
    return new LimitExceededError(
      `age header: larger than ${this.maxHeaderBytes} bytes (raise maxHeaderBytes if this file is expected)`,
    );
  }

  private async openHeader(bytes: Bytes): Promise<void> {
    const header = parseHeader(bytes, this.maxStanzas);
    const fileKey = await unwrapFileKey(header.stanzas, this.identities!);
    const mac = await computeHeaderMac(fileKey, header.macInput);
    if (!runtime.timingSafeEqual(mac, header.mac)) {
      fileKey.fill(0);
      throw new AgeDecryptionError('header', 'the header MAC does not match: the header was modified');
    }
    this.fileKey = fileKey;
  }
}
