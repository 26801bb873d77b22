import { keySpan, valueSpan, type YamlPath } from '../parse/locate';
import type { Span } from '../types';
import type { Resource } from './resources';

/** The span of a value inside a resource (falls back to the nearest existing ancestor). */
export function spanAt(r: Resource, path: YamlPath, atKey = false): Span {
  const full = [...r.path, ...path];
  const s = atKey ? keySpan(r.doc.doc, full) : valueSpan(r.doc.doc, full);
  return s ?? { start: r.doc.span.start, end: r.doc.span.start };
}

/** Per resource, where its name was found and where its document began then (a moved document shifts it). */
const names = new WeakMap<Resource, { docStart: number; span: Span }>();

/** Where object-level findings go: the value of `metadata.name` (found once per resource). */
export function nameSpan(r: Resource): Span {
  const docStart = r.doc.span.start;
  let hit = names.get(r);
  if (!hit) names.set(r, (hit = { docStart, span: spanAt(r, ['metadata', 'name']) }));
  const delta = docStart - hit.docStart;
  return { start: hit.span.start + delta, end: hit.span.end + delta };
}

/** `deployment/api`, as kubectl names an object. */
export function objectName(r: { kind: string; name: string }): string {
  return `${r.kind.toLowerCase()}/${r.name}`;
}
