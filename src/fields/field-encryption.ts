/**
 * Field-level encryption of protobuf-es messages, after the design of Block's proto encryption library:
 * a message type names its key with the `key_alias` option; `encrypt` seals every such message in a tree
 * into its `ciphertext_` (innermost first, so inner parts end up under both keys); `decrypt` opens them
 * outermost first with the keys this service's keyring holds; `decryptPartially` opens what it can and
 * says which aliases it could not.
 *
 * `ciphertext_` holds the binary serialization of the message with every other field (unknown fields and
 * extensions included), encrypted with the alias's keyset in Tink's AES-GCM format; the associated data
 * binds the format version, the full type name, the alias and the caller's optional context (aad.ts).
 */
import { type DescMessage, fromBinary, type MessageShape, type Registry, toBinary } from '@bufbuild/protobuf';
import { utf8 } from '../codecs/bytes.ts';
import { ArgumentError, DecryptionError, MalformedError, PolicyError } from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import { withContext } from './aad.ts';
import { KeyInaccessibleError } from './errors.ts';
import type { Keyring } from './keyring.ts';
import { type AnyMessage, assertOnlyCiphertext, readCiphertext, sealedMessage } from './message-ops.ts';
import { type Plan, Planner } from './schema.ts';
import { walkChildren } from './walk.ts';

export interface FieldEncryptionOptions {
  /**
   * Where to look for `ciphertext_` extensions declared outside the file of the type they extend (the
   * type's own file is always searched).
   */
  registry?: Registry;
  /** Nesting depth the walk accepts (default 100, protobuf's own recursion limit). */
  maxDepth?: number;
  /** Ciphertexts one call seals or opens (default 100 000): a cap on attacker-controlled work. */
  maxCiphertexts?: number;
}

export interface EncryptOptions {
  /**
   * Bound into every ciphertext of the message (an event id, a topic): decryption must pass the same
   * value, so a part cannot be replayed into another event.
   */
  context?: Bytes | string;
}

export interface DecryptOptions extends EncryptOptions {
  /**
   * Aliases this service expects not to hold: their parts stay encrypted instead of failing. Parts whose
   * key the keyring holds are decrypted either way.
   */
  ignore?: Iterable<string>;
}

export interface PartialDecryption<T> {
  /** The message with every part this keyring opens decrypted; the others still hold their ciphertext_. */
  message: T;
  /**
   * Sorted unique aliases of the ciphertexts left in `message`. Aliases of parts nested inside a part
   * that stayed encrypted are invisible and not listed.
   */
  missing: string[];
}

interface Call {
  keyring: Keyring;
  context: Bytes | undefined;
  maxDepth: number;
  budget: number;
  /** decryptPartially: every inaccessible alias is tolerated. */
  partial: boolean;
  ignore: ReadonlySet<string>;
  missing: Set<string>;
}

export class FieldEncryption {
  readonly keyring: Keyring;
  readonly #planner: Planner;
  readonly #maxDepth: number;
  readonly #maxCiphertexts: number;

  constructor(keyring: Keyring, options: FieldEncryptionOptions = {}) {
    this.keyring = keyring;
    this.#planner = new Planner(options.registry);
    this.#maxDepth = positive(options.maxDepth ?? 100, 'maxDepth');
    this.#maxCiphertexts = positive(options.maxCiphertexts ?? 100_000, 'maxCiphertexts');
  }

  /**
   * Checks a schema (and every type reachable from it) now rather than on the first message; throws
   * `SchemaError` for a key_alias type without a bytes ciphertext_ or with an invalid alias.
   */
  check(schema: DescMessage): void {
    this.#planner.planFor(schema);
  }

  /**
   * Encrypts every message of a key_alias type in the tree, innermost first. Messages already encrypted
   * are left as they are (encrypting twice is a no-op). Throws `KeyInaccessibleError` naming the alias
   * when the keyring lacks a key. Returns a new tree; the input is not modified (unchanged subtrees are
   * shared with it).
   */
  async encrypt<Desc extends DescMessage>(
    schema: Desc,
    message: MessageShape<Desc>,
    options: EncryptOptions = {},
  ): Promise<MessageShape<Desc>> {
    const plan = this.#plan(schema, message);
    const call = this.#call(options, false, undefined);
    return (await encryptNode(plan, message as AnyMessage, 0, call)) as MessageShape<Desc>;
  }

  /**
   * Decrypts every part, outermost first. A part under an alias the keyring lacks throws
   * `KeyInaccessibleError`, unless the alias is in `ignore` (the part then stays encrypted). A modified,
   * truncated or swapped ciphertext throws `DecryptionError`, and no plaintext of the call is returned.
   */
  async decrypt<Desc extends DescMessage>(
    schema: Desc,
    message: MessageShape<Desc>,
    options: DecryptOptions = {},
  ): Promise<MessageShape<Desc>> {
    const plan = this.#plan(schema, message);
    const call = this.#call(options, false, options.ignore);
    return (await decryptNode(plan, message as AnyMessage, 0, call)) as MessageShape<Desc>;
  }

  /** Decrypts what the keyring can open and reports the aliases it could not (see `PartialDecryption`). */
  async decryptPartially<Desc extends DescMessage>(
    schema: Desc,
    message: MessageShape<Desc>,
    options: EncryptOptions = {},
  ): Promise<PartialDecryption<MessageShape<Desc>>> {
    const plan = this.#plan(schema, message);
    const call = this.#call(options, true, undefined);
    const out = (await decryptNode(plan, message as AnyMessage, 0, call)) as MessageShape<Desc>;
    return { message: out, missing: [...call.missing].sort() };
  }

  #plan(schema: DescMessage, message: unknown): Plan {
    const typeName = (message as { $typeName?: unknown } | null)?.$typeName;
    if (typeName !== schema.typeName) {
      throw new ArgumentError(`expected a ${schema.typeName} message, got ${String(typeName)}`);
    }
    return this.#planner.planFor(schema);
  }

  #call(options: EncryptOptions, partial: boolean, ignore: Iterable<string> | undefined): Call {
    const { context } = options;
    return {
      keyring: this.keyring,
      context: context === undefined ? undefined : typeof context === 'string' ? utf8(context) : context,
      maxDepth: this.#maxDepth,
      budget: this.#maxCiphertexts,
      partial,
      ignore: new Set(ignore ?? []),
      missing: new Set(),
    };
  }
}

// The node functions return the walk's promise directly for clear types: an `async` wrapper that returns
// a promise costs extra microtask turns per node, which showed at ~30k messages/s.
function encryptNode(plan: Plan, message: AnyMessage, depth: number, call: Call): Promise<AnyMessage> {
  if (depth > call.maxDepth) throw tooDeep(call.maxDepth);
  if (plan.alias === undefined) return walkChildren(plan, message, false, depth, encryptNode, call);
  return sealNode(plan, plan.alias, message, depth, call);
}

async function sealNode(
  plan: Plan,
  alias: string,
  message: AnyMessage,
  depth: number,
  call: Call,
): Promise<AnyMessage> {
  if (readCiphertext(plan, message).length > 0) {
    assertOnlyCiphertext(plan, message);
    return message;
  }
  const aead = call.keyring.aead(alias);
  if (aead === undefined) throw new KeyInaccessibleError(alias, 'encrypt');
  const inner =
    plan.steps.length === 0 ? message : await walkChildren(plan, message, false, depth, encryptNode, call);
  spend(call);
  const ciphertext = await aead.encrypt(toBinary(plan.desc, inner), aad(plan, call));
  return sealedMessage(plan, ciphertext);
}

function decryptNode(plan: Plan, message: AnyMessage, depth: number, call: Call): Promise<AnyMessage> {
  if (depth > call.maxDepth) throw tooDeep(call.maxDepth);
  if (plan.alias === undefined) return walkChildren(plan, message, false, depth, decryptNode, call);
  const ciphertext = readCiphertext(plan, message);
  if (ciphertext.length === 0) return walkChildren(plan, message, false, depth, decryptNode, call);
  return openNode(plan, plan.alias, message, ciphertext, depth, call);
}

async function openNode(
  plan: Plan,
  alias: string,
  message: AnyMessage,
  ciphertext: Bytes,
  depth: number,
  call: Call,
): Promise<AnyMessage> {
  assertOnlyCiphertext(plan, message);
  const aead = call.keyring.aead(alias);
  if (aead === undefined) {
    if (!call.partial && !call.ignore.has(alias)) throw new KeyInaccessibleError(alias, 'decrypt');
    call.missing.add(alias);
    return message;
  }
  spend(call);
  let plaintext: Bytes;
  try {
    plaintext = await aead.decrypt(ciphertext, aad(plan, call));
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new DecryptionError(
        `cannot decrypt a ${plan.desc.typeName} (alias "${alias}"): wrong key or context, or the ciphertext was modified, truncated or moved from another message`,
      );
    }
    throw error;
  }
  let opened: AnyMessage;
  try {
    opened = fromBinary(plan.desc, plaintext) as AnyMessage;
  } catch (cause) {
    throw new MalformedError(`the decrypted ${plan.desc.typeName} is not a valid message of that type`, {
      cause,
    });
  }
  if (readCiphertext(plan, opened).length > 0) {
    throw new MalformedError(`the decrypted ${plan.desc.typeName} holds another ciphertext_ of its own`);
  }
  return plan.steps.length === 0 ? opened : walkChildren(plan, opened, true, depth, decryptNode, call);
}

function aad(plan: Plan, call: Call): Bytes {
  return call.context === undefined ? plan.aadNoContext : withContext(plan.aadPrefix, call.context);
}

function spend(call: Call): void {
  if (--call.budget < 0) {
    throw new PolicyError(
      'ERR_LIMIT_EXCEEDED',
      'the message holds more encrypted parts than maxCiphertexts allows',
    );
  }
}

function tooDeep(maxDepth: number): PolicyError {
  return new PolicyError(
    'ERR_LIMIT_EXCEEDED',
    `the message is nested deeper than ${maxDepth} levels (maxDepth)`,
  );
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ArgumentError(`${name} must be a positive integer`);
  return value;
}
