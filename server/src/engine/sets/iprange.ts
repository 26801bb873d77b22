/**
 * Sets of IP addresses over IPv4 and IPv6, as sorted, disjoint, non-adjacent closed intervals.
 * IPv4 bounds are numbers (0 .. 2^32-1), IPv6 bounds are bigints (0 .. 2^128-1). Immutable.
 */
export type Family = 4 | 6;

const V4_MAX = 2 ** 32 - 1;
const V6_MAX = (1n << 128n) - 1n;

type Interval<T> = [T, T];

function normalize<T extends number | bigint>(list: Interval<T>[], one: T): Interval<T>[] {
  const sorted = list.filter(([a, b]) => a <= b).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: Interval<T>[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    // Adjacent or overlapping intervals merge.
    if (last && (a as bigint | number) <= ((last[1] as never) + (one as never))) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

function intersectLists<T extends number | bigint>(a: Interval<T>[], b: Interval<T>[]): Interval<T>[] {
  const out: Interval<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = a[i][0] > b[j][0] ? a[i][0] : b[j][0];
    const hi = a[i][1] < b[j][1] ? a[i][1] : b[j][1];
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

function complementList<T extends number | bigint>(a: Interval<T>[], zero: T, max: T, one: T): Interval<T>[] {
  const out: Interval<T>[] = [];
  let next = zero;
  let done = false;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, ((lo as never) - (one as never)) as T]);
    if (hi >= max) {
      done = true;
      break;
    }
    next = ((hi as never) + (one as never)) as T;
  }
  if (!done && next <= max) out.push([next, max]);
  return out;
}

export class IpRangeSet {
  private constructor(
    readonly v4: readonly Interval<number>[],
    readonly v6: readonly Interval<bigint>[],
  ) {}

  static readonly empty = new IpRangeSet([], []);
  static readonly allV4 = new IpRangeSet([[0, V4_MAX]], []);
  static readonly allV6 = new IpRangeSet([], [[0n, V6_MAX]]);
  static readonly all = new IpRangeSet([[0, V4_MAX]], [[0n, V6_MAX]]);

  static fromIntervals(v4: Interval<number>[], v6: Interval<bigint>[] = []): IpRangeSet {
    return new IpRangeSet(normalize(v4.map(([a, b]) => [a, b] as Interval<number>), 1), normalize(v6.map(([a, b]) => [a, b] as Interval<bigint>), 1n));
  }

  /** The union of many sets at once (one normalisation, not one per set). */
  static unionAll(sets: readonly IpRangeSet[]): IpRangeSet {
    if (sets.length === 0) return IpRangeSet.empty;
    if (sets.length === 1) return sets[0];
    return IpRangeSet.fromIntervals(
      sets.flatMap((x) => x.v4 as Interval<number>[]),
      sets.flatMap((x) => x.v6 as Interval<bigint>[]),
    );
  }

  get isEmpty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  union(o: IpRangeSet): IpRangeSet {
    if (o.isEmpty) return this;
    if (this.isEmpty) return o;
    return IpRangeSet.fromIntervals([...this.v4, ...o.v4] as Interval<number>[], [...this.v6, ...o.v6] as Interval<bigint>[]);
  }

  intersect(o: IpRangeSet): IpRangeSet {
    if (this.isEmpty || o.isEmpty) return IpRangeSet.empty;
    return new IpRangeSet(intersectLists(this.v4 as Interval<number>[], o.v4 as Interval<number>[]), intersectLists(this.v6 as Interval<bigint>[], o.v6 as Interval<bigint>[]));
  }

  complement(): IpRangeSet {
    return new IpRangeSet(complementList(this.v4 as Interval<number>[], 0, V4_MAX, 1), complementList(this.v6 as Interval<bigint>[], 0n, V6_MAX, 1n));
  }

  subtract(o: IpRangeSet): IpRangeSet {
    if (this.isEmpty || o.isEmpty) return this;
    return this.intersect(o.complement());
  }

  contains(o: IpRangeSet): boolean {
    return o.subtract(this).isEmpty;
  }

  overlaps(o: IpRangeSet): boolean {
    return !this.intersect(o).isEmpty;
  }

  equals(o: IpRangeSet): boolean {
    return (
      this.v4.length === o.v4.length &&
      this.v6.length === o.v6.length &&
      this.v4.every(([a, b], i) => a === o.v4[i][0] && b === o.v4[i][1]) &&
      this.v6.every(([a, b], i) => a === o.v6[i][0] && b === o.v6[i][1])
    );
  }

  /** Contiguous ranges as `first-last` text, IPv4 first. */
  ranges(): string[] {
    return [...this.v4.map(([a, b]) => `${formatV4(a)}-${formatV4(b)}`), ...this.v6.map(([a, b]) => `${formatV6(a)}-${formatV6(b)}`)];
  }

  toString(): string {
    return this.ranges().join(',');
  }
}

export function formatV4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 5952 text: lowercase, longest run of zero groups (2 or more) as `::`. */
export function formatV6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4).
  const v4tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const v4 = parseV4(v4tail[2]);
    if (v4 === undefined) return undefined;
    text = `${v4tail[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export interface Cidr {
  family: Family;
  /** The address as written (host bits possibly set). */
  address: number | bigint;
  prefix: number;
  /** True when bits beyond the prefix are set (e.g. 10.0.0.1/8). */
  hostBitsSet: boolean;
  /** The network it denotes. */
  set: IpRangeSet;
  /** Canonical text of the network (host bits cleared). */
  canonical: string;
}

/** Parse `a.b.c.d/n` or an IPv6 CIDR; undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^\s*([^/\s]+)\/(\d{1,3})\s*$/.exec(text);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const v4 = parseV4(m[1]);
  if (v4 !== undefined) {
    if (prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    const start = Math.floor(v4 / size) * size;
    return {
      family: 4,
      address: v4,
      prefix,
      hostBitsSet: start !== v4,
      set: IpRangeSet.fromIntervals([[start, start + size - 1]]),
      canonical: `${formatV4(start)}/${prefix}`,
    };
  }
  const v6 = parseV6(m[1]);
  if (v6 !== undefined) {
    if (prefix > 128) return undefined;
    const hostBits = 128n - BigInt(prefix);
    const start = (v6 >> hostBits) << hostBits;
    const end = start + (1n << hostBits) - 1n;
    return { family: 6, address: v6, prefix, hostBitsSet: start !== v6, set: IpRangeSet.fromIntervals([], [[start, end]]), canonical: `${formatV6(start)}/${prefix}` };
  }
  return undefined;
}

/**
 * The fewest CIDR blocks that cover exactly the range `first-last` (text as `ranges()` writes it), or undefined
 * when the text is not such a range. 0.0.0.0-255.255.255.255 is 0.0.0.0/0; 10.0.0.0-10.0.1.255 is 10.0.0.0/23.
 */
export function rangeToCidrs(range: string): string[] | undefined {
  const dash = range.indexOf('-');
  if (dash < 0) return undefined;
  const [a, b] = [range.slice(0, dash), range.slice(dash + 1)];
  const v4 = [parseV4(a), parseV4(b)];
  const v6 = v4[0] === undefined ? [parseV6(a), parseV6(b)] : [];
  const bits = v4[0] !== undefined ? 32n : 128n;
  const lo = v4[0] !== undefined ? BigInt(v4[0]) : v6[0];
  const hi = v4[1] !== undefined ? BigInt(v4[1]) : v6[1];
  if (lo === undefined || hi === undefined || lo > hi) return undefined;
  const format = (n: bigint) => (bits === 32n ? formatV4(Number(n)) : formatV6(n));
  const out: string[] = [];
  let start = lo;
  while (start <= hi) {
    // The largest block aligned at start that does not pass hi.
    let size = 0n;
    while (size < bits && (start & ((1n << (size + 1n)) - 1n)) === 0n && start + (1n << (size + 1n)) - 1n <= hi) size++;
    out.push(`${format(start)}/${bits - size}`);
    start += 1n << size;
  }
  return out;
}

/**
 * The coarsest partition of a space into contiguous ranges such that every given set is a union of parts:
 * cut at every boundary of every set. Parts are returned in address order, IPv4 first.
 */
export function partition(space: IpRangeSet, sets: readonly IpRangeSet[]): IpRangeSet[] {
  const cuts4 = new Set<number>();
  const cuts6 = new Set<bigint>();
  for (const s of sets) {
    for (const [a, b] of s.v4) {
      cuts4.add(a);
      cuts4.add(b + 1);
    }
    for (const [a, b] of s.v6) {
      cuts6.add(a);
      cuts6.add(b + 1n);
    }
  }
  const out: IpRangeSet[] = [];
  for (const [lo, hi] of space.v4) {
    const points = [...cuts4].filter((c) => c > lo && c <= hi).sort((a, b) => a - b);
    let start = lo;
    for (const p of points) {
      out.push(IpRangeSet.fromIntervals([[start, p - 1]]));
      start = p;
    }
    out.push(IpRangeSet.fromIntervals([[start, hi]]));
  }
  for (const [lo, hi] of space.v6) {
    const points = [...cuts6].filter((c) => c > lo && c <= hi).sort((a, b) => (a < b ? -1 : 1));
    let start = lo;
    for (const p of points) {
      out.push(IpRangeSet.fromIntervals([], [[start, p - 1n]]));
      start = p;
    }
    out.push(IpRangeSet.fromIntervals([], [[start, hi]]));
  }
  return out;
}
