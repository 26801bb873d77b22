/**
 * The language features in a view: hover, definition and code lenses in the files a view only reads
 * through a render (a Kustomize base, a patch, a Helm template), answered from the view's render and mapped
 * back through the origins of its nodes; and in its plain files, with every place that points into a
 * render mapped back to the file that wrote it.
 */
import { isMap, isScalar, parseAllDocuments, type Node } from 'yaml';
import { completionsAt, definitionAt, documentSymbols, type CompletionCandidate, hoverAt, lensesOf, referencesAt, type Hover, type Lens, type Link, type Place, type ResourceSymbol, type Target } from '../lang';
import { buildModel } from '../model/model';
import type { ParsedFile } from '../parse/parse';
import type { Resource } from '../model/resources';
import type { Span } from '../types';
import type { ViewAnalysis } from './analyze-views';
import { pathAt } from './trace';

/** A place of the view's render that a source file's text wrote. */
interface RenderedPlace {
  uri: string;
  offset: number;
  /** The source span that wrote it. */
  source: Span;
}

/**
 * Where the text at an offset of a source file is in the view's render: the rendered keys and values it
 * wrote, the innermost writer only (a patch's value over the base's map). Several places when the view
 * renders the file more than once (a base included by two overlays of one view).
 */
function renderedPlaces(view: ViewAnalysis, uri: string, offset: number): RenderedPlace[] {
  const all: RenderedPlace[] = [];
  for (const [ru, r] of view.renderedUris) {
    const file = view.analysis.files.find((f) => f.uri === ru);
    if (!file) continue;
    for (const w of r.tracer.written(uri, offset, file)) {
      // The same text: the same character in the render; otherwise (a name given a prefix) its start.
      const same = w.rendered.end - w.rendered.start === w.source.end - w.source.start;
      all.push({ uri: ru, offset: same ? w.rendered.start + (offset - w.source.start) : w.rendered.start, source: w.source });
    }
  }
  const size = (p: RenderedPlace) => p.source.end - p.source.start;
  const least = Math.min(...all.map(size));
  return all.filter((p) => size(p) === least);
}

/**
 * A patch names its target (`kind`, `metadata.name`) without writing it: on those, the objects that the
 * patch's document changed in the view's render, at their names.
 */
function patchedObjects(view: ViewAnalysis, uri: string, offset: number, text: string | undefined): RenderedPlace[] {
  if (text === undefined) return [];
  const doc = parseAllDocuments(text).find((d) => {
    const r = (d.contents as Node | null)?.range;
    return !!r && offset >= r[0] && offset <= r[1];
  });
  const range = (doc?.contents as Node | null | undefined)?.range;
  if (!doc || !range) return [];
  const { path } = pathAt(doc, offset);
  const named = (path.length === 1 && path[0] === 'kind') || (path.length === 2 && path[0] === 'metadata' && path[1] === 'name');
  if (!named) return [];
  const out: RenderedPlace[] = [];
  for (const [ru, r] of view.renderedUris) {
    const file = view.analysis.files.find((f) => f.uri === ru);
    if (!file || !r.resources) continue;
    for (const d of file.documents) {
      const res = r.resources[d.index];
      if (!res || ![...res.origins().values()].some((o) => o.value.uri === uri && o.value.span.start >= range[0] && o.value.span.end <= range[1])) continue;
      const root = d.doc.contents;
      const name = isMap(root) ? root.getIn(['metadata', 'name'], true) : undefined;
      if (isScalar(name) && name.range) out.push({ uri: ru, offset: name.range[0], source: { start: offset, end: offset } });
    }
  }
  return out;
}

/** The places a feature asks about: the offset itself in a plain file of the view, else where the render has it. */
function placesOf(view: ViewAnalysis, uri: string, offset: number, text?: string): RenderedPlace[] {
  if (view.analysis.files.some((f) => f.uri === uri) && !view.renderedUris.has(uri)) return [{ uri, offset, source: { start: offset, end: offset } }];
  const written = renderedPlaces(view, uri, offset);
  return written.length > 0 ? written : patchedObjects(view, uri, offset, text);
}

const traced = (view: ViewAnalysis, p: Place): Place => view.trace(p.uri, p.span);

/** The hover at an offset of a file of the view; links and range at the files that wrote them. */
export function viewHoverAt(view: ViewAnalysis, uri: string, offset: number, link: Link, text?: string): Hover | undefined {
  const through: Link = (u, s) => {
    const p = view.trace(u, s);
    return link(p.uri, p.span);
  };
  const shown: string[] = [];
  let span: Span | undefined;
  for (const p of placesOf(view, uri, offset, text)) {
    const h = hoverAt(view.analysis, p.uri, p.offset, through);
    if (!h || shown.includes(h.markdown)) continue;
    shown.push(h.markdown);
    const at = traced(view, { uri: p.uri, span: h.span });
    span ??= at.uri === uri ? at.span : wordAt(text, p.source);
  }
  return span ? { markdown: shown.join('\n\n---\n\n'), span } : undefined;
}

/** A source span as a hover's range: the word at it when it is empty (a patch's name, which wrote nothing). */
function wordAt(text: string | undefined, s: Span): Span {
  if (s.end > s.start || text === undefined) return s;
  let [start, end] = [s.start, s.end];
  while (start > 0 && /[\w.-]/.test(text[start - 1])) start--;
  while (end < text.length && /[\w.-]/.test(text[end])) end++;
  return { start, end };
}

/** Definitions from an offset of a file of the view (a selector to what it selects), at their sources. */
export function viewDefinitionAt(view: ViewAnalysis, uri: string, offset: number): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const p of placesOf(view, uri, offset)) {
    for (const t of definitionAt(view.analysis, p.uri, p.offset)) {
      const at = traced(view, t);
      const selection = traced(view, { uri: t.uri, span: t.selection });
      const key = `${at.uri}\u0000${selection.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ uri: at.uri, span: at.uri === selection.uri ? at.span : selection.span, selection: selection.span });
    }
  }
  return out;
}

/** The lenses of a file of the view: on each workload and policy the view renders from it, once per place. */
export function viewLensesOf(view: ViewAnalysis, uri: string): Lens[] {
  const sources = view.renderedUris.has(uri) ? [] : view.analysis.files.some((f) => f.uri === uri) ? [uri] : [...view.renderedUris.keys()];
  const out: Lens[] = [];
  const seen = new Set<string>();
  for (const ru of sources) {
    for (const l of lensesOf(view.analysis, ru)) {
      const at = traced(view, { uri: ru, span: l.span });
      if (at.uri !== uri) continue;
      const key = `${at.span.start}\u0000${l.title}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const action: Lens['action'] = l.action.kind === 'places' ? { kind: 'places', at: traced(view, l.action.at), places: l.action.places.map((x) => traced(view, x)) } : l.action;
      out.push({ ...l, span: { start: at.span.start, end: at.span.start }, action });
    }
  }
  return out;
}

/** References from a workload's name in a file of the view to the policies that select it, at their sources. */
export function viewReferencesAt(view: ViewAnalysis, uri: string, offset: number, includeDeclaration: boolean, text?: string): Place[] {
  const out: Place[] = [];
  const seen = new Set<string>();
  for (const p of placesOf(view, uri, offset, text)) {
    for (const r of referencesAt(view.analysis, p.uri, p.offset, includeDeclaration)) {
      const at = traced(view, r);
      const key = `${at.uri}\u0000${at.span.start}`;
      if (!seen.has(key)) out.push(at);
      seen.add(key);
    }
  }
  return out;
}

/** A file's own resources, as written: those of the view's analysis for a plain file, else the file's alone. */
function ownResources(view: ViewAnalysis, file: ParsedFile): readonly Resource[] {
  if (view.analysis.files.some((f) => f.uri === file.uri)) return [...(view.analysis.model.resourcesByFile.get(file.uri) ?? [])];
  return buildModel([file], view.analysis.config).resources;
}

/** The outline of a file of the view: its own resources (a base or a patch is outlined as it is written). */
export function viewDocumentSymbols(view: ViewAnalysis, file: ParsedFile): ResourceSymbol[] {
  return documentSymbols({ model: { resources: ownResources(view, file) } }, file.uri);
}

/** Completion in a file of the view: the file's own text, with the label keys, values and namespaces of the view. */
export function viewCompletionsAt(view: ViewAnalysis, file: ParsedFile, offset: number): CompletionCandidate[] {
  return completionsAt(view.analysis, file, offset, ownResources(view, file));
}
