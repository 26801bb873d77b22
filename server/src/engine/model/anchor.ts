import { keySpan, valueSpan, type YamlPath } from '../parse/locate';
import type { Span } from '../types';
import type { Resource } from './resources';

/** The span of a value inside a resource (falls back to the nearest existing ancestor). */
export function spanAt(r: Resource, path: YamlPath, atKey = false): Span {
  const full = [...r.path, ...path];
  const s = atKey ? keySpan(r.doc.doc, full) : valueSpan(r.doc.doc, full);
  return s ?? { start: r.doc.span.start, end: r.doc.span.start };
}

/** Where object-level findings go: the value of `metadata.name`. */
export function nameSpan(r: Resource): Span {
  return spanAt(r, ['metadata', 'name']);
}

/** `deployment/api`, as kubectl names an object. */
export function objectName(r: { kind: string; name: string }): string {
  return `${r.kind.toLowerCase()}/${r.name}`;
}
