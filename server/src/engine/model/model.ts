import type { EngineConfig } from '../config';
import type { ParsedDocument, ParsedFile } from '../parse/parse';
import { isNetworkPolicy, readNetworkPolicy, type NetworkPolicy } from '../policy/networkpolicy';
import { isAdminPolicy } from '../policy/admin';
import { documentResources, type Resource } from './resources';
import { workloadsOf, type Workload } from './workloads';
import { buildMesh, type Mesh } from '../mesh/mesh';

export interface Namespace {
  name: string;
  labels: Record<string, string>;
  /** The Namespace object, when the workspace declares it. */
  resource?: Resource;
}

/** Everything the rules and the reachability read. Plain data, rebuilt from parsed files. */
export interface Model {
  resources: Resource[];
  workloads: Workload[];
  namespaces: Map<string, Namespace>;
  networkPolicies: NetworkPolicy[];
  /** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy objects. */
  adminPolicies: Resource[];
  /** Istio and the Gateway API: routes, gateways, sidecars, and the gateway pods they imply. */
  mesh: Mesh;
}

// Unchanged documents keep their resources, and unchanged resources their derived objects, between analyses:
// identity tells later stages (rules, reachability) what they may reuse.
const resourceCache = new WeakMap<ParsedDocument, { uri: string; defaultNamespace: string; resources: Resource[] }>();
const netpolCache = new WeakMap<Resource, NetworkPolicy>();

function fileResources(f: ParsedFile, defaultNamespace: string): Resource[] {
  const out: Resource[] = [];
  for (const d of f.documents) {
    let hit = resourceCache.get(d);
    if (!hit || hit.defaultNamespace !== defaultNamespace || hit.uri !== f.uri) resourceCache.set(d, (hit = { uri: f.uri, defaultNamespace, resources: documentResources(f.uri, d, defaultNamespace) }));
    for (const r of hit.resources) out.push(r);
  }
  return out;
}

/** The NetworkPolicy read from a resource, once per resource object. */
export function networkPolicyOf(r: Resource): NetworkPolicy {
  let np = netpolCache.get(r);
  if (!np) netpolCache.set(r, (np = readNetworkPolicy(r)));
  return np;
}

/** Build the model of parsed files (unchanged files reuse their resources). */
export function buildModel(files: readonly ParsedFile[], config: EngineConfig): Model {
  const resources: Resource[] = [];
  for (const f of files) for (const r of fileResources(f, config.defaultNamespace)) resources.push(r);
  const workloads = workloadsOf(resources);
  const networkPolicies = resources.filter(isNetworkPolicy).map(networkPolicyOf);
  const adminPolicies = resources.filter(isAdminPolicy);
  const namespaces = new Map<string, Namespace>();
  for (const r of resources) {
    if (r.kind === 'Namespace' && r.group === '' && r.name) {
      namespaces.set(r.name, {
        name: r.name,
        // The API server adds this label; a different value written by hand is kept as written.
        labels: { 'kubernetes.io/metadata.name': r.name, ...r.labels },
        resource: r,
      });
    }
  }
  // A namespace that is used but not declared carries only the label the API server adds.
  for (const r of resources) {
    if (r.namespace && !namespaces.has(r.namespace)) {
      namespaces.set(r.namespace, { name: r.namespace, labels: { 'kubernetes.io/metadata.name': r.namespace } });
    }
  }
  const mesh = buildMesh(resources, workloads, namespaces, config);
  return { resources, workloads, namespaces, networkPolicies, adminPolicies, mesh };
}
