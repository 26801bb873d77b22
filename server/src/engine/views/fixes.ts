/**
 * Fixes of findings traced from a render. A rule's fix edits the rendered text; what it changes there is
 * carried to the file that owns the changed node: the new value is written at that node's place in its
 * own file (the patch that wrote it, or the base), with the yaml Document API, so the rest of the file
 * keeps its formatting. A fix in a file other views also read (a shared base) says so and is not safe.
 */
import { isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import { fixesFor } from '../analyze';
import { applyEdits } from '../fixes/edits';
import { minimalEdit } from '../fixes/fix-all';
import type { Finding, Fix, Span, TextEdit } from '../types';
import type { RenderedResource } from '../kustomize';
import type { ViewAnalysis } from './analyze-views';

type Path = (string | number)[];

/** The paths where two plain values differ: the smallest subtrees (a list that changed length is one). */
function changedPaths(a: unknown, b: unknown, at: Path = []): Path[] {
  if (a === b) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [at];
    return a.flatMap((x, i) => changedPaths(x, b[i], [...at, i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    const out: Path[] = [];
    for (const k of new Set([...ka, ...kb])) {
      const va = (a as Record<string, unknown>)[k];
      const vb = (b as Record<string, unknown>)[k];
      if (va === undefined || vb === undefined) out.push([...at, k]);
      else out.push(...changedPaths(va, vb, [...at, k]));
    }
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

function getIn(v: unknown, p: Path): unknown {
  let cur = v;
  for (const k of p) cur = cur === null || typeof cur !== 'object' ? undefined : (cur as Record<string | number, unknown>)[k];
  return cur;
}

/** The path of the node of a document written at a span (the deepest node at its start, not a key). */
function pathOfNode(doc: Document, span: Span): Path | undefined {
  let found: Path | undefined;
  const walk = (n: Node | null | undefined, p: Path): void => {
    if (!n || !n.range || span.start < n.range[0] || span.start >= Math.max(n.range[1], n.range[0] + 1)) return;
    if (n.range[0] === span.start) found = p;
    if (isMap(n)) {
      for (const it of n.items) if (isPair(it) && isScalar(it.key)) walk(it.value as Node, [...p, String(it.key.value)]);
    } else if (isSeq(n)) n.items.forEach((x, i) => walk(x as Node, [...p, i]));
  };
  walk(doc.contents as Node, []);
  return found;
}

/** A source file's documents, edited in place: the text with the touched documents written again. */
class SourceEdit {
  readonly docs: Document[];
  readonly touched = new Set<number>();

  constructor(readonly text: string) {
    this.docs = parseAllDocuments(text) as Document[];
  }

  /** The document holding a span, and the path of the node written there. */
  find(span: Span): { doc: Document; index: number; path: Path } | undefined {
    const index = this.docs.findIndex((d) => {
      const c = d.contents as Node | null;
      return !!c?.range && span.start >= c.range[0] && span.start < Math.max(c.range[1], c.range[0] + 1);
    });
    if (index < 0) return undefined;
    const path = pathOfNode(this.docs[index], span);
    return path ? { doc: this.docs[index], index, path } : undefined;
  }

  result(): string {
    let out = '';
    let at = 0;
    for (const i of [...this.touched].sort((a, b) => a - b)) {
      const d = this.docs[i];
      const c = d.contents as Node;
      const [start, end] = [c.range![0], c.range![1]];
      d.commentBefore = null;
      d.comment = null;
      if (d.directives) d.directives.docStart = null;
      const written = d.toString({ lineWidth: 0 }).replace(/\n$/, '');
      const was = this.text.slice(start, end);
      out += this.text.slice(at, start) + written + (was.endsWith('\n') && !written.endsWith('\n') ? '\n' : '');
      at = end;
    }
    return out + this.text.slice(at);
  }
}

/**
 * The fixes of a finding traced from a render, as edits of the files that own what they change; none when
 * a change cannot be placed (a new resource: it would need a kustomization entry).
 */
export function tracedFixes(view: ViewAnalysis, finding: Finding, resources: (renderedUri: string) => readonly RenderedResource[] | undefined, sourceText: (uri: string) => string | undefined, otherViews: (uri: string) => string[]): Fix[] {
  const rendered = finding.data?.rendered as { uri: string; span: Span } | undefined;
  if (!rendered) return [];
  const file = view.analysis.files.find((f) => f.uri === rendered.uri);
  const res = resources(rendered.uri);
  if (!file || !res) return [];
  const original = view.analysis.findings.find((f) => f.uri === rendered.uri && f.ruleId === finding.ruleId && f.span.start === rendered.span.start && f.span.end === rendered.span.end);
  if (!original) return [];
  const out: Fix[] = [];
  for (const fix of fixesFor(view.analysis, original)) {
    if (fix.edits.some((e) => e.uri !== rendered.uri || e.create)) continue;
    const after = parseAll(applyEdits(file.text, fix.edits));
    if (after.length !== file.documents.length) continue;
    // Per source file: its documents, edited as the fix changes the values they wrote.
    const sources = new Map<string, SourceEdit>();
    let placed = true;
    for (const d of file.documents) {
      const r = res[d.index];
      const next = after[d.index];
      if (!r) continue;
      for (const p of changedPaths(d.value, next)) {
        // The node that wrote the value (for an added or removed key: the map it is in).
        const exists = getIn(d.value, p) !== undefined;
        const target = exists ? p : p.slice(0, -1);
        const origin = r.originAt(target).value;
        const text = sourceText(origin.uri);
        let src = sources.get(origin.uri);
        if (!src && text !== undefined) sources.set(origin.uri, (src = new SourceEdit(text)));
        const at = src?.find(origin.span);
        if (!src || !at) {
          placed = false;
          continue;
        }
        src.touched.add(at.index);
        const value = getIn(next, p);
        if (exists) {
          // The value as the file wrote it: a flow list stays a flow list.
          const was = at.doc.getIn(at.path, true);
          const node = at.doc.createNode(value);
          if (isCollection(was) && was.flow && isCollection(node)) node.flow = true;
          at.doc.setIn(at.path, node);
        }
        else if (value === undefined) at.doc.deleteIn([...at.path, p[p.length - 1]]);
        else at.doc.setIn([...at.path, p[p.length - 1]], at.doc.createNode(value));
      }
    }
    if (!placed || sources.size === 0) continue;
    const edits: TextEdit[] = [];
    const shared = new Set<string>();
    for (const [uri, src] of sources) {
      edits.push(minimalEdit(uri, src.text, src.result()));
      for (const v of otherViews(uri)) shared.add(v);
    }
    if (shared.size > 0) out.push({ title: `${fix.title} (in a file shared with ${[...shared].sort().join(', ')})`, safety: 'unsafe', edits });
    else out.push({ ...fix, edits });
  }
  return out;
}

function parseAll(text: string): unknown[] {
  // The rendered text is one document per resource, written by us: plain documents, split as written.
  return text.split(/^---\n/m).map((t) => parseDocument(t).toJS());
}

