/**
 * Fixes of findings traced from a render. A rule's fix edits the rendered text; what it changes there is
 * carried to the file that owns the changed node: the new value is written at that node's place in its
 * own file (the patch that wrote it, or the base), with the yaml Document API, so the rest of the file
 * keeps its formatting. A fix in a file other views also read (a shared base) says so and is not safe.
 */
import { Document, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Node, type Scalar } from 'yaml';
import { fixesFor } from '../analyze';
import { applyEdits, insertDocumentAt } from '../fixes/edits';
import { renderYaml } from '../fixes/render';
import { detectStyle } from '../fixes/style';
import { basename, KUSTOMIZATION_FILES } from '../kustomize/sources';
import { minimalEdit } from '../fixes/edits';
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
  /** Scalars replaced in place (their documents are not written again unless touched otherwise). */
  private readonly scalars: { index: number; start: number; end: number; newText: string }[] = [];

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

  /**
   * A scalar replaced by another: only its text changes, written as the file wrote it (plain, quoted);
   * false when the node is not a scalar or the value is not one (the document is then written again).
   */
  replaceScalar(index: number, path: Path, value: unknown): boolean {
    const doc = this.docs[index];
    const was = doc.getIn(path, true);
    if (!isScalar(was) || !was.range || value === null || typeof value === 'object') return false;
    const node = doc.createNode(value) as Scalar;
    node.type = was.type;
    const written = new Document(node).toString({ lineWidth: 0 }).replace(/\n$/, '');
    if (written.includes('\n')) return false;
    doc.setIn(path, node);
    this.scalars.push({ index, start: was.range[0], end: was.range[1], newText: written });
    return true;
  }

  /** The text with the scalars replaced and the touched documents written again (they hold their scalars' changes). */
  result(): string {
    const edits: { start: number; end: number; newText: string }[] = this.scalars.filter((e) => !this.touched.has(e.index));
    // Written as the file writes YAML: its indentation, its sequences' indentation, its flow collections' spacing.
    const style = detectStyle(this.text);
    const options = { lineWidth: 0, indent: style.indent, indentSeq: style.indentSeq, flowCollectionPadding: /[{[] [^\s\]}]/.test(this.text) };
    for (const i of this.touched) {
      const d = this.docs[i];
      const c = d.contents as Node;
      const [start, end] = [c.range![0], c.range![1]];
      d.commentBefore = null;
      d.comment = null;
      if (d.directives) d.directives.docStart = null;
      const written = d.toString(options).replace(/\n$/, '');
      const was = this.text.slice(start, end);
      edits.push({ start, end, newText: written + (was.endsWith('\n') && !written.endsWith('\n') ? '\n' : '') });
    }
    return applyEdits(this.text, edits);
  }
}

/**
 * The fixes of a finding traced from a render, as edits of the files that own what they change (a new
 * resource: appended to a resource file of its namespace that the view reads); none when a change cannot
 * be placed.
 */
export function tracedFixes(view: ViewAnalysis, finding: Finding, resources: (renderedUri: string) => readonly RenderedResource[] | undefined, sourceText: (uri: string) => string | undefined, otherViews: (uri: string) => string[]): Fix[] {
  const rendered = finding.data?.rendered as { uri: string; span: Span } | undefined;
  if (!rendered) return [];
  const file = view.analysis.files.find((f) => f.uri === rendered.uri);
  const res = resources(rendered.uri);
  if (!file || !res) return [];
  const original = view.analysis.findings.find((f) => f.uri === rendered.uri && f.ruleId === finding.ruleId && f.span.start === rendered.span.start && f.span.end === rendered.span.end);
  if (!original) return [];
  // The other views where the finding holds: the fix is meant for them too, so a file they share is no surprise to them.
  const also = ((finding.data?.views as string[] | undefined) ?? []).filter((n) => n !== view.name);
  const out: Fix[] = [];
  for (const fix of fixesFor(view.analysis, original)) {
    if (fix.edits.some((e) => e.uri !== rendered.uri && !e.create)) continue;
    const added = addedResources(file.documents.map((d) => d.value), fix.edits, file.text);
    if (added === undefined) continue;
    if (added.length > 0) {
      const placed = placeNewResources(added, res, sourceText, otherViews, view.analysis.config.defaultNamespace, also);
      if (placed) out.push(placed.shared.length > 0 ? { ...fix, title: `${fix.title} (in a file shared with ${placed.shared.join(', ')})`, safety: 'unsafe', edits: [placed.edit] } : { ...fix, edits: [placed.edit] });
      continue;
    }
    const after = parseAll(applyEdits(file.text, fix.edits));
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
        const value = getIn(next, p);
        if (exists && src.replaceScalar(at.index, at.path, value)) continue;
        src.touched.add(at.index);
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
      for (const v of otherViews(uri)) if (!also.includes(v)) shared.add(v);
    }
    if (shared.size > 0) out.push({ title: `${fix.title} (in a file shared with ${[...shared].sort().join(', ')})`, safety: 'unsafe', edits });
    else out.push({ ...fix, edits });
  }
  return out;
}

/**
 * The resources a fix adds to a rendered text (as a new document there, or in a new file), or [] when it
 * only changes existing ones; undefined when it does both (not placed).
 */
function addedResources(before: readonly unknown[], edits: readonly TextEdit[], text: string): Record<string, unknown>[] | undefined {
  const created = edits.filter((e) => e.create);
  const inPlace = edits.filter((e) => !e.create);
  const after = inPlace.length > 0 ? parseAll(applyEdits(text, inPlace)) : [...before];
  const k = after.length - before.length;
  if (k < 0) return undefined;
  // A new document is inserted in one place: the documents before and after it are as they were.
  let i = 0;
  while (i < before.length && JSON.stringify(before[i]) === JSON.stringify(after[i])) i++;
  const added = after.slice(i, i + k);
  if (!before.slice(i).every((v, j) => JSON.stringify(v) === JSON.stringify(after[i + k + j]))) {
    return k === 0 && created.length === 0 ? [] : undefined;
  }
  if (k > 0 && created.length === 0) return added as Record<string, unknown>[];
  if (created.length > 0 && k === 0) return created.flatMap((e) => parseAll(e.newText)) as Record<string, unknown>[];
  return k === 0 ? [] : undefined;
}

const isKustomization = (uri: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(basename(uri));

/** A resource file of a render: where new resources of a namespace belong in the view. */
export interface ResourceFile {
  uri: string;
  /** The other views that read it (a base they share). */
  shared: string[];
  /** The render's resources of the namespace get their namespace from a kustomization (not written in the file). */
  namespaced: boolean;
}

/**
 * The resource files of a render that hold a namespace's resources, where a new resource of that namespace
 * goes: files that the views in `also` read too first (a finding those views share is fixed in all of
 * them), then files fewer other views read, then those with most of the namespace's resources. Never a
 * kustomization (a generator's entry) or a file the render does not read as a resource.
 */
export function resourceFilesFor(resources: readonly RenderedResource[], namespace: string, otherViews: (uri: string) => string[], defaultNamespace: string, also: readonly string[] = []): ResourceFile[] {
  const byFile = new Map<string, { count: number; namespaced: boolean }>();
  for (const r of resources) {
    if ((r.namespace || defaultNamespace) !== namespace || isKustomization(r.source.uri)) continue;
    const hit = byFile.get(r.source.uri) ?? { count: 0, namespaced: true };
    hit.count++;
    if (r.originAt(['metadata', 'namespace']).value.uri === r.source.uri) hit.namespaced = false;
    byFile.set(r.source.uri, hit);
  }
  return [...byFile]
    .map(([uri, { count, namespaced }]) => {
      const shared = [...new Set(otherViews(uri))].sort();
      return { uri, count, namespaced, shared, missing: also.filter((v) => !shared.includes(v)).length };
    })
    .sort((a, b) => a.missing - b.missing || a.shared.length - b.shared.length || b.count - a.count || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0))
    .map(({ uri, shared, namespaced }) => ({ uri, shared, namespaced }));
}

/** Where a new resource of a namespace goes in a view (its Kustomize renders' resource files), with the views sharing each file. */
export function viewResourceFiles(view: ViewAnalysis, namespace: string, all: readonly ViewAnalysis[]): ResourceFile[] {
  const resources = [...view.renderedUris.values()].flatMap((r) => r.resources ?? []);
  const others = (uri: string) => all.filter((o) => o !== view && o.reads.has(uri)).map((o) => o.name);
  return resourceFilesFor(resources, namespace, others, view.analysis.config.defaultNamespace);
}

/** New resources of a render, appended to the resource file that holds their namespace's resources in the view. */
function placeNewResources(added: readonly Record<string, unknown>[], resources: readonly RenderedResource[], sourceText: (uri: string) => string | undefined, otherViews: (uri: string) => string[], defaultNamespace: string, also: readonly string[]): { edit: TextEdit; shared: string[] } | undefined {
  const namespaces = new Set(added.map((v) => String((v.metadata as { namespace?: unknown } | undefined)?.namespace ?? defaultNamespace)));
  if (namespaces.size !== 1) return undefined;
  const [target] = resourceFilesFor(resources, [...namespaces][0], otherViews, defaultNamespace, also);
  const text = target && sourceText(target.uri);
  if (!target || text === undefined) return undefined;
  const style = detectStyle(text);
  // Where the namespace comes from a kustomization, so does the new resource's.
  const written = added.map((v) => {
    if (!target.namespaced) return renderYaml(v, style);
    const metadata = { ...((v.metadata ?? {}) as Record<string, unknown>) };
    delete metadata.namespace;
    return renderYaml({ ...v, metadata }, style);
  });
  return { edit: insertDocumentAt(target.uri, text, text.length, written.join(`---${style.eol}`)), shared: target.shared.filter((v) => !also.includes(v)) };
}

function parseAll(text: string): unknown[] {
  // The rendered text is one document per resource, written by us: plain documents, split as written.
  return text.split(/^---\n/m).map((t) => parseDocument(t).toJS());
}

