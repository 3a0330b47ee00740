/**
 * A keyring: the keysets one service may use, by alias. Field encryption asks it for an alias's AEAD; an
 * alias it does not hold is "inaccessible" (the service cannot read, or write, that part of a message).
 * Load one from a keyring directory with `loadKeyring()` (Node: `sealwire/fields/node`), or build one from
 * keysets in memory (any runtime).
 */
import type { Bytes } from '../runtime/types.ts';
import { checkAlias } from './alias.ts';
import type { Keyset } from './gen/google/crypto/tink/keyset_pb.ts';
import { TinkAead } from './tink/aead.ts';
import { validateKeyset } from './tink/keyset.ts';

/** Tink's AEAD interface: what a keyset does for one alias. */
export interface Aead {
  encrypt(plaintext: Bytes, associatedData: Bytes): Promise<Bytes>;
  decrypt(ciphertext: Bytes, associatedData: Bytes): Promise<Bytes>;
}

export class Keyring {
  readonly #aeads: Map<string, TinkAead>;

  /** Validates every keyset (see `validateKeyset`) before anything is encrypted with it. */
  constructor(keysets: Iterable<readonly [string, Keyset]> | Readonly<Record<string, Keyset>> = []) {
    const entries =
      Symbol.iterator in keysets
        ? [...(keysets as Iterable<readonly [string, Keyset]>)]
        : Object.entries(keysets);
    this.#aeads = new Map(
      entries.map(([alias, keyset]) => [
        checkAlias(alias),
        new TinkAead(validateKeyset(keyset, `keyset "${alias}"`), alias),
      ]),
    );
  }

  has(alias: string): boolean {
    return this.#aeads.has(alias);
  }

  /** The aliases this keyring holds, sorted. */
  get aliases(): string[] {
    return [...this.#aeads.keys()].sort();
  }

  /** The AEAD of an alias (Tink ciphertext format), or undefined when the alias is inaccessible. */
  aead(alias: string): Aead | undefined {
    return this.#aeads.get(alias);
  }

  /** The primary key id of an alias (what `encrypt` writes into the ciphertext prefix). */
  primaryKeyId(alias: string): number | undefined {
    return this.#aeads.get(alias)?.primaryKeyId;
  }

  /** A keyring holding only `aliases` (those this keyring has): least privilege for one component. */
  restrictedTo(aliases: Iterable<string>): Keyring {
    const out = new Keyring();
    for (const alias of aliases) {
      const aead = this.#aeads.get(alias);
      if (aead !== undefined) out.#aeads.set(alias, aead);
    }
    return out;
  }
}
