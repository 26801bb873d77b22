/**
 * Mutations of YAML text for the fuzzer: each takes a text and a seeded random source and returns a
 * broken (or oddly valid) variant. Every mutation is a pure function of (text, random), so a case is
 * replayed exactly from its seed.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, parseAllDocuments, visit, type Node } from 'yaml';
import { int } from '../support/random';

export type Random = () => number;
export type Mutation = (text: string, r: Random) => string;

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Flip bits in the UTF-8 bytes (the result is decoded as a reader would: invalid bytes become U+FFFD). */
export const byteFlip: Mutation = (text, r) => {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return text;
  const n = int(r, 1, 8);
  for (let i = 0; i < n; i++) bytes[int(r, 0, bytes.length - 1)] ^= 1 << int(r, 0, 7);
  return bytes.toString('utf8');
};

/** Cut the text at a random point (a file saved half-way, a paste cut short). */
export const truncate: Mutation = (text, r) => text.slice(0, int(r, 0, text.length));

function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** Shift the indentation of a run of lines left or right (by spaces or a tab). */
export const indentShift: Mutation = (text, r) => {
  const ls = lines(text);
  if (ls.length === 0) return text;
  const from = int(r, 0, ls.length - 1);
  const to = Math.min(ls.length - 1, from + int(r, 0, 6));
  const by = pick(r, [1, 2, 4, -1, -2, -4]);
  const tab = r() < 0.15;
  for (let i = from; i <= to; i++) {
    if (tab) ls[i] = '\t' + ls[i];
    else if (by > 0) ls[i] = ' '.repeat(by) + ls[i];
    else ls[i] = ls[i].replace(new RegExp(`^ {0,${-by}}`), '');
  }
  return ls.join('');
};

export const duplicateLines: Mutation = (text, r) => {
  const ls = lines(text);
  if (ls.length === 0) return text;
  const from = int(r, 0, ls.length - 1);
  const to = Math.min(ls.length, from + int(r, 1, 5));
  const block = ls.slice(from, to);
  const at = r() < 0.5 ? to : int(r, 0, ls.length);
  ls.splice(at, 0, ...block);
  return ls.join('');
};

export const deleteLines: Mutation = (text, r) => {
  const ls = lines(text);
  if (ls.length === 0) return text;
  const from = int(r, 0, ls.length - 1);
  ls.splice(from, int(r, 1, 4));
  return ls.join('');
};

/** Code points that break naive text handling: surrogate halves, BOM, NUL, line and paragraph separators, RTL marks, emoji. */
const ODD = ['\u0000', '\uFEFF', '\u2028', '\u2029', '\u200B', '\u202E', '\uD800', '\uDC00', '\uFFFD', '\u0085', '\r', '\t', '\u00A0', '😀', '𝔘', 'é', 'ﬀ', '\u0301', '\\', '"', "'", '#', ':', '- ', '&a ', '*a', '!!str ', '{', '[', '%', '@', '`', '|', '>'];

/** Insert or replace characters with random unicode, including the awkward ones above. */
export const randomUnicode: Mutation = (text, r) => {
  let out = text;
  const n = int(r, 1, 6);
  for (let i = 0; i < n; i++) {
    const at = int(r, 0, out.length);
    const ch = r() < 0.6 ? pick(r, ODD) : String.fromCodePoint(r() < 0.7 ? int(r, 1, 0xffff) : int(r, 0x10000, 0x10ffff));
    const replace = r() < 0.4 ? 1 : 0;
    out = out.slice(0, at) + ch + out.slice(at + replace);
  }
  return out;
};

/** Values of every other type, as they would be typed in a flow context. */
const VALUES = {
  string: ['"text"', "'0'", 'x', '""', '"-1"', `"${'a'.repeat(300)}"`, '"10.0.0.0/8"', '"../../../etc/passwd"', '"<script>alert(1)</script>"'],
  number: ['0', '-1', '65536', '1e400', '0x1F', '3.5', '.inf', '-.inf', '.nan', '99999999999999999999999', '0o17', '-0'],
  boolean: ['true', 'false', 'yes', 'on'],
  null: ['null', '~', ''],
  map: ['{}', '{a: 1}', '{matchLabels: {app: x}}', '{"": null}', '{? [a]: b}'],
  seq: ['[]', '[1, 2]', '[{}]', '[[[]]]', '[null]'],
  other: ['!!binary aGVsbG8=', '!!timestamp 2001-12-14', '!!set {a, b}', '&x 1', '*undefined_alias', '!custom tag'],
};
type ValueKind = keyof typeof VALUES;

function kindOf(node: Node): ValueKind {
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'seq';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    if (typeof v === 'boolean') return 'boolean';
    return 'string';
  }
  return 'other';
}

export interface ValueSite {
  /** Range of the value in the text. */
  start: number;
  end: number;
  kind: ValueKind;
  /** For a block collection the replacement stays on the key's line. */
  block: boolean;
}

/** Every value of every document (map values, sequence items, keys excluded), in text order. */
export function valueSites(text: string): ValueSite[] {
  const sites: ValueSite[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return sites;
  }
  if (!Array.isArray(docs)) return sites;
  for (const doc of docs) {
    visit(doc, {
      Pair(_, pair) {
        const v = pair.value as Node | null;
        if (v && !isAlias(v) && v.range) sites.push({ start: v.range[0], end: v.range[1], kind: kindOf(v), block: isCollection(v) && !(v as { flow?: boolean }).flow });
      },
      Seq(_, seq) {
        for (const item of seq.items as (Node | null)[]) {
          if (item && !isAlias(item) && !isCollection(item) && item.range) sites.push({ start: item.range[0], end: item.range[1], kind: kindOf(item), block: false });
        }
      },
    });
  }
  return sites.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Replace one value with a value of a different type; `choice` picks the replacement among the candidates. */
export function replaceValue(text: string, site: ValueSite, choice: number): string {
  const kinds = (Object.keys(VALUES) as ValueKind[]).filter((k) => k !== site.kind);
  const all = kinds.flatMap((k) => VALUES[k]);
  const replacement = all[((choice % all.length) + all.length) % all.length];
  // A block map or sequence starts on the next line: put the new value on the key's line instead.
  let start = site.start;
  if (site.block) {
    const before = text.slice(0, start);
    const colon = before.search(/:[ \t]*(#[^\n]*)?\r?\n[ \t-]*$/);
    if (colon >= 0) start = colon + 1;
    return `${text.slice(0, start)} ${replacement}\n${text.slice(site.end)}`;
  }
  return text.slice(0, start) + replacement + text.slice(site.end);
}

/** The number of distinct replacements `replaceValue` can choose from for a site. */
export function replacementCount(site: ValueSite): number {
  return (Object.keys(VALUES) as ValueKind[]).filter((k) => k !== site.kind).reduce((n, k) => n + VALUES[k].length, 0);
}

/** Sites of the unmutated sources, which are mutated again and again (parsing them is most of the cost). */
const sitesOf = new Map<string, ValueSite[]>();

/** Walk the parsed tree and give one value a value of another type. */
export const wrongType: Mutation = (text, r) => {
  let sites = sitesOf.get(text);
  if (!sites) {
    sites = valueSites(text);
    if (sitesOf.size < 4000) sitesOf.set(text, sites);
  }
  if (sites.length === 0) return byteFlip(text, r);
  const site = pick(r, sites);
  return replaceValue(text, site, int(r, 0, replacementCount(site) - 1));
};

/** Odd whole-file transformations: line endings, a BOM, tabs, documents split or merged. */
export const reshape: Mutation = (text, r) => {
  switch (int(r, 0, 5)) {
    case 0:
      return text.replace(/\r?\n/g, '\r\n');
    case 1:
      return '\uFEFF' + text;
    case 2:
      return text.replace(/^( +)/gm, (s) => (r() < 0.3 ? s.replace(/ {2}/, '\t') : s));
    case 3: {
      const ls = lines(text);
      ls.splice(int(r, 0, ls.length), 0, pick(r, ['---\n', '...\n', '--- |\n', '%YAML 1.2\n---\n', '--- !!map\n']));
      return ls.join('');
    }
    case 4:
      return text.replace(/\n---\n/g, '\n');
    default:
      return text.replace(/\n/g, '\r');
  }
};

export const mutations: Record<string, Mutation> = { byteFlip, truncate, indentShift, duplicateLines, deleteLines, wrongType, randomUnicode, reshape };
const names = Object.keys(mutations);

/** One to three random mutations in a row; returns the text and the names applied (for the failure report). */
export function mutate(text: string, r: Random): { text: string; applied: string[] } {
  const applied: string[] = [];
  let out = text;
  const n = r() < 0.7 ? 1 : int(r, 2, 3);
  for (let i = 0; i < n; i++) {
    const name = pick(r, names);
    applied.push(name);
    out = mutations[name](out, r);
  }
  return { text: out, applied };
}
