/** Resources as symbols: a document's outline, and workloads and policies found by name across the workspace. */
import type { Analysis } from '../analyze';
import { nameSpan, spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import { isWorkloadResource } from '../model/workloads';
import type { Span } from '../types';
import { isPolicy } from './policies';

export type SymbolCategory = 'workload' | 'policy' | 'namespace' | 'service' | 'other';

export interface ResourceSymbol {
  uri: string;
  /** metadata.name (`<unnamed>` when missing). */
  name: string;
  /** `Deployment · shop`. */
  detail: string;
  kind: string;
  category: SymbolCategory;
  /** The whole object. */
  span: Span;
  /** Its name. */
  selection: Span;
  /** Items of a List. */
  children: ResourceSymbol[];
}

export function categoryOf(r: Resource): SymbolCategory {
  if (isWorkloadResource(r)) return 'workload';
  if (isPolicy(r)) return 'policy';
  if (r.kind === 'Namespace' && r.group === '') return 'namespace';
  if (r.kind === 'Service' && r.group === '') return 'service';
  return 'other';
}

/** Where the last scalar of a node ends (a block collection's own range runs on to the next line). */
function contentEnd(node: unknown): number | undefined {
  let n = node as { range?: [number, number, number]; items?: unknown[] } | null | undefined;
  while (n && Array.isArray(n.items) && n.items.length > 0) {
    const last = n.items[n.items.length - 1] as { value?: unknown; key?: unknown; range?: unknown };
    n = (last && 'key' in last ? (last.value ?? last.key) : last) as typeof n;
  }
  return n?.range?.[1];
}

/** The object's text, from its first key to its last value. */
export function objectSpan(r: Resource): Span {
  const node = r.path.length > 0 ? (r.doc.doc.getIn(r.path, true) as { range?: [number, number, number] } | undefined) : (r.doc.doc.contents as { range?: [number, number, number] } | null);
  if (!node?.range) return spanAt(r, []);
  return { start: node.range[0], end: contentEnd(node) ?? node.range[1] };
}

function toSymbol(r: Resource): ResourceSymbol {
  const span = objectSpan(r);
  const name = nameSpan(r);
  const selection = name.start >= span.start && name.end <= span.end ? name : { start: span.start, end: span.start };
  return {
    uri: r.uri,
    name: r.name || '<unnamed>',
    detail: r.namespace ? `${r.kind} · ${r.namespace}` : r.kind,
    kind: r.kind,
    category: categoryOf(r),
    span,
    selection,
    children: [],
  };
}

/** The outline of one file: its resources in order; a List's items under a symbol of the List. */
export function documentSymbols(a: { model: { resources: readonly Resource[] } }, uri: string): ResourceSymbol[] {
  const out: ResourceSymbol[] = [];
  const lists = new Map<unknown, ResourceSymbol>();
  for (const r of a.model.resources) {
    if (r.uri !== uri) continue;
    const s = toSymbol(r);
    if (r.path.length === 0) {
      out.push(s);
      continue;
    }
    let list = lists.get(r.doc);
    if (!list) {
      const span = r.doc.doc.contents?.range ? { start: r.doc.doc.contents.range[0], end: r.doc.doc.contents.range[1] } : r.doc.span;
      const value = r.doc.value as { kind?: unknown };
      list = { uri, name: String(value.kind ?? 'List'), detail: 'items', kind: 'List', category: 'other', span, selection: { start: span.start, end: span.start }, children: [] };
      lists.set(r.doc, list);
      out.push(list);
    }
    list.children.push(s);
  }
  return out.sort((x, y) => x.span.start - y.span.start);
}

/** Whether every character of the query appears in the name, in order (case-insensitive). */
function fuzzy(name: string, query: string): boolean {
  let i = 0;
  const n = name.toLowerCase();
  for (const c of query.toLowerCase()) {
    i = n.indexOf(c, i);
    if (i < 0) return false;
    i++;
  }
  return true;
}

/** Workloads and policies whose name (or `namespace/name`) matches a query; exact and prefix matches first. */
export function workspaceSymbols(a: Analysis, query: string, limit = 256): ResourceSymbol[] {
  const q = query.trim();
  const hits: { s: ResourceSymbol; rank: number }[] = [];
  for (const r of a.model.resources) {
    const cat = categoryOf(r);
    if (cat !== 'workload' && cat !== 'policy') continue;
    const full = r.namespace ? `${r.namespace}/${r.name}` : r.name;
    if (q && !fuzzy(r.name, q) && !fuzzy(full, q)) continue;
    const lower = r.name.toLowerCase();
    const rank = !q ? 3 : lower === q.toLowerCase() ? 0 : lower.startsWith(q.toLowerCase()) ? 1 : lower.includes(q.toLowerCase()) ? 2 : 3;
    hits.push({ s: toSymbol(r), rank });
  }
  hits.sort((x, y) => x.rank - y.rank || (x.s.name < y.s.name ? -1 : x.s.name > y.s.name ? 1 : 0) || (x.s.detail < y.s.detail ? -1 : 1));
  return hits.slice(0, limit).map((h) => h.s);
}
