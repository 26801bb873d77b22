/**
 * YAML that Egress Lens writes itself from plain data (a view's rendered resources), and its parse without
 * parsing: each document's plain data is the data it was written from, and its YAML nodes (with source
 * ranges, for the findings' spans) are parsed on demand, from that document's text alone, by the first reader
 * that needs them. Most documents of a rendered view never have a finding, so most are never parsed.
 *
 * The writer is plain and strict: block maps and sequences, keys in the data's order, strings plain where
 * they can only read back as the same string and in JSON's double quotes (valid YAML) otherwise. What it
 * writes reads back as the same data (tested over the rendered corpus and hostile strings).
 */
import { Composer, Parser, type Document } from 'yaml';
import { PARSE_OPTIONS } from './chunks';
import type { Span } from '../types';
import type { ParsedDocument, ParsedFile, ParseProblem } from './document';

/** Words the YAML 1.2 core schema reads as null or booleans. */
const KEYWORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
/** Printable ASCII starting with a letter, `_` or `/`: never a number, an indicator, or a quote. */
const PLAIN = /^[A-Za-z_/][\x20-\x7e]*$/;
/** What ends a plain scalar early, or reads as a comment: `: `, ` #`, a trailing `:` or space. */
const BREAKS = /: | #|[: ]$/;

function plain(s: string): boolean {
  return PLAIN.test(s) && !BREAKS.test(s) && !KEYWORDS.has(s);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return plain(v) ? v : JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return String(v);
  return 'null';
}

/** An implicit key is at most 1024 characters in YAML: longer ones are written as explicit keys (`? key`). */
const LONGEST_KEY = 1000;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The text of frozen collections, by object: a render shares the plain data of what it did not change (frozen,
 * the same objects in every render that keeps them), so their text is written once, at the indentation and
 * position it was first written at. A frozen collection must be frozen all the way down (a render's is); only
 * the outermost frozen collection keeps its text (what is inside it is written with it).
 */
const textOfFrozen = new WeakMap<object, { ind: string; inline: boolean; text: string }>();

/**
 * A non-empty map or sequence: its lines at indentation `ind`; `inline` when its first line follows `- ` (so
 * carries no indentation of its own); `inFrozen` inside a frozen collection being written.
 */
function collection(v: Record<string, unknown> | readonly unknown[], ind: string, inline: boolean, inFrozen: boolean): string {
  const keep = !inFrozen && Object.isFrozen(v);
  if (keep) {
    const hit = textOfFrozen.get(v);
    if (hit && hit.ind === ind && hit.inline === inline) return hit.text;
  }
  const inner = inFrozen || keep;
  let s = '';
  let lead = inline ? '' : ind;
  if (Array.isArray(v)) {
    const deeper = `${ind}  `;
    for (const x of v) {
      s += `${lead}- ${item(x, deeper, inner)}`;
      lead = ind;
    }
  } else {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const key = scalar(k);
      s += key.length > LONGEST_KEY ? `${lead}? ${key}\n${ind}:${after(o[k], ind, inner)}` : `${lead}${key}:${after(o[k], ind, inner)}`;
      lead = ind;
    }
  }
  if (keep) textOfFrozen.set(v, { ind, inline, text: s });
  return s;
}

const isEmpty = (v: Record<string, unknown> | readonly unknown[]): boolean => {
  if (Array.isArray(v)) return v.length === 0;
  for (const _ in v) return false;
  return true;
};

/** A value after `key:` (the key at indentation `ind`). */
function after(v: unknown, ind: string, inFrozen: boolean): string {
  if (Array.isArray(v)) return v.length === 0 ? ' []\n' : `\n${collection(v, ind, false, inFrozen)}`;
  if (isMap(v)) return isEmpty(v) ? ' {}\n' : `\n${collection(v, `${ind}  `, false, inFrozen)}`;
  return ` ${scalar(v)}\n`;
}

/** A value after `- ` (its further lines at `ind`), or a whole document (`ind` empty). */
function item(v: unknown, ind: string, inFrozen: boolean): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]\n' : collection(v, ind, true, inFrozen);
  if (isMap(v)) return isEmpty(v) ? '{}\n' : collection(v, ind, true, inFrozen);
  return `${scalar(v)}\n`;
}

/** One document's plain data as YAML text (ending with a line break). */
export function writeYaml(value: unknown): string {
  return item(value, '', false);
}

/** The YAML document of a span of a text, parsed alone (ranges are offsets in the whole text). */
function parseSpan(text: string, span: Span): Document.Parsed {
  const parser = new Parser();
  parser.offset = span.start;
  for (const doc of new Composer(PARSE_OPTIONS).compose(parser.parse(text.slice(span.start, span.end)))) return doc as Document.Parsed;
  throw new Error('no document in a written text');
}

const NO_PROBLEMS: ParseProblem[] = [];

/**
 * A written document: its plain data given, its YAML nodes parsed on first use. The accessor lives on the
 * class (an object with an accessor of its own gets a hidden class of its own).
 */
class WrittenDocument implements ParsedDocument {
  readonly errors = NO_PROBLEMS;
  #text: string;
  #doc?: Document.Parsed;

  constructor(
    public index: number,
    public span: Span,
    readonly value: unknown,
    text: string,
  ) {
    this.#text = text;
  }

  get doc(): Document.Parsed {
    return (this.#doc ??= parseSpan(this.#text, this.span));
  }

  /** Whether its YAML nodes were parsed (for tests: most never are). */
  get parsed(): boolean {
    return this.#doc !== undefined;
  }

  /** The same document at another place of another text (its nodes parsed again when next needed). */
  moveTo(index: number, span: Span, text: string): void {
    this.index = index;
    if (span.start !== this.span.start || span.end !== this.span.end) {
      this.span = span;
      this.#doc = undefined;
    }
    this.#text = text;
  }
}

/** The line between two documents of a stream. */
const MARKER = '---\n';

/** Plain data written as one YAML stream (`---` between documents). */
export interface WrittenStream {
  readonly text: string;
  readonly values: readonly unknown[];
  /** The length of each document's text (the stream joins them with `---` lines). */
  readonly lengths: readonly number[];
}

export function writeStream(values: readonly unknown[]): WrittenStream {
  const parts = values.map(writeYaml);
  // One flat text: the parts (built piece by piece) are not kept.
  return { text: parts.join(MARKER), values, lengths: parts.map((p) => p.length) };
}

/**
 * A written stream read back as a parsed file, without parsing. With the `previous` written file of the same
 * URI, documents whose text did not change are kept (the same objects, moved), so that what is derived from
 * them is kept too.
 */
export function writtenFile(uri: string, stream: WrittenStream, previous?: ParsedFile): ParsedFile {
  const { text, lengths, values } = stream;
  // A document's own text (after its `---` line, if any) is its key: one that moved past the first keeps it.
  const own = (t: string, i: number, span: Span) => t.slice(span.start + (i > 0 ? MARKER.length : 0), span.end);
  const kept = new Map<string, WrittenDocument[]>();
  if (previous?.written) {
    for (const d of previous.documents) {
      if (!(d instanceof WrittenDocument)) continue;
      const key = own(previous.text, d.index, d.span);
      const list = kept.get(key);
      if (list) list.push(d);
      else kept.set(key, [d]);
    }
  }
  const documents: ParsedDocument[] = [];
  let at = 0;
  lengths.forEach((length, i) => {
    const start = at;
    const end = (at += length + (i > 0 ? MARKER.length : 0));
    const span = { start, end };
    const same = kept.size > 0 ? kept.get(own(text, i, span))?.shift() : undefined;
    if (same) same.moveTo(i, span, text);
    documents.push(same ?? new WrittenDocument(i, span, values[i], text));
  });
  return { uri, text, documents, written: true };
}
