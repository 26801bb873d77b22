/**
 * Findings traced back to the text a person edits. A view's rendered resources are analysed as one
 * rendered text per source (a Kustomize root, a Helm release); a span of that text is mapped to the file
 * and range that wrote it: for Kustomize the origin the renderer kept for every value (a patch's value
 * points at the patch, a label added by `commonLabels` at that entry), for Helm the template line that
 * wrote the rendered line (`# Source:` gives the template).
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { RenderedResource } from '../kustomize';
import { writeStream, writtenFile } from '../parse/written';
import type { ValueOrigin } from '../kustomize/tree';
import { splitRendered, templatePath, TemplateMap } from '../helm/origins';
import { resolvePath } from '../kustomize/sources';
import type { ParsedFile } from '../parse/parse';
import type { Span } from '../types';

/** A place in a source file. */
export interface Located {
  uri: string;
  span: Span;
  /** The span is the exact text at fault (not only the line or object that wrote it). */
  exact: boolean;
}

/** Maps spans of one rendered text to their source. */
export interface Tracer {
  /** The rendered text (analysed under a URI of its own). */
  readonly text: string;
  /** The rendered text as a parsed file, when it can be read without parsing it (given its previous parse). */
  parsed?(uri: string, previous?: ParsedFile): ParsedFile;
  trace(span: Span, file: ParsedFile): Located | undefined;
  /**
   * The other way: the rendered keys and values that the text at an offset of a source file wrote exactly
   * (a base's value, a patch's value, a template's literal key), each with the source span that wrote it.
   */
  written(uri: string, offset: number, file: ParsedFile): Written[];
}

/** A rendered key or value, and the span of a source file that wrote it. */
export interface Written {
  rendered: Span;
  source: Span;
}

/** Every scalar key and value of a document: its path, whether it is a key, and its span. */
function scalarsOf(doc: Document): { path: (string | number)[]; onKey: boolean; span: Span }[] {
  const out: { path: (string | number)[]; onKey: boolean; span: Span }[] = [];
  const walk = (n: Node | null | undefined, path: (string | number)[]): void => {
    if (isMap(n)) {
      for (const it of n.items) {
        if (!isPair(it) || !isScalar(it.key)) continue;
        const k = it.key as Node;
        const p = [...path, String((it.key as { value: unknown }).value)];
        if (k.range) out.push({ path: p, onKey: true, span: { start: k.range[0], end: k.range[1] } });
        walk(it.value as Node | null, p);
      }
    } else if (isSeq(n)) n.items.forEach((x, i) => walk(x as Node, [...path, i]));
    else if (isScalar(n) && n.range) out.push({ path, onKey: false, span: { start: n.range[0], end: n.range[1] } });
  };
  walk(doc.contents as Node | null, []);
  return out;
}

const covers = (s: Span, offset: number) => offset >= s.start && offset <= s.end;

/** The path of the deepest node at an offset of a document, and whether the offset is on a map key. */
export function pathAt(doc: Document, offset: number): { path: (string | number)[]; onKey: boolean } {
  const path: (string | number)[] = [];
  let node = doc.contents as Node | null;
  const inside = (n: Node | null | undefined) => !!n?.range && offset >= n.range[0] && offset < Math.max(n.range[1], n.range[0] + 1);
  for (;;) {
    if (isMap(node)) {
      let next: Node | null = null;
      for (const it of node.items) {
        if (!isPair(it)) continue;
        const k = it.key as Node | null;
        const key = isScalar(k) ? String(k.value) : undefined;
        if (key === undefined) continue;
        if (inside(k)) return { path: [...path, key], onKey: true };
        if (inside(it.value as Node | null)) {
          path.push(key);
          next = it.value as Node;
          break;
        }
      }
      if (!next) return { path, onKey: false };
      node = next;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => inside(it as Node));
      if (i < 0) return { path, onKey: false };
      path.push(i);
      node = node.items[i] as Node;
    } else return { path, onKey: false };
  }
}

/**
 * The rendered resources of a Kustomize root as one text, and their origins. The text is written by Egress
 * Lens from the rendered data, and read back without parsing it (`parse/written.ts`).
 */
export function kustomizeTracer(resources: readonly RenderedResource[]): Tracer {
  const stream = writeStream(resources.map((r) => r.object));
  const text = stream.text;
  let writers: Map<string, Set<number>> | undefined;
  return {
    text,
    parsed: (uri, previous) => writtenFile(uri, stream, previous),
    trace(span, file) {
      const d = file.documents.find((x) => span.start >= x.span.start && span.start <= x.span.end);
      const r = d && resources[d.index];
      if (!d || !r) return undefined;
      const { path, onKey } = pathAt(d.doc, span.start);
      const o: ValueOrigin = r.originAt(path);
      const at = onKey && o.key ? o.key : o.value;
      // The same length of text: the finding's part of it (a word in a value); otherwise the whole value.
      const node = nodeAt(d.doc, path, onKey);
      if (node && node.end - node.start === at.span.end - at.span.start && span.start >= node.start && span.end <= node.end) {
        return { uri: at.uri, span: { start: at.span.start + (span.start - node.start), end: at.span.start + (span.end - node.start) }, exact: true };
      }
      return { uri: at.uri, span: at.span, exact: path.length > 0 };
    },
    written(uri, offset, file) {
      // The resources each source file wrote a value or key of: indexed once per render, on the first ask.
      if (!writers) {
        writers = new Map();
        resources.forEach((r, i) => {
          for (const o of r.origins().values()) {
            for (const at of o.key ? [o.value, o.key] : [o.value]) {
              let set = writers!.get(at.uri);
              if (!set) writers!.set(at.uri, (set = new Set()));
              set.add(i);
            }
          }
        });
      }
      const mine = writers.get(uri);
      const out: Written[] = [];
      if (!mine) return out;
      for (const d of file.documents) {
        const r = mine.has(d.index) ? resources[d.index] : undefined;
        if (!r) continue;
        for (const s of scalarsOf(d.doc)) {
          const o = r.originAt(s.path);
          const at = s.onKey ? o.key : o.value;
          if (at && at.uri === uri && covers(at.span, offset)) out.push({ rendered: s.span, source: at.span });
        }
      }
      return out;
    },
  };
}

function nodeAt(doc: Document, path: readonly (string | number)[], onKey: boolean): Span | undefined {
  let node = doc.contents as Node | null;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const p = node.items.find((it) => isPair(it) && isScalar(it.key) && String((it.key as { value: unknown }).value) === String(seg));
      if (!p || !isPair(p)) return undefined;
      if (i === path.length - 1 && onKey) node = p.key as Node;
      else node = p.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') node = node.items[seg] as Node | null;
    else return undefined;
  }
  return node?.range ? { start: node.range[0], end: node.range[1] } : undefined;
}

/**
 * Helm's output mapped to the chart's templates: each document's `# Source:` names its template; the line
 * that wrote a rendered line is found by aligning the two (exact where the key is literal in the template,
 * the resource's first line otherwise).
 */
export function helmTracer(output: string, chart: string, chartName: string, templates: (uri: string) => string | undefined): Tracer {
  const docs = splitRendered(output);
  const maps = new Map<number, TemplateMap | null>();
  const mapOf = (i: number): { map: TemplateMap; uri: string } | undefined => {
    const d = docs[i];
    const rel = templatePath(d.source, chartName);
    if (!rel) return undefined;
    const uri = resolvePath(chart, rel);
    let m = maps.get(i);
    if (m === undefined) {
      const t = templates(uri);
      m = t === undefined ? null : new TemplateMap(t, d.text);
      maps.set(i, m);
    }
    return m ? { map: m, uri } : undefined;
  };
  /** The index of the document of helm's output at an offset. */
  const docIndex = (offset: number): number => {
    let i = docs.length - 1;
    while (i > 0 && docs[i].offset > offset) i--;
    return i;
  };
  return {
    text: output,
    trace(span) {
      const i = docIndex(span.start);
      const d = docs[i];
      if (!d) return undefined;
      const hit = mapOf(i);
      if (!hit) return undefined;
      const local = { start: span.start - d.offset, end: Math.min(span.end, d.offset + d.text.length) - d.offset };
      const t = hit.map.templateSpan(local);
      if (t) return { uri: hit.uri, span: { start: t.start, end: t.end }, exact: t.exact };
      // Written by an action (toYaml, include) or not found: the resource's first literal line in the template.
      const lines = d.text.split('\n');
      let at = 0;
      for (let k = 0; k < lines.length; k++) {
        const s = hit.map.templateSpan({ start: at, end: at + lines[k].length });
        if (s && lines[k].trim() !== '' && !lines[k].startsWith('#')) return { uri: hit.uri, span: { start: s.start, end: s.end }, exact: false };
        at += lines[k].length + 1;
      }
      return { uri: hit.uri, span: { start: 0, end: 0 }, exact: false };
    },
    written(uri, offset, file) {
      const out: Written[] = [];
      for (const p of file.documents) {
        const start = (p.doc.contents as Node | null)?.range?.[0];
        if (start === undefined) continue;
        const i = docIndex(start);
        const d = docs[i];
        const hit = d && mapOf(i);
        if (!hit || hit.uri !== uri) continue;
        for (const s of scalarsOf(p.doc)) {
          const t = hit.map.templateSpan({ start: s.span.start - d.offset, end: s.span.end - d.offset });
          if (t?.exact && covers(t, offset)) out.push({ rendered: s.span, source: { start: t.start, end: t.end } });
        }
      }
      return out;
    },
  };
}
