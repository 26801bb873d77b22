/**
 * Reuse across analyses is by identity: an unchanged document keeps its objects, and what is derived from
 * an object is kept with it. These two helpers serve every stage that does so.
 */

/** The same items in the same order (by identity). */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `derive` computed once per object, and kept for as long as the object lives. */
export function perObject<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, V>();
  return (key) => {
    if (kept.has(key)) return kept.get(key) as V;
    const value = derive(key);
    kept.set(key, value);
    return value;
  };
}

/** Numbers given to objects, for as long as they live: what a set of objects is named by in a key. */
const numbers = new WeakMap<object, number>();
let nextNumber = 0;

/** A number for an object, the same for as long as it lives (and never another's). */
export function objectNumber(o: object): number {
  let n = numbers.get(o);
  if (n === undefined) numbers.set(o, (n = nextNumber++));
  return n;
}

/**
 * Results per generation of something rebuilt by every analysis (a reachability), each generation's table
 * seeded with the entries of the one before it (`previous`) that `keep` keeps, so that what did not change is
 * not derived again. A table lives exactly as long as its generation: no result outlives the analysis that
 * can still use it. (A table keyed by long-lived objects instead, whose results refer to objects of their own
 * analysis, would keep every analysis of an editing session alive, each result holding the objects that key
 * the one before.)
 */
export function perGeneration<G extends object, K, V>(previous: (g: G) => G | undefined, keep: (g: G) => (key: K) => boolean): (g: G) => Map<K, V> {
  const tables = new WeakMap<G, Map<K, V>>();
  return (g) => {
    let table = tables.get(g);
    if (!table) {
      table = new Map();
      const before = previous(g);
      const old = before && tables.get(before);
      if (old) {
        const kept = keep(g);
        for (const [k, v] of old) if (kept(k)) table.set(k, v);
      }
      tables.set(g, table);
    }
    return table;
  };
}

/** A table of results by text, bounded: when it holds `limit` results it is emptied before the next is kept. */
export class TextMemo<V> {
  private readonly kept = new Map<string, V>();

  constructor(
    /** What it keeps, as `textMemos()` lists it. */
    readonly name: string,
    readonly limit: number,
  ) {
    tables.push(this);
  }

  get size(): number {
    return this.kept.size;
  }

  /** The result for `key`, derived once while it is kept. */
  get(key: string, derive: () => V): V {
    let v = this.kept.get(key);
    if (v === undefined) {
      v = derive();
      if (this.kept.size >= this.limit) this.kept.clear();
      this.kept.set(key, v);
    }
    return v;
  }
}

const tables: TextMemo<unknown>[] = [];

/**
 * Every table of results by text in the engine, with its bound: results of pure functions of a string
 * (a selector's parse, a host pattern's regular expression), which any workspace may share.
 */
export function textMemos(): readonly { name: string; limit: number; size: number }[] {
  return tables.map((t) => ({ name: t.name, limit: t.limit, size: t.size }));
}
