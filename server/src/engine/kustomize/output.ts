import { Document } from 'yaml';
import type { RenderedResource } from './render';

/** The resources as one YAML stream, keys in order as `kubectl kustomize` prints them. */
export function toYamlStream(resources: readonly RenderedResource[]): string {
  return resources.map((r) => new Document(r.object, { sortMapEntries: true }).toString({ lineWidth: 0, indentSeq: false })).join('---\n');
}

/** The resources as a JSON array. */
export function toJsonArray(resources: readonly RenderedResource[]): string {
  return JSON.stringify(resources.map((r) => r.object), null, 2) + '\n';
}
