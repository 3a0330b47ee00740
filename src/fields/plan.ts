/**
 * What field encryption needs to know about a message type, worked out once per type and cached:
 * its `key_alias`, where its `ciphertext_` lives (an inline field or an extension), and which fields can
 * lead to an encrypted type at all, so the walk never enters a subtree that cannot hold one.
 *
 * Every type reachable from a schema is checked the first time the schema is used: a `key_alias` without a
 * singular `bytes ciphertext_`, or an alias outside the allow-list, is a `SchemaError` then, not a surprise
 * on some later message.
 */
import {
  type DescExtension,
  type DescField,
  type DescMessage,
  getOption,
  hasOption,
  type Registry,
  ScalarType,
} from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import type { Bytes } from '../runtime/types.ts';
import { aadPrefix, withContext } from './aad.ts';
import { isValidAlias } from './alias.ts';
import { SchemaError } from './errors.ts';
import { key_alias } from './gen/sealwire/options_pb.ts';

export const CIPHERTEXT_FIELD = 'ciphertext_';

/** A field of a message whose values may contain an encrypted message. */
export type Step =
  | { readonly kind: 'single'; readonly name: string; readonly plan: Plan }
  | { readonly kind: 'list'; readonly name: string; readonly plan: Plan }
  | { readonly kind: 'map'; readonly name: string; readonly plan: Plan }
  | { readonly kind: 'oneof'; readonly name: string; readonly cases: ReadonlyMap<string, Plan> };

export interface Plan {
  readonly desc: DescMessage;
  /** Set when the type is encrypted (`key_alias`). */
  readonly alias: string | undefined;
  /** The inline `bytes ciphertext_` field, when it is one. */
  readonly ciphertextField: DescField | undefined;
  /** The `ciphertext_` extension, when it is one. */
  readonly ciphertextExtension: DescExtension | undefined;
  /** Associated data up to the context (see aad.ts); empty for clear types. */
  readonly aadPrefix: Bytes;
  /** Associated data without a caller context. */
  readonly aadNoContext: Bytes;
  /** Fields the walk visits, in declaration order. */
  readonly steps: Step[];
}

// getOption re-parses the options message on every call (~12 us): read key_alias once per descriptor.
const aliasCache = new WeakMap<DescMessage, string | null>();

/** The `key_alias` option of a message type, or undefined. */
export function keyAliasOf(desc: DescMessage): string | undefined {
  let alias = aliasCache.get(desc);
  if (alias === undefined) {
    alias = hasOption(desc, key_alias) ? getOption(desc, key_alias) : null;
    aliasCache.set(desc, alias);
  }
  return alias ?? undefined;
}

/** Plans for one registry (extensions are looked up in it); share one per process and registry. */
export class Planner {
  readonly #registry: Registry | undefined;
  readonly #plans = new WeakMap<DescMessage, Plan>();

  constructor(registry?: Registry) {
    this.#registry = registry;
  }

  planFor(root: DescMessage): Plan {
    return this.#plans.get(root) ?? this.#build(root);
  }

  #build(root: DescMessage): Plan {
    // Every type reachable from the root through message-typed fields, except those already planned.
    const types: DescMessage[] = [];
    const seen = new Set<DescMessage>([root]);
    for (let queue = [root]; queue.length > 0; ) {
      const desc = queue.pop()!;
      types.push(desc);
      for (const target of messageTargets(desc)) {
        if (!seen.has(target) && !this.#plans.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    // Which of them can lead to an encrypted type (a fixpoint: recursive types refer to themselves).
    const reaches = new Set<DescMessage>();
    for (const desc of types) if (keyAliasOf(desc) !== undefined) reaches.add(desc);
    const canReach = (desc: DescMessage) =>
      reaches.has(desc) || (this.#plans.get(desc)?.steps.length ?? 0) > 0 || keyAliasOf(desc) !== undefined;
    for (let changed = true; changed; ) {
      changed = false;
      for (const desc of types) {
        if (!reaches.has(desc) && messageTargets(desc).some(canReach)) {
          reaches.add(desc);
          changed = true;
        }
      }
    }
    const fresh = new Map<DescMessage, Plan & { steps: Step[] }>();
    for (const desc of types) fresh.set(desc, this.#shell(desc));
    const planOf = (desc: DescMessage): Plan => fresh.get(desc) ?? this.#plans.get(desc)!;
    for (const [desc, plan] of fresh) {
      for (const field of desc.fields) {
        if (field.oneof !== undefined) continue;
        const target = field.message;
        if (target === undefined || !canReach(target)) continue;
        if (field.fieldKind === 'message')
          plan.steps.push({ kind: 'single', name: field.localName, plan: planOf(target) });
        else if (field.fieldKind === 'list')
          plan.steps.push({ kind: 'list', name: field.localName, plan: planOf(target) });
        else if (field.fieldKind === 'map')
          plan.steps.push({ kind: 'map', name: field.localName, plan: planOf(target) });
      }
      for (const oneof of desc.oneofs) {
        const cases = new Map<string, Plan>();
        for (const field of oneof.fields) {
          if (field.message !== undefined && canReach(field.message))
            cases.set(field.localName, planOf(field.message));
        }
        if (cases.size > 0) plan.steps.push({ kind: 'oneof', name: oneof.localName, cases });
      }
    }
    for (const [desc, plan] of fresh) this.#plans.set(desc, plan);
    return this.#plans.get(root)!;
  }

  #shell(desc: DescMessage): Plan & { steps: Step[] } {
    const alias = keyAliasOf(desc);
    if (alias === undefined) {
      return {
        desc,
        alias,
        ciphertextField: undefined,
        ciphertextExtension: undefined,
        aadPrefix: new Uint8Array(0),
        aadNoContext: new Uint8Array(0),
        steps: [],
      };
    }
    if (!isValidAlias(alias)) {
      throw new SchemaError(
        desc.typeName,
        `${desc.typeName}: key_alias ${JSON.stringify(alias)} is not a valid alias (1 to 128 characters from A-Z a-z 0-9 _ . -, not starting with a dot)`,
      );
    }
    const inline = desc.fields.find((field) => field.name === CIPHERTEXT_FIELD);
    const extension = this.#findExtension(desc);
    if (inline !== undefined && extension !== undefined) {
      throw new SchemaError(
        desc.typeName,
        `${desc.typeName} declares ciphertext_ both as a field and as an extension: keep one`,
      );
    }
    if (inline === undefined && extension === undefined) {
      throw new SchemaError(
        desc.typeName,
        `${desc.typeName} has key_alias "${alias}" but no ciphertext_ field: add \`bytes ciphertext_ = N;\` to the message (or declare it as an extension and pass its file in \`registry\`)`,
      );
    }
    const declared = inline ?? extension!;
    if (
      declared.fieldKind !== 'scalar' ||
      declared.scalar !== ScalarType.BYTES ||
      declared.oneof !== undefined
    ) {
      throw new SchemaError(
        desc.typeName,
        `${desc.typeName}.ciphertext_ must be a singular bytes field outside any oneof (\`bytes ciphertext_ = N;\`)`,
      );
    }
    const prefix = aadPrefix(desc.typeName, alias);
    return {
      desc,
      alias,
      ciphertextField: inline,
      ciphertextExtension: extension,
      aadPrefix: prefix,
      aadNoContext: withContext(prefix, undefined),
      steps: [],
    };
  }

  #findExtension(desc: DescMessage): DescExtension | undefined {
    const matches = (type: { kind: string }): type is DescExtension =>
      type.kind === 'extension' &&
      (type as DescExtension).extendee.typeName === desc.typeName &&
      (type as DescExtension).name === CIPHERTEXT_FIELD;
    for (const type of nestedTypes(desc.file)) if (matches(type)) return type;
    if (this.#registry !== undefined) for (const type of this.#registry) if (matches(type)) return type;
    return undefined;
  }
}

function messageTargets(desc: DescMessage): DescMessage[] {
  const out: DescMessage[] = [];
  for (const field of desc.fields) if (field.message !== undefined) out.push(field.message);
  return out;
}
