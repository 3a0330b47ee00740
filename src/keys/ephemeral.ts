/**
 * Ephemeral key pairs for clients (the Pixie pattern): made when the client starts, rotated per session or
 * on demand, and never written anywhere. The private half has no export method and is hidden from
 * `JSON.stringify` and `console.log`; losing the process loses the key, which is the point.
 */
import { generateKeyPair, type RsaSize } from './generate.ts';
import type { KeyPair, PrivateJwk, PrivateKeySource, PublicJwk } from './types.ts';

export type EphemeralKind = 'X25519' | 'P-256' | 'RSA-OAEP-256';

export interface EphemeralOptions {
  /** Key type; X25519 by default (40 us to make, 32-byte public key). */
  kind?: EphemeralKind;
  /**
   * After `rotate()`, keep the previous key able to open for this long (ms), so responses already in
   * flight still open. Default 0: the previous key is discarded at once.
   */
  graceMs?: number;
  /** RSA modulus size when `kind` is RSA-OAEP-256 (default 3072). */
  bits?: RsaSize;
}

export class EphemeralKeyPair implements PrivateKeySource {
  #current: KeyPair;
  #previous: { pair: KeyPair; until: number } | undefined;
  #generation = 1;
  #createdAt = Date.now();
  readonly #kind: EphemeralKind;
  readonly #graceMs: number;
  readonly #bits: RsaSize;

  private constructor(pair: KeyPair, kind: EphemeralKind, options: EphemeralOptions) {
    this.#current = pair;
    this.#kind = kind;
    this.#graceMs = options.graceMs ?? 0;
    this.#bits = options.bits ?? 3072;
  }

  static async create(options: EphemeralOptions = {}): Promise<EphemeralKeyPair> {
    const kind = options.kind ?? 'X25519';
    const pair = await generateKeyPair(kind, { bits: options.bits ?? 3072 });
    return new EphemeralKeyPair(pair, kind, options);
  }

  /** The public JWK to send with requests (carries `kid`, the thumbprint). */
  get publicJwk(): PublicJwk {
    return this.#current.publicJwk;
  }

  get kid(): string {
    return this.#current.kid;
  }

  /** 1 for the first key, incremented by each rotation. */
  get generation(): number {
    return this.#generation;
  }

  /** Milliseconds since the current key was made. */
  get ageMs(): number {
    return Date.now() - this.#createdAt;
  }

  /** Replaces the key. Past responses become unreadable once the grace period is over. */
  async rotate(): Promise<void> {
    const next = await generateKeyPair(this.#kind, { bits: this.#bits });
    this.#previous =
      this.#graceMs > 0 ? { pair: this.#current, until: Date.now() + this.#graceMs } : undefined;
    this.#current = next;
    this.#generation += 1;
    this.#createdAt = Date.now();
  }

  /** Rotates when the key is older than `maxAgeMs`; returns whether it did. */
  async rotateIfOlderThan(maxAgeMs: number): Promise<boolean> {
    if (this.ageMs < maxAgeMs) return false;
    await this.rotate();
    return true;
  }

  /** For `open`: the current private key, then the previous one while its grace period lasts. */
  privateJwks(): readonly PrivateJwk[] {
    if (this.#previous !== undefined && this.#previous.until > Date.now()) {
      return [this.#current.privateJwk, this.#previous.pair.privateJwk];
    }
    this.#previous = undefined;
    return [this.#current.privateJwk];
  }

  /** Serialises as the public key only. */
  toJSON(): PublicJwk {
    return this.#current.publicJwk;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `EphemeralKeyPair { kind: '${this.#kind}', kid: '${this.kid}', generation: ${this.#generation} }`;
  }
}
