/**
 * The language features of the server, as pure functions of an analysis and a place in a file: hover,
 * code lenses, definition, references, symbols and completion. The server only converts offsets to
 * positions and wraps the results in protocol types.
 */
import type { Analysis } from '../analyze';
import { nameSpan, spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { Span } from '../types';
import { cursorAt, type Cursor } from './cursor';
import { policyHover, policyLensTitle, selectorHover, workloadHover, workloadLensTitle, type Link } from './describe';
import { isPolicy, policiesSelecting, policyView } from './policies';
import { selectorAt } from './selectors';
import { countUnrestricted } from '../reach/unrestricted';
import { objectSpan } from './symbols';
import { hostPathHover, meshDefinition } from '../mesh/navigate';

export { completionsAt, type CompletionCandidate, type CandidateKind } from './complete';
export { documentSymbols, workspaceSymbols, type ResourceSymbol, type SymbolCategory } from './symbols';
export { egressSummary, type EgressSummary, type Destination } from './egress';
export { policyView, policiesSelecting, isPolicy, type PolicyView, type RuleView } from './policies';
export { selectorAt, type SelectorMatch } from './selectors';
export { cursorAt, type Cursor } from './cursor';
export { addressLabels } from './addresses';
export type { Link } from './describe';

export interface Place {
  uri: string;
  span: Span;
}

/** A definition target: the whole object, and its name to select. */
export interface Target extends Place {
  selection: Span;
}

const workloadsByResource = new WeakMap<Analysis, Map<Resource, Workload>>();

/** The workload a resource defines (a workload object, or a Pod grouped under its owner). */
export function workloadOf(a: Analysis, r: Resource): Workload | undefined {
  let m = workloadsByResource.get(a);
  if (!m) {
    m = new Map();
    for (const w of a.model.workloads) for (const x of w.resources) m.set(x, w);
    workloadsByResource.set(a, m);
  }
  return m.get(r);
}

function cursorIn(a: Analysis, uri: string, offset: number): Cursor | undefined {
  const file = a.files.find((f) => f.uri === uri);
  if (!file) return undefined;
  return cursorAt(file, a.model.resourcesByFile.get(uri) ?? [], offset);
}

/** On the object itself: its `kind` value, or its `metadata.name`. */
function onObject(c: Cursor): boolean {
  const p = c.path;
  return (p.length === 1 && p[0] === 'kind' && c.role === 'value') || (p.length === 2 && p[0] === 'metadata' && p[1] === 'name');
}

function objectTarget(r: Resource): Target {
  return { uri: r.uri, span: objectSpan(r), selection: nameSpan(r) };
}

export interface Hover {
  markdown: string;
  span: Span;
}

/** The hover at an offset: a workload's egress, a policy's effect, or what a selector matches. */
export function hoverAt(a: Analysis, uri: string, offset: number, link: Link): Hover | undefined {
  const c = cursorIn(a, uri, offset);
  if (!c || c.word.span.end <= c.word.span.start) return undefined;
  const r = c.resource;
  const span = c.role === 'key' ? spanAt(r, c.path, true) : c.word.span;
  if (onObject(c)) {
    const w = workloadOf(a, r);
    if (w) return { markdown: workloadHover(a.reach, w, link), span };
    const view = policyView(a.reach, r);
    if (view) return { markdown: policyHover(view, link), span };
    return undefined;
  }
  // On a VirtualService host: the egress path through the mesh.
  const path = c.role === 'value' ? hostPathHover(a.mesh, a.reach, r, c.path, link) : undefined;
  if (path) return { markdown: path, span };
  const m = selectorAt(a.reach, r, c.path);
  return m ? { markdown: selectorHover(m, link), span } : undefined;
}

/** From a selector to the workloads (or namespaces) it matches. */
export function definitionAt(a: Analysis, uri: string, offset: number): Target[] {
  const c = cursorIn(a, uri, offset);
  if (!c) return [];
  // Istio and Gateway API references: gateways:, subset:, destination hosts, parentRefs, backendRefs.
  const mesh = meshDefinition(a.mesh, c.resource, c.path);
  if (mesh.length > 0) return mesh;
  const m = selectorAt(a.reach, c.resource, c.path);
  if (!m) return [];
  const targets: Target[] = [];
  if (m.kind === 'namespaces') {
    for (const ns of m.namespaces) if (ns.resource) targets.push(objectTarget(ns.resource));
    return targets;
  }
  for (const w of m.workloads) for (const r of w.resources) targets.push(objectTarget(r));
  return targets;
}

/** From a workload (its kind or name) to the policies that select it; with the workload itself when asked. */
export function referencesAt(a: Analysis, uri: string, offset: number, includeDeclaration: boolean): Place[] {
  const c = cursorIn(a, uri, offset);
  if (!c || !onObject(c)) return [];
  const w = workloadOf(a, c.resource);
  if (!w) return [];
  const out: Place[] = includeDeclaration ? w.resources.map((r) => ({ uri: r.uri, span: nameSpan(r) })) : [];
  for (const v of policiesSelecting(a.reach, w)) out.push({ uri: v.resource.uri, span: nameSpan(v.resource) });
  return out;
}

export interface Lens {
  /** Where it goes: the object's first line. */
  span: Span;
  title: string;
  /** What clicking does: the panel on a workload, or a peek list of places. */
  action: { kind: 'reachability'; workload: string } | { kind: 'places'; at: Place; places: Place[] };
}

/** A lens above every workload and every policy of a file. */
export function lensesOf(a: Analysis, uri: string): Lens[] {
  const out: Lens[] = [];
  for (const r of a.model.resourcesByFile.get(uri) ?? []) {
    const at = objectTarget(r).span;
    const w = workloadOf(a, r);
    if (w) {
      out.push({ span: { start: at.start, end: at.start }, title: workloadLensTitle(a.reach, w), action: { kind: 'reachability', workload: w.id } });
      continue;
    }
    const view = policyView(a.reach, r);
    if (!view) continue;
    const places = view.subjects.flatMap((s) => s.resources.map((x) => ({ uri: x.uri, span: nameSpan(x) })));
    out.push({ span: { start: at.start, end: at.start }, title: policyLensTitle(view), action: { kind: 'places', at: { uri: r.uri, span: nameSpan(r) }, places } });
  }
  return out;
}

/** Counts for a status display. */
export function workspaceStatus(a: Analysis): { workloads: number; unrestricted: number; policies: number } {
  const unrestricted = countUnrestricted(a.reach, a.model.workloads);
  let policies = 0;
  for (const r of a.model.definitions) if (isPolicy(r)) policies++;
  return { workloads: a.model.workloads.length, unrestricted, policies };
}
