/**
 * `AgeEncryptor`: the incremental encryption engine behind every API (buffers, Web streams, Node streams).
 * Platform-neutral and synchronous once created, so an adapter pays no promise per chunk.
 */
import { runtime } from '#runtime';
import { ArgumentError } from '../../errors.ts';
import type { Bytes } from '../../runtime/types.ts';
import { ArmorEncoder } from './armor.ts';
import { FILE_KEY_SIZE, PAYLOAD_NONCE_SIZE } from './constants.ts';
import { writeHeader } from './header.ts';
import { wrapForRecipients } from './recipients.ts';
import { checkSigner, signDigest } from './signature.ts';
import { PayloadEncryptor, payloadKey } from './stream.ts';
import type { AgeRecipient, StreamEncryptOptions } from './types.ts';

export class AgeEncryptor {
  private readonly armor: ArmorEncoder | undefined;
  private readonly hash: ReturnType<typeof runtime.sha256Stream> | undefined;
  private pendingHeader: Bytes | undefined;
  private finished = false;
  private signatureLine: string | undefined;

  private constructor(
    header: Bytes,
    private readonly payload: PayloadEncryptor,
    private readonly options: StreamEncryptOptions,
  ) {
    this.pendingHeader = header;
    this.armor = options.armor ? new ArmorEncoder() : undefined;
    this.hash = options.sign === undefined ? undefined : runtime.sha256Stream();
  }

  /** Draws a fresh file key and payload nonce and wraps the file key for every recipient. */
  static async create(
    recipients: AgeRecipient | readonly AgeRecipient[],
    options: StreamEncryptOptions = {},
  ): Promise<AgeEncryptor> {
    if (options.sign !== undefined) checkSigner(options.sign);
    const fileKey = runtime.randomBytes(FILE_KEY_SIZE);
    const stanzas = await wrapForRecipients(fileKey, recipients);
    const nonce = runtime.randomBytes(PAYLOAD_NONCE_SIZE);
    const header = await writeHeader(fileKey, stanzas);
    const headerAndNonce = new Uint8Array(header.length + nonce.length);
    headerAndNonce.set(header);
    headerAndNonce.set(nonce, header.length);
    const payload = new PayloadEncryptor(await payloadKey(fileKey, nonce));
    fileKey.fill(0);
    return new AgeEncryptor(headerAndNonce, payload, options);
  }

  private emit(binary: Bytes[]): Bytes[] {
    if (this.pendingHeader !== undefined) {
      binary.unshift(this.pendingHeader);
      this.pendingHeader = undefined;
    }
    if (this.hash !== undefined) for (const piece of binary) this.hash.update(piece);
    return this.armor === undefined ? binary : this.armor.update(binary);
  }

  /** Encrypts more plaintext; returns the output ready so far (the header comes with the first call). */
  update(plaintext: Bytes): Bytes[] {
    if (this.finished) throw new ArgumentError('the age encryptor is already finished');
    return this.emit(this.payload.update(plaintext));
  }

  /** Ends the payload; returns the rest of the output. Signs the file when `options.sign` was given. */
  async final(): Promise<Bytes[]> {
    if (this.finished) throw new ArgumentError('the age encryptor is already finished');
    this.finished = true;
    const out = this.emit(this.payload.final());
    if (this.armor !== undefined) out.push(...this.armor.final());
    if (this.hash !== undefined && this.options.sign !== undefined)
      this.signatureLine = await signDigest(this.hash.digest(), this.options.sign);
    return out;
  }

  /** The detached sender signature line, once `final` returned (only with `options.sign`). */
  get signature(): string | undefined {
    return this.signatureLine;
  }
}
