/**
 * How far aliases expand a document. The YAML library caps the number of alias resolutions, not their
 * size: a thousand aliases of one large anchor pass its check and turn a small file into a million
 * nodes for every later stage. Counting the expansion first bounds the work of the whole analysis.
 */
import { isAlias, isMap, isPair, isSeq, type Alias, type Document, type Node } from 'yaml';

export interface Expansion {
  /** Nodes written in the document. */
  own: number;
  /** Nodes once every alias is replaced by a copy of its anchor's node (counting stops past the limit). */
  expanded: number;
  /** The alias at which the expansion went past the limit. */
  over?: Alias;
}

/** Aliases may add this many nodes to a document, or as many as it holds itself if that is more. */
export const ALIAS_EXPANSION_FLOOR = 10_000;

/** Count the document, aliases expanded; `limit` marks the alias at which the added nodes pass it. */
function count(doc: Document.Parsed, limit: number): Expansion {
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  let own = 0;
  let extra = 0;
  let over: Alias | undefined;
  const walk = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      // An alias inside its own anchor (a cycle) is not expanded by the library either.
      const size = target ? (sizes.get(target) ?? 1) : 1;
      own++;
      extra += size - 1;
      if (!over && extra > limit) over = node;
      return size;
    }
    if (isPair(node)) return walk(node.key) + walk(node.value);
    own++;
    const n = node as Node;
    if (n.anchor) anchors.set(n.anchor, n);
    let size = 1;
    if (isMap(n) || isSeq(n)) for (const item of n.items) size += walk(item);
    sizes.set(n, size);
    return size;
  };
  walk(doc.contents);
  return { own, expanded: own + extra, over };
}

/**
 * Aliases may add as many nodes as the document holds itself, or `floor` if that is more. Linear in the
 * document: anchors are sized once, never expanded.
 */
export function aliasExpansion(doc: Document.Parsed, floor = ALIAS_EXPANSION_FLOOR): Expansion {
  const total = count(doc, Infinity);
  const limit = Math.max(total.own, floor);
  return total.expanded - total.own > limit ? count(doc, limit) : total;
}
