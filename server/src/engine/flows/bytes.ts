/**
 * Byte strings seen before, for readers that work on a line's UTF-8 bytes: each kept once with a value (what
 * it reads as), found again by a hash of its bytes and confirmed by all of them, never by the hash alone.
 */
import { utf8Text } from '../text/utf8';

/**
 * The byte operations of a reader's hot path: plain code by default; a host can give native ones (Node's
 * Buffer `indexOf`, `compare` and `toString`).
 */
export interface ByteOps {
  /** The first index of `needle` in b[from, to), or -1. */
  find(b: Uint8Array, needle: Uint8Array, from: number, to: number): number;
  /** Whether b[start, end) holds the bytes c[cStart, cStart + end - start). */
  same(b: Uint8Array, start: number, end: number, c: Uint8Array, cStart: number): boolean;
  /** The text of UTF-8 bytes b[start, end). */
  text(b: Uint8Array, start: number, end: number): string;
}

/** Whether bytes at `at` are `lit`. */
export function bytesAt(b: Uint8Array, at: number, lit: Uint8Array): boolean {
  if (at < 0 || at + lit.length > b.length) return false;
  for (let j = 0; j < lit.length; j++) if (b[at + j] !== lit[j]) return false;
  return true;
}

/** The first index of `needle` in b[from, to), or -1. */
function find(b: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const last = to - needle.length;
  for (let i = from; i <= last; i++) if (b[i] === first && bytesAt(b, i, needle)) return i;
  return -1;
}

function sameBytes(b: Uint8Array, start: number, end: number, c: Uint8Array, cStart: number): boolean {
  if (cStart + end - start > c.length) return false;
  // From the end: endpoints of one pod differ from others' in their tail first.
  for (let i = end - start - 1; i >= 0; i--) if (b[start + i] !== c[cStart + i]) return false;
  return true;
}

export const PLAIN_BYTE_OPS: ByteOps = { find, same: sameBytes, text: utf8Text };

/** FNV-1a of b[start, end), as a small integer. */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 2166136261;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 16777619);
  return h & 0x3fffffff;
}

/** Shorter byte strings are compared here; longer ones by the host's (native) comparison. */
const SHORT = 64;

/**
 * Byte strings with a value each, in one arena of bytes and a flat open-addressed table of integers: finding
 * one touches a few cache lines, not a chain of objects, however many are kept. Kept until `max` entries or
 * `maxBytes` bytes, then emptied (a reader finds again what it still sees): memory stays bounded whatever the
 * lines hold.
 */
export class ByteTable<V> {
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  /** Entry index + 1 by hash (open addressing, linear probing); 0 is empty. */
  private slots = new Int32Array(1 << 10);
  /** Per entry: hash, offset in the arena, length. */
  private meta = new Int32Array(3 << 9);
  private values: V[] = [];

  constructor(
    private readonly ops: ByteOps,
    private readonly max: number,
    private readonly maxBytes = 64 << 20,
  ) {}

  get size(): number {
    return this.values.length;
  }

  private equal(b: Uint8Array, start: number, length: number, offset: number): boolean {
    if (length > SHORT) return this.ops.same(b, start, start + length, this.arena, offset);
    const a = this.arena;
    for (let i = 0; i < length; i++) if (b[start + i] !== a[offset + i]) return false;
    return true;
  }

  /** The value of the entry with hash `h` whose bytes are b[start, end), or undefined. */
  get(b: Uint8Array, start: number, end: number, h: number): V | undefined {
    const slots = this.slots;
    const meta = this.meta;
    const mask = slots.length - 1;
    const length = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s] - 1;
      if (e < 0) return undefined;
      const m = e * 3;
      if (meta[m] === h && meta[m + 2] === length && this.equal(b, start, length, meta[m + 1])) return this.values[e];
    }
  }

  /**
   * The entry with hash `h` whose bytes start b[start…] and end with byte `last` (a value whose end is not yet
   * known, such as a JSON object: a complete one has no complete proper prefix): its value and length, or
   * undefined.
   */
  prefix(b: Uint8Array, start: number, h: number, last: number): [V, number] | undefined {
    const slots = this.slots;
    const meta = this.meta;
    const mask = slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s] - 1;
      if (e < 0) return undefined;
      const m = e * 3;
      if (meta[m] !== h) continue;
      const length = meta[m + 2];
      const end = start + length;
      if (end <= b.length && b[end - 1] === last && this.equal(b, start, length, meta[m + 1])) return [this.values[e], length];
    }
  }

  /** Keeps b[start, end) (a copy) with its hash and value. */
  add(b: Uint8Array, start: number, end: number, h: number, value: V): void {
    const length = end - start;
    if (this.values.length >= this.max || this.used + length > this.maxBytes) this.clear();
    if (this.used + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.used + length));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    this.arena.set(b.subarray(start, end), this.used);
    const e = this.values.length;
    if ((e + 1) * 3 > this.meta.length) {
      const grown = new Int32Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    this.meta[e * 3] = h;
    this.meta[e * 3 + 1] = this.used;
    this.meta[e * 3 + 2] = length;
    this.used += length;
    this.values.push(value);
    // At most half full, so that probes stay short.
    if ((e + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(e);
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.meta[e * 3] & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let e = 0; e < this.values.length; e++) this.place(e);
  }

  /** The bytes kept. */
  get bytes(): number {
    return this.used;
  }

  clear(): void {
    this.used = 0;
    this.values = [];
    this.slots.fill(0);
    // An arena grown for a few long entries is given back.
    if (this.arena.length > 1 << 20) this.arena = new Uint8Array(1 << 16);
  }
}
