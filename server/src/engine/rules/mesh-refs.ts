/** Shared helpers for the Istio and Gateway API rules: naming resources and pointing at them. */
import { nameSpan, spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import type { YamlPath } from '../parse/locate';
import type { RelatedInfo } from '../types';

export function kindName(r: Resource): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** Related information pointing at a resource (its name, or a value inside it). */
export function relatedTo(r: Resource, message: string, path?: YamlPath): RelatedInfo {
  return { uri: r.uri, span: path ? spanAt(r, path) : nameSpan(r), message };
}
