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
import {
  create,
  type DescMessage,
  type MessageShape,
  mergeFromBinary,
  type Registry,
  toBinary,
} from '@bufbuild/protobuf';
import { utf8 } from '../encoding/bytes.ts';
import {
  ArgumentError,
  DecryptionError,
  DecryptionFailedError,
  LimitExceededError,
  MalformedError,
  type PolicyError,
} from '../errors.ts';
import type { Bytes } from '../runtime/types.ts';
import { withContext } from './aad.ts';
import { KeyInaccessibleError } from './errors.ts';
import type { Aead, Keyring } from './keyring.ts';
import { type AnyMessage, assertOnlyCiphertext, readCiphertext, setCiphertext } from './message-ops.ts';
import { type Plan, Planner } from './plan.ts';
import { mapChildren } from './walk.ts';

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

/** A part to seal: `inner` (its children already sealed) goes into `shell`'s ciphertext_. */
interface SealJob {
  plan: Plan;
  aead: Aead;
  inner: AnyMessage;
  shell: AnyMessage;
}

/** A part to open: `ciphertext` is decrypted into `shell`, which already sits in the output tree. */
interface OpenJob {
  plan: Plan;
  alias: string;
  aead: Aead;
  ciphertext: Bytes;
  shell: AnyMessage;
  depth: number;
}

interface Call {
  keyring: Keyring;
  context: Bytes | undefined;
  maxDepth: number;
  budget: number;
  /** decryptPartially: every inaccessible alias is tolerated. */
  partial: boolean;
  ignore: ReadonlySet<string> | undefined;
  missing: Set<string> | undefined;
  /** Innermost first (post-order), so each part is serialized after its own parts are sealed. */
  seal: SealJob[];
  /** Outermost first; opening a part appends the parts found inside it. */
  open: OpenJob[];
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
    const out = findPartsToSeal(plan, message as AnyMessage, 0, call);
    for (const job of call.seal) {
      const ciphertext = await job.aead.encrypt(toBinary(job.plan.desc, job.inner), aad(job.plan, call));
      setCiphertext(job.plan, job.shell, ciphertext);
    }
    return out as MessageShape<Desc>;
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
    const out = findPartsToOpen(plan, message as AnyMessage, 0, call);
    await openAll(call);
    return out as MessageShape<Desc>;
  }

  /** Decrypts what the keyring can open and reports the aliases it could not (see `PartialDecryption`). */
  async decryptPartially<Desc extends DescMessage>(
    schema: Desc,
    message: MessageShape<Desc>,
    options: EncryptOptions = {},
  ): Promise<PartialDecryption<MessageShape<Desc>>> {
    const plan = this.#plan(schema, message);
    const call = this.#call(options, true, undefined);
    const out = findPartsToOpen(plan, message as AnyMessage, 0, call);
    await openAll(call);
    return {
      message: out as MessageShape<Desc>,
      missing: call.missing === undefined ? [] : [...call.missing].sort(),
    };
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
      ignore: ignore === undefined ? undefined : new Set(ignore),
      missing: undefined,
      seal: [],
      open: [],
    };
  }
}

/**
 * Phase 1 of encryption (synchronous): puts an empty shell of its type in the place of every part to seal
 * and queues the part. Fails before any cryptography when a key is missing or a limit is exceeded.
 */
function findPartsToSeal(plan: Plan, message: AnyMessage, depth: number, call: Call): AnyMessage {
  if (depth > call.maxDepth) throw tooDeep(call.maxDepth);
  const alias = plan.alias;
  if (alias === undefined) return mapChildren(plan, message, false, depth, findPartsToSeal, call);
  if (readCiphertext(plan, message).length > 0) {
    assertOnlyCiphertext(plan, message);
    return message;
  }
  const aead = call.keyring.aead(alias);
  if (aead === undefined) throw new KeyInaccessibleError(alias, 'encrypt');
  const inner =
    plan.steps.length === 0 ? message : mapChildren(plan, message, false, depth, findPartsToSeal, call);
  spend(call);
  const shell = create(plan.desc) as AnyMessage;
  call.seal.push({ plan, aead, inner, shell });
  return shell;
}

/**
 * Phase 1 of decryption (synchronous): puts an empty shell in the place of every part this call opens,
 * queues it, and records the aliases it may leave encrypted.
 */
function findPartsToOpen(plan: Plan, message: AnyMessage, depth: number, call: Call): AnyMessage {
  if (depth > call.maxDepth) throw tooDeep(call.maxDepth);
  const alias = plan.alias;
  if (alias === undefined) return mapChildren(plan, message, false, depth, findPartsToOpen, call);
  const ciphertext = readCiphertext(plan, message);
  if (ciphertext.length === 0) return mapChildren(plan, message, false, depth, findPartsToOpen, call);
  assertOnlyCiphertext(plan, message);
  const aead = call.keyring.aead(alias);
  if (aead === undefined) {
    if (!call.partial && call.ignore?.has(alias) !== true) throw new KeyInaccessibleError(alias, 'decrypt');
    call.missing ??= new Set();
    call.missing.add(alias);
    return message;
  }
  spend(call);
  const shell = create(plan.desc) as AnyMessage;
  call.open.push({ plan, alias, aead, ciphertext, shell, depth });
  return shell;
}

/** Phase 2 of decryption: opens the queued parts, outermost first, queueing what each one reveals. */
async function openAll(call: Call): Promise<void> {
  for (let i = 0; i < call.open.length; i++) {
    const { plan, alias, aead, ciphertext, shell, depth } = call.open[i]!;
    let plaintext: Bytes;
    try {
      plaintext = await aead.decrypt(ciphertext, aad(plan, call));
    } catch (error) {
      if (error instanceof DecryptionError) {
        throw new DecryptionFailedError(
          `cannot decrypt a ${plan.desc.typeName} (alias "${alias}"): wrong key or context, or the ciphertext was modified, truncated or moved from another message`,
        );
      }
      throw error;
    }
    try {
      mergeFromBinary(plan.desc, shell, plaintext);
    } catch (cause) {
      throw new MalformedError(`the decrypted ${plan.desc.typeName} is not a valid message of that type`, {
        cause,
      });
    }
    if (readCiphertext(plan, shell).length > 0) {
      throw new MalformedError(`the decrypted ${plan.desc.typeName} holds another ciphertext_ of its own`);
    }
    if (plan.steps.length > 0) mapChildren(plan, shell, true, depth, findPartsToOpen, call);
  }
}

function aad(plan: Plan, call: Call): Bytes {
  return call.context === undefined ? plan.aadNoContext : withContext(plan.aadPrefix, call.context);
}

function spend(call: Call): void {
  if (--call.budget < 0) {
    throw new LimitExceededError('the message holds more encrypted parts than maxCiphertexts allows');
  }
}

function tooDeep(maxDepth: number): PolicyError {
  return new LimitExceededError(`the message is nested deeper than ${maxDepth} levels (maxDepth)`);
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ArgumentError(`${name} must be a positive integer`);
  return value;
}
