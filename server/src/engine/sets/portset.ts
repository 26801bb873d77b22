/**
 * A set of ports (1-65535) as sorted, disjoint, non-adjacent closed intervals.
 * Immutable; every operation is interval arithmetic (never enumerates ports).
 */
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

export class PortSet {
  /** Flat [lo0, hi0, lo1, hi1, ...]. */
  private constructor(readonly bounds: readonly number[]) {}

  static readonly empty = new PortSet([]);
  static readonly all = new PortSet([MIN_PORT, MAX_PORT]);

  static range(lo: number, hi: number): PortSet {
    const a = Math.max(MIN_PORT, lo);
    const b = Math.min(MAX_PORT, hi);
    return a > b ? PortSet.empty : new PortSet([a, b]);
  }

  static port(p: number): PortSet {
    return PortSet.range(p, p);
  }

  /** From possibly overlapping, unsorted intervals. */
  static of(intervals: Iterable<readonly [number, number]>): PortSet {
    const list = [...intervals].filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
    const out: number[] = [];
    for (const [a0, b0] of list) {
      const a = Math.max(MIN_PORT, a0);
      const b = Math.min(MAX_PORT, b0);
      if (a > b) continue;
      const n = out.length;
      if (n > 0 && a <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], b);
      else out.push(a, b);
    }
    return out.length === 0 ? PortSet.empty : new PortSet(out);
  }

  get isEmpty(): boolean {
    return this.bounds.length === 0;
  }

  get isAll(): boolean {
    return this.bounds.length === 2 && this.bounds[0] === MIN_PORT && this.bounds[1] === MAX_PORT;
  }

  *intervals(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.bounds.length; i += 2) yield [this.bounds[i], this.bounds[i + 1]];
  }

  has(port: number): boolean {
    for (let i = 0; i < this.bounds.length; i += 2) if (port >= this.bounds[i] && port <= this.bounds[i + 1]) return true;
    return false;
  }

  union(o: PortSet): PortSet {
    if (o.isEmpty || this.isAll) return this;
    if (this.isEmpty || o.isAll) return o;
    return PortSet.of([...this.intervals(), ...o.intervals()]);
  }

  intersect(o: PortSet): PortSet {
    if (this.isEmpty || o.isAll) return this;
    if (o.isEmpty || this.isAll) return o;
    const out: number[] = [];
    const a = this.bounds;
    const b = o.bounds;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const lo = Math.max(a[i], b[j]);
      const hi = Math.min(a[i + 1], b[j + 1]);
      if (lo <= hi) out.push(lo, hi);
      if (a[i + 1] < b[j + 1]) i += 2;
      else j += 2;
    }
    return out.length === 0 ? PortSet.empty : new PortSet(out);
  }

  subtract(o: PortSet): PortSet {
    if (this.isEmpty || o.isEmpty) return this;
    if (o.isAll) return PortSet.empty;
    return this.intersect(o.complement());
  }

  complement(): PortSet {
    const out: number[] = [];
    let next = MIN_PORT;
    for (const [a, b] of this.intervals()) {
      if (a > next) out.push(next, a - 1);
      next = b + 1;
    }
    if (next <= MAX_PORT) out.push(next, MAX_PORT);
    return out.length === 0 ? PortSet.empty : new PortSet(out);
  }

  equals(o: PortSet): boolean {
    if (this === o) return true;
    if (this.bounds.length !== o.bounds.length) return false;
    for (let i = 0; i < this.bounds.length; i++) if (this.bounds[i] !== o.bounds[i]) return false;
    return true;
  }

  /** `80,443,8000-8080` */
  toString(): string {
    const parts: string[] = [];
    for (const [a, b] of this.intervals()) parts.push(a === b ? String(a) : `${a}-${b}`);
    return parts.join(',');
  }
}
