import { Composer, parseAllDocuments, Parser, visit, type Document } from 'yaml';
import type { Span } from '../types';
import type { ParsedDocument } from './document';

/**
 * Document by document parsing, so that an edit re-parses only the documents it touched.
 *
 * A line that starts with `---` (then a space or the end of the line) always starts a new document: YAML
 * forbids such a line inside any content. So a stream is cut at those lines into pieces that parse
 * alone exactly as they parse in the whole stream, the parser told where each piece starts so every range
 * is an offset in the file. Streams with directives (`%YAML`, `%TAG`) or document end markers (`...`) are
 * parsed whole: there one document's text can change how the next one reads.
 */

// merge: YAML 1.1 merge keys (`<<: *base`), as Kubernetes (sigs.k8s.io/yaml, go-yaml) reads them.
export const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: true, logLevel: 'error', merge: true } as const;

const MARKER = /^---(?=[ \t\r\n]|$)/gm;
const WHOLE_ONLY = /^(%|\.\.\.(?=[ \t\r\n]|$))/m;
const BLANK_OR_COMMENTS = /^(?:[ \t]*(?:#[^\n]*)?(?:\r?\n|$))*$/;

/** Where the pieces start (the first at 0), or undefined when the text must be parsed as a whole. */
export function pieceStarts(text: string): number[] | undefined {
  if (WHOLE_ONLY.test(text)) return undefined;
  const starts = [0];
  for (const m of text.matchAll(MARKER)) if (m.index! > 0) starts.push(m.index!);
  // Comments before the first marker belong to the first document, as in the whole stream.
  if (starts.length > 1 && BLANK_OR_COMMENTS.test(text.slice(0, starts[1]).replace(/^\uFEFF/, ''))) starts.splice(1, 1);
  return starts;
}

/** Move a parsed document (and everything inside) by `delta` characters, in place. */
export function shiftDocument(d: ParsedDocument, delta: number): void {
  const move = (r: number[] | undefined | null) => {
    if (r) for (let i = 0; i < r.length; i++) r[i] += delta;
  };
  move(d.doc.range);
  for (const e of [...d.doc.errors, ...d.doc.warnings]) move(e.pos);
  visit(d.doc, {
    Node(_, node) {
      move(node.range);
    },
  });
  const shift = (s: Span): Span => ({ start: s.start + delta, end: s.end + delta });
  d.span = shift(d.span);
  d.errors = d.errors.map((e) => ({ ...e, span: shift(e.span) }));
  if (d.piece) d.piece = shift(d.piece);
}

/**
 * Parse a text piece by piece, keeping the documents of `previous` whose piece did not change: the same
 * objects (moved in place when text before them grew or shrank), so everything derived from them stays.
 * `build` turns a yaml document into a parsed one (errors explained, value read).
 *
 * A piece parses alone as in the whole stream when the document before it ended cleanly (without errors);
 * a broken document can swallow the next marker (an unclosed quote runs on to the next quote), so parsing
 * then goes on through the following pieces, as the whole stream would, until a clean end. Only pieces
 * that parsed cleanly after a clean end are kept for the next edit, and only while the next marker's line
 * is unchanged too (errors on that line can be charged to the document before it).
 */
export function parsePieces(source: string, text: string, previous: { text: string; documents: readonly ParsedDocument[] } | undefined, build: (doc: Document.Parsed, index: number) => ParsedDocument): ParsedDocument[] {
  const starts = pieceStarts(source);
  if (!starts) {
    const parsed = parseAllDocuments(source, PARSE_OPTIONS);
    return Array.isArray(parsed) ? (parsed as Document.Parsed[]).map((doc, i) => build(doc, i)) : [];
  }
  const endOf = (i: number) => (i + 1 < starts.length ? starts[i + 1] : source.length);
  // A piece is known by its text and the next marker's line: the parser may charge errors on that line to it.
  const keyEnd = (t: string, end: number) => {
    const nl = end < t.length ? t.indexOf('\n', end) : -1;
    return nl < 0 ? t.length : nl + 1;
  };
  const pieceAt = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // The previous documents of clean pieces, by the text of their piece.
  const reusable = new Map<string, ParsedDocument[][]>();
  let group: ParsedDocument[] = [];
  for (const d of previous?.documents ?? []) {
    if (!d.piece) continue;
    if (group.length > 0 && (group[0].piece!.start !== d.piece.start || group[0].piece!.end !== d.piece.end)) group = [];
    if (group.length === 0) {
      const key = previous!.text.slice(d.piece.start, keyEnd(previous!.text, d.piece.end));
      const list = reusable.get(key);
      if (list) list.push(group);
      else reusable.set(key, [group]);
    }
    group.push(d);
  }
  const take = (i: number) => reusable.get(text.slice(starts[i], keyEnd(text, endOf(i))))?.shift();
  const out: ParsedDocument[] = [];
  const keep = (same: ParsedDocument[], i: number) => {
    const delta = starts[i] - same[0].piece!.start;
    for (const d of same) {
      if (delta !== 0) shiftDocument(d, delta);
      d.index = out.length;
      out.push(d);
    }
  };
  const clean = (docs: readonly ParsedDocument[]) => docs.every((d) => d.doc.errors.length === 0);
  let i = 0;
  while (i < starts.length) {
    const same = take(i);
    if (same) {
      keep(same, i);
      i++;
      continue;
    }
    // Parse on from this piece; `cur` is the piece being filled, `fresh` whether it began after a clean end.
    const parser = new Parser();
    parser.offset = starts[i];
    const docs = new Composer(PARSE_OPTIONS).compose(parser.parse(starts[i] === 0 ? source : source.slice(starts[i])));
    let cur = i;
    let fresh = true;
    let filled: ParsedDocument[] = [];
    const close = () => {
      if (fresh && filled.length > 0 && clean(filled)) for (const d of filled) d.piece = { start: starts[cur], end: endOf(cur) };
    };
    i = starts.length;
    for (const doc of docs) {
      const p = pieceAt(doc.range[0]);
      if (p !== cur) {
        close();
        const cleanEnd = filled.length > 0 && clean(filled.slice(-1));
        fresh = cleanEnd && p === cur + 1;
        cur = p;
        filled = [];
        // Back to known text: keep the previous documents from here on (this parse of the piece is dropped).
        const again = fresh ? take(p) : undefined;
        if (again) {
          keep(again, p);
          i = p + 1;
          break;
        }
      }
      const d = build(doc as Document.Parsed, out.length);
      out.push(d);
      filled.push(d);
    }
    if (i === starts.length) close();
  }
  return out;
}
