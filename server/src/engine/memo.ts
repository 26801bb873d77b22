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
