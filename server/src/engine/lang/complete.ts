/**
 * Completion inside policies, only where the workspace knows better than a schema: label keys and values
 * in selectors (pod labels for pod selectors, namespace labels for namespace selectors), namespace names,
 * and the named ports of a rule's destinations. Schema keys are never offered (a YAML schema extension
 * does that).
 */
import type { Analysis } from '../analyze';
import type { Namespace } from '../model/model';
import { isRecord, type Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { YamlPath } from '../parse/locate';
import type { ParsedFile } from '../parse/parse';
import type { Span } from '../types';
import { cursorAt, type Cursor } from './cursor';
import { isPolicy, policyView, ruleAt } from './policies';
import { selectorAt } from './selectors';

export type CandidateKind = 'labelKey' | 'labelValue' | 'namespace' | 'port';

export interface CompletionCandidate {
  label: string;
  kind: CandidateKind;
  /** One line: where it comes from. */
  detail: string;
  insertText: string;
  /** The text the candidate replaces. */
  replace: Span;
  /** In-scope candidates sort first. */
  sortText: string;
}

const NAMESPACE_SELECTOR_KEYS = new Set(['namespaceSelector', 'namespaces']);
const POD_SELECTOR_KEYS = new Set(['podSelector', 'endpointSelector']);
const ENDPOINT_LISTS = new Set(['toEndpoints', 'fromEndpoints']);
const CILIUM_NAMESPACE_KEY = /^(k8s:|any:)?io\.kubernetes\.pod\.namespace$/;
const NAMESPACE_NAME_KEY = 'kubernetes.io/metadata.name';

/** YAML that would read a label value as something other than a string gets quotes. */
function scalarText(v: string): string {
  return /^([-+.0-9]|true$|false$|yes$|no$|on$|off$|null$|~$|$)/i.test(v) || /[:#{}[\],&*!|>'"%@`]/.test(v) ? JSON.stringify(v) : v;
}

function valueAt(obj: unknown, path: YamlPath): unknown {
  let v = obj;
  for (const seg of path) v = Array.isArray(v) && typeof seg === 'number' ? v[seg] : isRecord(v) ? v[String(seg)] : undefined;
  return v;
}

interface LabelSource {
  /** label key -> value -> how many carry it, and how many of them are in scope. */
  labels: Map<string, Map<string, { count: number; inScope: number }>>;
  noun: 'workload' | 'namespace';
}

function collect(items: { labels: Record<string, string>; inScope: boolean }[], noun: LabelSource['noun']): LabelSource {
  const labels = new Map<string, Map<string, { count: number; inScope: number }>>();
  for (const it of items) {
    for (const [k, v] of Object.entries(it.labels)) {
      let vs = labels.get(k);
      if (!vs) labels.set(k, (vs = new Map()));
      const c = vs.get(v) ?? { count: 0, inScope: 0 };
      c.count++;
      if (it.inScope) c.inScope++;
      vs.set(v, c);
    }
  }
  return { labels, noun };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function keyCandidates(src: LabelSource, cursor: Cursor, withColon: boolean): CompletionCandidate[] {
  const out: CompletionCandidate[] = [];
  for (const [key, values] of src.labels) {
    let count = 0;
    let inScope = 0;
    for (const c of values.values()) {
      count += c.count;
      inScope += c.inScope;
    }
    const shown = [...values.keys()].slice(0, 4).join(', ');
    out.push({
      label: key,
      kind: 'labelKey',
      detail: `label of ${plural(count, src.noun)}: ${shown}${values.size > 4 ? ', …' : ''}`,
      insertText: withColon ? `${key}: ` : key,
      replace: cursor.word.span,
      sortText: `${inScope > 0 ? 0 : 1}${key}`,
    });
  }
  return out;
}

function valueCandidates(src: LabelSource, key: string, cursor: Cursor): CompletionCandidate[] {
  const out: CompletionCandidate[] = [];
  for (const [value, c] of src.labels.get(key) ?? []) {
    out.push({
      label: value,
      kind: src.noun === 'namespace' && key === NAMESPACE_NAME_KEY ? 'namespace' : 'labelValue',
      detail: `${key}=${value} on ${plural(c.count, src.noun)}`,
      insertText: scalarText(value),
      replace: cursor.word.span,
      sortText: `${c.inScope > 0 ? 0 : 1}${value}`,
    });
  }
  return out;
}

function namespaceCandidates(a: Analysis, cursor: Cursor): CompletionCandidate[] {
  return [...a.model.namespaces.values()].map((ns: Namespace) => {
    const workloads = a.model.workloads.filter((w) => w.namespace === ns.name).length;
    return {
      label: ns.name,
      kind: 'namespace' as const,
      detail: `namespace${ns.resource ? '' : ' (not declared)'} with ${plural(workloads, 'workload')}`,
      insertText: scalarText(ns.name),
      replace: cursor.word.span,
      sortText: `${ns.resource ? 0 : 1}${ns.name}`,
    };
  });
}

/** Named container ports of some workloads, one candidate per name and protocol. */
function portCandidates(workloads: readonly Workload[], protocol: string | undefined, cursor: Cursor): CompletionCandidate[] {
  const byName = new Map<string, { protocol: string; port: number; on: string[] }>();
  for (const w of workloads) {
    for (const p of w.ports) {
      if (!p.name || (protocol && p.protocol !== protocol)) continue;
      const key = `${p.name}/${p.protocol}`;
      const have = byName.get(key);
      if (have) {
        if (!have.on.includes(w.id)) have.on.push(w.id);
      } else byName.set(key, { protocol: p.protocol, port: p.port, on: [w.id] });
    }
  }
  return [...byName.entries()].map(([key, p]) => {
    const name = key.slice(0, key.lastIndexOf('/'));
    return {
      label: name,
      kind: 'port' as const,
      detail: `${p.protocol} ${p.port} on ${p.on.slice(0, 3).join(', ')}${p.on.length > 3 ? `, +${p.on.length - 3}` : ''}`,
      insertText: scalarText(name),
      replace: cursor.word.span,
      sortText: `0${name}`,
    };
  });
}

/** Where the labels come from for the selector a path is in, and the path after the selector. */
function selectorContext(a: Analysis, r: Resource, path: YamlPath): { source: LabelSource; rest: YamlPath } | undefined {
  let at = -1;
  let namespaces = false;
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = String(path[i]);
    if (NAMESPACE_SELECTOR_KEYS.has(seg) || POD_SELECTOR_KEYS.has(seg)) {
      at = i + 1;
      namespaces = NAMESPACE_SELECTOR_KEYS.has(seg);
      break;
    }
    if (ENDPOINT_LISTS.has(seg) && typeof path[i + 1] === 'number') {
      at = i + 2;
      break;
    }
  }
  if (at < 0 || at > path.length) return undefined;
  const reach = a.reach;
  if (namespaces) {
    return { source: collect([...reach.index.namespaces.values()].map((ns) => ({ labels: ns.labels, inScope: true })), 'namespace'), rest: path.slice(at) };
  }
  const m = selectorAt(reach, r, path);
  const scope = new Set(m?.kind === 'pods' && m.namespaces.length > 0 ? m.namespaces.map((n) => n.name) : [r.namespace]);
  return { source: collect(reach.index.workloads.map((w) => ({ labels: w.labels, inScope: scope.has(w.namespace) })), 'workload'), rest: path.slice(at) };
}

function selectorCompletions(a: Analysis, cursor: Cursor): CompletionCandidate[] | undefined {
  const r = cursor.resource;
  const ctx = selectorContext(a, r, cursor.path);
  if (!ctx) return undefined;
  const { source, rest } = ctx;
  if (rest[0] === 'matchLabels') {
    if (rest.length === 1 && cursor.role === 'newKey') return keyCandidates(source, cursor, true);
    if (rest.length === 2 && typeof rest[1] === 'string') {
      if (cursor.role === 'key') return keyCandidates(source, cursor, false);
      if (CILIUM_NAMESPACE_KEY.test(rest[1])) return namespaceCandidates(a, cursor);
      return valueCandidates(source, rest[1], cursor);
    }
    return undefined;
  }
  if (rest[0] === 'matchExpressions' && typeof rest[1] === 'number' && cursor.role === 'value') {
    if (rest[2] === 'key' && rest.length === 3) return keyCandidates(source, cursor, false);
    if (rest[2] === 'values') {
      const key = valueAt(r.obj, [...cursor.path.slice(0, cursor.path.length - rest.length), 'matchExpressions', rest[1], 'key']);
      return typeof key === 'string' ? valueCandidates(source, key, cursor) : undefined;
    }
  }
  return undefined;
}

function portCompletions(a: Analysis, cursor: Cursor): CompletionCandidate[] | undefined {
  const r = cursor.resource;
  const p = cursor.path;
  if (cursor.role !== 'value' || !isPolicy(r)) return undefined;
  const last = p[p.length - 1];
  if (last !== 'port' && last !== 'namedPort' && last !== 'destinationNamedPort') return undefined;
  if (/^\d+$/.test(cursor.word.text)) return undefined;
  const view = policyView(a.reach, r);
  if (!view) return undefined;
  const rule = ruleAt(view, p);
  if (!rule) return undefined;
  const destinations = rule.direction === 'ingress' ? view.subjects : rule.any ? a.reach.index.workloads : rule.workloads;
  const entry = valueAt(r.obj, p.slice(0, -1));
  const protocol = isRecord(entry) && typeof entry.protocol === 'string' && entry.protocol.toUpperCase() !== 'ANY' ? entry.protocol.toUpperCase() : undefined;
  return portCandidates(destinations, protocol, cursor);
}

/** A value typed right after `key:` gets the space YAML wants. */
function spaced(file: ParsedFile, cursor: Cursor, out: CompletionCandidate[]): CompletionCandidate[] {
  if (cursor.role === 'value' && file.text[cursor.word.span.start - 1] === ':') for (const c of out) c.insertText = ` ${c.insertText}`;
  return out;
}

/**
 * The candidates at an offset of a file of the analysis (empty where we have nothing better to offer); of a
 * file the analysis only holds rendered (a Kustomize base), with the file's own resources given.
 */
export function completionsAt(a: Analysis, file: ParsedFile, offset: number, resources: readonly Resource[] = a.model.resourcesByFile.get(file.uri) ?? []): CompletionCandidate[] {
  const cursor = cursorAt(file, resources, offset);
  if (!cursor) return [];
  const r = cursor.resource;
  if (cursor.role === 'value' && cursor.path.length === 2 && cursor.path[0] === 'metadata' && cursor.path[1] === 'namespace') return spaced(file, cursor, namespaceCandidates(a, cursor));
  if (!isPolicy(r)) return [];
  return spaced(file, cursor, selectorCompletions(a, cursor) ?? portCompletions(a, cursor) ?? []);
}
