import { isMap, isSeq, isScalar, isPair, type Document, type Node, type Pair } from 'yaml';
import type { Span } from '../types';

export type YamlPath = ReadonlyArray<string | number>;

export interface Located {
  /** The node at the path (undefined when the path ends at a missing key). */
  node?: Node;
  /** The key of the last segment, when it is a map key. */
  key?: Node;
  pair?: Pair;
  /** How many segments of the path exist. */
  depth: number;
}

function nodeSpan(n: Node | undefined | null): Span | undefined {
  if (!n || !n.range) return undefined;
  return { start: n.range[0], end: n.range[1] };
}

/** Walk a parsed document along a path of keys and indices. */
export function locate(doc: Document, path: YamlPath): Located {
  let node = doc.contents as Node | null;
  let key: Node | undefined;
  let pair: Pair | undefined;
  let depth = 0;
  for (const seg of path) {
    if (!node) break;
    if (isMap(node)) {
      const p = node.items.find((it) => isPair(it) && keyString(it.key as Node) === String(seg)) as Pair | undefined;
      if (!p) break;
      pair = p;
      key = p.key as Node;
      node = p.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      pair = undefined;
      key = undefined;
      node = item;
    } else break;
    depth++;
  }
  const complete = depth === path.length;
  return complete ? { node: node ?? undefined, key, pair, depth } : { node: undefined, depth };
}

function keyString(k: Node | null | undefined): string | undefined {
  if (!k) return undefined;
  if (isScalar(k)) return String(k.value);
  return undefined;
}

/** The span of a value at a path; falls back to its key, then to the nearest existing ancestor. */
export function valueSpan(doc: Document, path: YamlPath): Span | undefined {
  for (let n = path.length; n >= 0; n--) {
    const l = locate(doc, path.slice(0, n));
    if (l.depth !== n) continue;
    const span = nodeSpan(l.node) ?? nodeSpan(l.key);
    if (span && span.end > span.start) return span;
    if (nodeSpan(l.key)) return nodeSpan(l.key);
  }
  return undefined;
}

/** The span of the key at the end of a path; falls back to the value, then to ancestors. */
export function keySpan(doc: Document, path: YamlPath): Span | undefined {
  for (let n = path.length; n >= 0; n--) {
    const l = locate(doc, path.slice(0, n));
    if (l.depth !== n) continue;
    const span = nodeSpan(l.key) ?? nodeSpan(l.node);
    if (span && span.end > span.start) return span;
  }
  return undefined;
}

export { nodeSpan };
