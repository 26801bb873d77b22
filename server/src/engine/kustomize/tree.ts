import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { Span } from '../types';

/**
 * The rendered objects of a Kustomize build, as trees whose every node remembers the text that wrote it.
 *
 * A node read from a file keeps that file's range; a value a transformer writes (a label from
 * `commonLabels`, a patched value, a namespace) points at the kustomization entry or patch that wrote it;
 * a value a transformer only alters (a name given a prefix, a reference renamed with it) keeps its own
 * origin and lists the entries that altered it in `changedBy`.
 */

/** A range of a file's text. */
export interface Origin {
  uri: string;
  span: Span;
}

/** An origin read from a document: one small object per node (its span is made when asked for). */
class TextRange implements Origin {
  constructor(
    readonly uri: string,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get span(): Span {
    return { start: this.start, end: this.end };
  }

  toJSON(): Origin {
    return { uri: this.uri, span: this.span };
  }
}

interface NodeBase {
  /** The text that wrote this value. */
  at: Origin;
  /** The key this value sits under in a map, where it was written. */
  key?: Origin;
  /** Entries that altered the value after it was written (a name prefix, a renamed reference, a hash suffix). */
  changedBy?: Origin[];
  /**
   * Part of a file's tree as read, which every render of that file shares: never changed. A render changes
   * its own copy, made by `own` or `ownPath` (copy on write).
   */
  shared?: true;
}

export type Scalar = string | number | boolean | null;

export interface RMap extends NodeBase {
  kind: 'map';
  items: Map<string, RNode>;
}

export interface RSeq extends NodeBase {
  kind: 'seq';
  items: RNode[];
}

export interface RScalar extends NodeBase {
  kind: 'scalar';
  value: Scalar;
}

export type RNode = RMap | RSeq | RScalar;

export type TreePath = readonly (string | number)[];

/**
 * A yaml document's content as a tree. Aliases are expanded (their origin is the anchored node); keys
 * become strings, as Kubernetes reads them. `null` for an empty document. `offset` maps offsets of the
 * parsed text to offsets of the file (for a patch written inside a kustomization's string).
 */
export function fromYaml(doc: Document.Parsed, uri: string, offset: (n: number) => number = (n) => n, text?: string): RNode | null {
  const whole = new TextRange(uri, offset(doc.range[0]), offset(doc.range[1]));
  const originOf = (n: { range?: [number, number, number] | null } | null | undefined): Origin => (n?.range ? new TextRange(uri, offset(n.range[0]), offset(n.range[1])) : whole);
  if (doc.contents === null || doc.contents === undefined) return null;
  let budget = 1_000_000;
  const build = (n: unknown, depth: number): RNode => {
    if (--budget < 0 || depth > 400) return { kind: 'scalar', value: null, at: whole };
    if (isAlias(n)) {
      const target = n.resolve(doc);
      return target ? build(target, depth + 1) : { kind: 'scalar', value: null, at: originOf(n) };
    }
    const at = originOf(n as YamlNode);
    if (isMap(n)) {
      const items = new Map<string, RNode>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const k = pair.key;
        const key = isScalar(k) ? String(k.value) : k === null || k === undefined ? '' : String((k as { toJSON?: () => unknown }).toJSON?.() ?? k);
        const keyAt = originOf(k as YamlNode);
        const child: RNode = pair.value === null || pair.value === undefined ? { kind: 'scalar', value: null, at: keyAt } : build(pair.value, depth + 1);
        child.key = keyAt;
        items.set(key, child);
      }
      return { kind: 'map', items, at };
    }
    if (isSeq(n)) return { kind: 'seq', items: n.items.map((x) => build(x, depth + 1)), at };
    if (isScalar(n)) {
      const v = n.value;
      let value: Scalar = v === null || v === undefined ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : typeof v === 'bigint' ? Number(v) : String(v);
      // A block scalar that ends the text without a line break has none to keep (the parser adds one).
      if (text !== undefined && typeof value === 'string' && value.endsWith('\n') && (n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED') && n.range && n.range[1] >= text.length && !/[\r\n]$/.test(text)) value = value.slice(0, -1);
      return { kind: 'scalar', value, at };
    }
    return { kind: 'scalar', value: null, at };
  };
  return build(doc.contents, 0);
}

/** A plain value (JSON) as a tree, every node written by `at`. */
export function fromPlain(value: unknown, at: Origin): RNode {
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromPlain(v, at)), at };
  if (value !== null && typeof value === 'object') {
    const items = new Map<string, RNode>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) items.set(k, fromPlain(v, at));
    return { kind: 'map', items, at };
  }
  const v = value === undefined ? null : (value as Scalar);
  return { kind: 'scalar', value: typeof v === 'object' && v !== null ? String(v) : v, at };
}

/**
 * The plain data of shared nodes, made once: every render that keeps a shared subtree gives the same frozen
 * objects for it (nothing may change them).
 */
const plainOfShared = new WeakMap<RNode, unknown>();

/** The tree as plain data (what JSON.parse would give for the same YAML). */
export function toPlain(n: RNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.shared) {
    const kept = plainOfShared.get(n);
    if (kept !== undefined) return kept;
  }
  let out: unknown;
  if (n.kind === 'seq') out = n.items.map(toPlain);
  else {
    const o: Record<string, unknown> = {};
    for (const [k, v] of n.items) o[k] = toPlain(v);
    out = o;
  }
  if (n.shared) plainOfShared.set(n, Object.freeze(out));
  return out;
}

/** A deep copy that keeps every origin (origins are never changed, so they are shared); nothing in it is shared. */
export function clone<T extends RNode>(n: T): T {
  let out: RNode;
  if (n.kind === 'scalar') out = { kind: 'scalar', value: n.value, at: n.at };
  else if (n.kind === 'seq') out = { kind: 'seq', items: n.items.map(clone), at: n.at };
  else {
    const items = new Map<string, RNode>();
    for (const [k, v] of (n as RMap).items) items.set(k, clone(v));
    out = { kind: 'map', items, at: n.at };
  }
  if (n.key) out.key = n.key;
  if (n.changedBy) out.changedBy = n.changedBy;
  return out as T;
}

/** Marks every node of a tree as shared (see `NodeBase.shared`). */
export function share(n: RNode): void {
  n.shared = true;
  if (n.kind === 'map') for (const v of n.items.values()) share(v);
  else if (n.kind === 'seq') for (const v of n.items) share(v);
}

/** The node itself when it is not shared; otherwise a copy of it alone, whose children are still shared. */
export function own<T extends RNode>(n: T): T {
  if (!n.shared) return n;
  let out: RNode;
  if (n.kind === 'scalar') out = { kind: 'scalar', value: n.value, at: n.at };
  else if (n.kind === 'seq') out = { kind: 'seq', items: n.items.slice(), at: n.at };
  else out = { kind: 'map', items: new Map((n as RMap).items), at: n.at };
  if (n.key) out.key = n.key;
  if (n.changedBy) out.changedBy = n.changedBy;
  return out as T;
}

/**
 * The node at `path` under `root` (a node of this render's own), with every node on the way, it included,
 * made this render's own: what is then changed there changes no shared tree. Undefined when absent.
 */
export function ownPath(root: RNode, path: TreePath): RNode | undefined {
  let cur = root;
  for (const k of path) {
    if (cur.kind === 'map') {
      const key = String(k);
      const c = cur.items.get(key);
      if (!c) return undefined;
      const o = own(c);
      if (o !== c) cur.items.set(key, o);
      cur = o;
    } else if (cur.kind === 'seq' && typeof k === 'number') {
      const c = cur.items[k];
      if (!c) return undefined;
      const o = own(c);
      if (o !== c) cur.items[k] = o;
      cur = o;
    } else return undefined;
  }
  return cur;
}

export const scalar = (value: Scalar, at: Origin): RScalar => ({ kind: 'scalar', value, at });
export const emptyMap = (at: Origin): RMap => ({ kind: 'map', items: new Map(), at });

export function isMapNode(n: RNode | undefined): n is RMap {
  return n?.kind === 'map';
}

export function isSeqNode(n: RNode | undefined): n is RSeq {
  return n?.kind === 'seq';
}

/** The child of a map by key, or of a sequence by index. */
export function child(n: RNode | undefined, key: string | number): RNode | undefined {
  if (!n) return undefined;
  if (n.kind === 'map') return n.items.get(String(key));
  if (n.kind === 'seq' && typeof key === 'number') return n.items[key];
  return undefined;
}

export function get(n: RNode | undefined, path: TreePath): RNode | undefined {
  let cur = n;
  for (const k of path) {
    cur = child(cur, k);
    if (!cur) return undefined;
  }
  return cur;
}

/** The string at a path, or undefined when absent or not a string. */
export function str(n: RNode | undefined, path: TreePath = []): string | undefined {
  const v = get(n, path);
  return v?.kind === 'scalar' && typeof v.value === 'string' ? v.value : undefined;
}

/**
 * The map at `path` under `root` (a node of this render's own), created (written by `at`) where missing and
 * made this render's own on the way (see `ownPath`); undefined when something else is in the way.
 */
export function ensureMap(root: RMap, path: TreePath, at: Origin): RMap | undefined {
  let cur: RMap = root;
  for (const k of path) {
    const key = String(k);
    let next = cur.items.get(key);
    if (!next || (next.kind === 'scalar' && next.value === null)) {
      next = emptyMap(at);
      next.key = at;
      cur.items.set(key, next);
    } else if (next.shared) {
      next = own(next);
      cur.items.set(key, next);
    }
    if (next.kind !== 'map') return undefined;
    cur = next;
  }
  return cur;
}

/** Set `key` of a map (this render's own) to a new value written by `at` (the key too, when it is new). */
export function setValue(m: RMap, key: string, value: RNode): void {
  const old = m.items.get(key);
  value.key = old?.key ?? value.key ?? value.at;
  m.items.set(key, value);
}

/** Record that `by` altered a value (this render's own) in place (its origin stays). */
export function changed(n: RNode, by: Origin): void {
  if (n.changedBy?.some((o) => o.uri === by.uri && o.span.start === by.span.start && o.span.end === by.span.end)) return;
  n.changedBy = [...(n.changedBy ?? []), by];
}

/**
 * A path as one string: `spec.podSelector.matchLabels.app`, `spec.containers[0].image`, and keys that are
 * not plain identifiers quoted: `metadata.annotations["iam.gke.io/gcp-service-account"]`.
 */
export function pathKey(path: TreePath): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(k)) out += out === '' ? k : `.${k}`;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

/** Where each value of a tree came from, by path key (the root is ''). */
export interface ValueOrigin {
  /** The text that wrote the value. */
  value: Origin;
  /** The key it sits under, where that key was written. */
  key?: Origin;
  /** Entries that altered the value after it was written. */
  changedBy?: Origin[];
}

export function origins(root: RNode): Map<string, ValueOrigin> {
  const out = new Map<string, ValueOrigin>();
  const walk = (n: RNode, path: (string | number)[]): void => {
    out.set(pathKey(path), { value: n.at, ...(n.key ? { key: n.key } : {}), ...(n.changedBy ? { changedBy: n.changedBy } : {}) });
    if (n.kind === 'map') for (const [k, v] of n.items) walk(v, [...path, k]);
    else if (n.kind === 'seq') n.items.forEach((v, i) => walk(v, [...path, i]));
  };
  walk(root, []);
  return out;
}

/** Structural equality of two trees (origins ignored). */
export function sameValue(a: RNode, b: RNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar') return a.value === (b as RScalar).value;
  if (a.kind === 'seq') {
    const bs = (b as RSeq).items;
    return a.items.length === bs.length && a.items.every((x, i) => sameValue(x, bs[i]));
  }
  const bm = (b as RMap).items;
  if (a.items.size !== bm.size) return false;
  for (const [k, v] of a.items) {
    const w = bm.get(k);
    if (!w || !sameValue(v, w)) return false;
  }
  return true;
}
