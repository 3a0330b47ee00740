/**
 * Indexes of WAMP prefix and wildcard patterns, so that finding the patterns a URI matches costs in
 * proportion to the URI and its matches, not to the number of patterns (issue 9: a linear scan over
 * 100,000 wildcard subscriptions took publishes from thousands per second to tens). Pure data
 * structures: the broker keeps one of each for subscriptions, the dealer for registrations.
 *
 * Matching is exactly `protocol/uri.ts`'s:
 * - prefix: a plain string prefix (`com.exam` covers `com.example.x`), so the prefix index is a radix
 *   tree by character, not a trie by component;
 * - wildcard: the same number of components, an empty pattern component matching any one component
 *   (`com..update` covers `com.x.update`), so the wildcard index is a trie by component.
 *
 * Results come in the order the patterns were added (as a Map iterates its keys), so replacing a linear
 * scan over a Map by an index changes neither the order of deliveries nor a tie-break.
 */

/** One stored pattern; `seq` is its insertion rank, the order a Map would have listed it in. */
interface Entry<T> {
  readonly seq: number;
  value: T;
}

/** What an index holds and how much looking up has cost so far (tests and diagnostics read it). */
export interface IndexStats {
  /** Patterns stored. */
  patterns: number;
  /** Tree nodes besides the root: 0 whenever `patterns` is 0, so removal leaves nothing behind. */
  nodes: number;
  /** Nodes examined by `match`/`longest`/`best` since the index was made. */
  visits: number;
}

/** The part of `Map<string, T>` the broker and the dealer use, which all three tables share. */
export interface PatternTable<T> {
  readonly size: number;
  get(pattern: string): T | undefined;
  set(pattern: string, value: T): unknown;
  delete(pattern: string): boolean;
}

/** What `match` returns when nothing can match: no allocation on the publish path. */
const NONE: readonly never[] = Object.freeze([]);

function inInsertionOrder<T>(found: Entry<T>[]): readonly T[] {
  if (found.length === 0) return NONE;
  if (found.length > 1) found.sort((a, b) => a.seq - b.seq);
  return found.map((entry) => entry.value);
}

interface PrefixNode<T> {
  /** The characters on the edge from the parent; empty only at the root. */
  label: string;
  /** Children by the first character of their label. */
  children: Map<string, PrefixNode<T>> | undefined;
  entry: Entry<T> | undefined;
}

/** How many characters `label` and `text` from `start` have in common, from the start of `label`. */
function commonLength(label: string, text: string, start: number): number {
  const limit = Math.min(label.length, text.length - start);
  let i = 0;
  while (i < limit && label.charCodeAt(i) === text.charCodeAt(start + i)) i++;
  return i;
}

/**
 * Prefix patterns in a radix tree by character. Every node but the root holds a pattern or has at least
 * two children (edges are merged back on removal), so the tree has fewer than two nodes per pattern and
 * a lookup follows at most one edge per character of the URI.
 */
export class PrefixIndex<T> implements PatternTable<T> {
  readonly #root: PrefixNode<T> = { label: '', children: undefined, entry: undefined };
  #size = 0;
  #nodes = 0;
  #visits = 0;
  #seq = 0;

  get size(): number {
    return this.#size;
  }

  get stats(): IndexStats {
    return { patterns: this.#size, nodes: this.#nodes, visits: this.#visits };
  }

  /** The node whose path spells `pattern` exactly, and its parent. */
  #find(pattern: string): { node: PrefixNode<T>; parent: PrefixNode<T> | undefined } | undefined {
    let node = this.#root;
    let parent: PrefixNode<T> | undefined;
    let pos = 0;
    while (pos < pattern.length) {
      const child = node.children?.get(pattern[pos]!);
      if (child === undefined || !pattern.startsWith(child.label, pos)) return undefined;
      pos += child.label.length;
      parent = node;
      node = child;
    }
    return { node, parent };
  }

  get(pattern: string): T | undefined {
    return this.#find(pattern)?.node.entry?.value;
  }

  set(pattern: string, value: T): this {
    let node = this.#root;
    let pos = 0;
    while (pos < pattern.length) {
      const first = pattern[pos]!;
      const child = node.children?.get(first);
      if (child === undefined) {
        const leaf: PrefixNode<T> = { label: pattern.slice(pos), children: undefined, entry: undefined };
        if (node.children === undefined) node.children = new Map();
        node.children.set(first, leaf);
        this.#nodes++;
        node = leaf;
        break;
      }
      const common = commonLength(child.label, pattern, pos);
      if (common < child.label.length) {
        // The pattern leaves (or ends inside) this edge: split it at the last shared character.
        const middle: PrefixNode<T> = {
          label: child.label.slice(0, common),
          children: new Map(),
          entry: undefined,
        };
        child.label = child.label.slice(common);
        middle.children!.set(child.label[0]!, child);
        node.children!.set(first, middle);
        this.#nodes++;
        node = middle;
      } else node = child;
      pos += common;
    }
    if (node.entry === undefined) {
      node.entry = { seq: this.#seq++, value };
      this.#size++;
    } else node.entry.value = value;
    return this;
  }

  delete(pattern: string): boolean {
    const found = this.#find(pattern);
    if (found?.node.entry === undefined) return false;
    const { node, parent } = found;
    node.entry = undefined;
    this.#size--;
    if (parent === undefined) return true; // the root (pattern ''), which is never removed
    if (node.children === undefined) {
      parent.children!.delete(node.label[0]!);
      this.#nodes--;
      if (parent.children!.size === 0) parent.children = undefined;
      else if (parent !== this.#root && parent.entry === undefined) this.#mergeWithOnlyChild(parent);
    } else if (node.children.size === 1) this.#mergeWithOnlyChild(node);
    return true;
  }

  /** Keeps the invariant: a node without a pattern and with one child is folded into that child. */
  #mergeWithOnlyChild(node: PrefixNode<T>): void {
    if (node.children?.size !== 1) return;
    const child = node.children.values().next().value as PrefixNode<T>;
    // The parent keys `node` by its first character, which does not change: the label only grows.
    node.label += child.label;
    node.children = child.children;
    node.entry = child.entry;
    this.#nodes--;
  }

  /** Calls `visit` for every pattern that is a prefix of `uri`, shortest first. */
  #walk(uri: string, visit: (entry: Entry<T>) => void): void {
    let node = this.#root;
    if (node.entry !== undefined) visit(node.entry);
    let pos = 0;
    while (pos < uri.length) {
      const child = node.children?.get(uri[pos]!);
      if (child === undefined) return;
      this.#visits++;
      if (!uri.startsWith(child.label, pos)) return;
      pos += child.label.length;
      node = child;
      if (node.entry !== undefined) visit(node.entry);
    }
  }

  /** Every pattern that is a string prefix of `uri`, in the order the patterns were added. */
  match(uri: string): readonly T[] {
    if (this.#size === 0) return NONE;
    const found: Entry<T>[] = [];
    this.#walk(uri, (entry) => found.push(entry));
    return inInsertionOrder(found);
  }

  /** The longest pattern that is a string prefix of `uri` (unique: two such prefixes differ in length). */
  longest(uri: string): T | undefined {
    if (this.#size === 0) return undefined;
    let last: Entry<T> | undefined;
    this.#walk(uri, (entry) => {
      last = entry;
    });
    return last?.value;
  }
}

interface WildcardNode<T> {
  /** Children by non-empty component. Never has a '' key: an empty component is `any`. */
  literal: Map<string, WildcardNode<T>> | undefined;
  /** The child for an empty component, which matches any one component. */
  any: WildcardNode<T> | undefined;
  entry: Entry<T> | undefined;
}

const emptyWildcardNode = <T>(): WildcardNode<T> => ({
  literal: undefined,
  any: undefined,
  entry: undefined,
});

/**
 * Wildcard patterns in a trie by component. A lookup follows, per component of the URI, the child for
 * that component and the child for an empty one, and only from nodes that still match: it examines the
 * pattern prefixes that agree with the URI, never the patterns that diverge earlier.
 */
export class WildcardIndex<T> implements PatternTable<T> {
  readonly #root: WildcardNode<T> = emptyWildcardNode();
  #size = 0;
  #nodes = 0;
  #visits = 0;
  #seq = 0;

  get size(): number {
    return this.#size;
  }

  get stats(): IndexStats {
    return { patterns: this.#size, nodes: this.#nodes, visits: this.#visits };
  }

  get(pattern: string): T | undefined {
    let node: WildcardNode<T> | undefined = this.#root;
    for (const part of pattern.split('.')) {
      node = part === '' ? node.any : node.literal?.get(part);
      if (node === undefined) return undefined;
    }
    return node.entry?.value;
  }

  set(pattern: string, value: T): this {
    let node = this.#root;
    for (const part of pattern.split('.')) {
      let child = part === '' ? node.any : node.literal?.get(part);
      if (child === undefined) {
        child = emptyWildcardNode();
        if (part === '') node.any = child;
        else {
          if (node.literal === undefined) node.literal = new Map();
          node.literal.set(part, child);
        }
        this.#nodes++;
      }
      node = child;
    }
    if (node.entry === undefined) {
      node.entry = { seq: this.#seq++, value };
      this.#size++;
    } else node.entry.value = value;
    return this;
  }

  delete(pattern: string): boolean {
    const parts = pattern.split('.');
    const path: WildcardNode<T>[] = [this.#root];
    let node = this.#root;
    for (const part of parts) {
      const child = part === '' ? node.any : node.literal?.get(part);
      if (child === undefined) return false;
      path.push(child);
      node = child;
    }
    if (node.entry === undefined) return false;
    node.entry = undefined;
    this.#size--;
    // Unlink the nodes that no longer lead to any pattern, from the bottom up.
    for (let depth = parts.length; depth > 0; depth--) {
      const current = path[depth]!;
      if (current.entry !== undefined || current.any !== undefined || current.literal !== undefined) break;
      const parent = path[depth - 1]!;
      const part = parts[depth - 1]!;
      if (part === '') parent.any = undefined;
      else {
        parent.literal!.delete(part);
        if (parent.literal!.size === 0) parent.literal = undefined;
      }
      this.#nodes--;
    }
    return true;
  }

  /** Calls `visit` with every matching pattern and how many of its components are non-empty. */
  #walk(
    node: WildcardNode<T>,
    parts: readonly string[],
    depth: number,
    literals: number,
    visit: (entry: Entry<T>, literals: number) => void,
  ): void {
    this.#visits++;
    if (depth === parts.length) {
      if (node.entry !== undefined) visit(node.entry, literals);
      return;
    }
    // An empty URI component finds no literal child (there is no '' key) and so meets only `any`,
    // exactly as `wildcardMatches` has it; it is never counted twice.
    const literal = node.literal?.get(parts[depth]!);
    if (literal !== undefined) this.#walk(literal, parts, depth + 1, literals + 1, visit);
    if (node.any !== undefined) this.#walk(node.any, parts, depth + 1, literals, visit);
  }

  /** Every pattern that matches `uri`, in the order the patterns were added. */
  match(uri: string): readonly T[] {
    if (this.#size === 0) return NONE;
    const found: Entry<T>[] = [];
    this.#walk(this.#root, uri.split('.'), 0, 0, (entry) => found.push(entry));
    return inInsertionOrder(found);
  }

  /**
   * The matching pattern with the most non-empty components; among equals, the one added first. (The
   * dealer's rule for wildcard registrations, as its linear scan applied it.)
   */
  best(uri: string): T | undefined {
    if (this.#size === 0) return undefined;
    let best: Entry<T> | undefined;
    let bestLiterals = -1;
    this.#walk(this.#root, uri.split('.'), 0, 0, (entry, literals) => {
      if (literals > bestLiterals || (literals === bestLiterals && entry.seq < best!.seq)) {
        best = entry;
        bestLiterals = literals;
      }
    });
    return best?.value;
  }
}
