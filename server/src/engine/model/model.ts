import type { EngineConfig } from '../config';
import type { ParsedDocument, ParsedFile } from '../parse/parse';
import { isNetworkPolicy, readNetworkPolicy, type NetworkPolicy } from './networkpolicy';
import { isAdminPolicy } from './admin';
import { documentResources, GATEWAY_API, ISTIO_NETWORKING, ISTIO_SECURITY, type Resource } from './resources';
import { isWorkloadResource, workloadsOf, type Workload } from './workloads';
import { perObject, sameList } from '../memo';
import type { Namespace } from './resources';

export type { Namespace };

/** Everything the rules and the reachability read. Plain data, rebuilt from parsed files. */
export interface Model {
  resources: Resource[];
  /** The resources of each file, by URI: the same array while the file is unchanged. */
  resourcesByFile: ReadonlyMap<string, readonly Resource[]>;
  workloads: Workload[];
  namespaces: Map<string, Namespace>;
  networkPolicies: NetworkPolicy[];
  /** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy objects. */
  adminPolicies: Resource[];
  /**
   * What the mesh reads (Istio, the Gateway API, Services, ConfigMaps), definitions only: the analysis builds
   * its `Mesh` of these (`mesh/mesh.ts`).
   */
  meshResources: Resource[];
  /**
   * What the policy families beyond NetworkPolicy read (their policies, tiers, groups, network sets, and
   * Services), definitions only, in model order: `policy/compile.ts` reads these, not every definition.
   */
  policySources: Resource[];
  /**
   * The resources that take effect: every resource but the repeated definitions of one (group, kind,
   * namespace, name). Of a resource defined twice the first definition (in URI order, then document order)
   * is analysed; everything derived above (workloads, policies, namespaces, the mesh's resources) is built from these.
   */
  definitions: Resource[];
  /** Each definition beyond the first of the same resource, with the first one (EL007). */
  duplicates: Duplicate[];
  /**
   * The model merged per namespace: the definitions, workloads and NetworkPolicies of each namespace (every
   * namespace of `namespaces` has one, declared or used; cluster-scoped definitions are under ''). A
   * namespace none of whose definitions changed keeps the previous model's object, so that what was
   * derived from it (a namespace-scoped rule's findings) can be kept.
   */
  namespaced: ReadonlyMap<string, NamespaceSlice>;
  /** The definitions of each identity, handed to the next model (which brings it up to date with its files). */
  identities: IdentityIndex;
}

/** One namespace's part of the model. */
export interface NamespaceSlice {
  name: string;
  /** Its definitions, in model order. */
  resources: readonly Resource[];
  /** Its workloads, in model order. */
  workloads: readonly Workload[];
  networkPolicies: readonly NetworkPolicy[];
}

export interface Duplicate {
  resource: Resource;
  first: Resource;
}

/** API groups that store the same objects under another name: one identity for both. */
const SAME_GROUP: Record<string, string> = { 'crd.projectcalico.org': 'projectcalico.org' };
/** Kinds that moved out of `extensions` (the same objects, read through the newer group). */
const EXTENSIONS_KIND: Record<string, string> = { NetworkPolicy: 'networking.k8s.io', Deployment: 'apps', DaemonSet: 'apps', ReplicaSet: 'apps', Ingress: 'networking.k8s.io' };

/**
 * What makes two definitions the same object in a cluster: group, kind, namespace and name (not the version).
 * Kept per resource object: an unchanged document keeps its objects, so an edit computes only its own.
 */
export const identityOf: (r: Resource) => string | undefined = perObject(identityOfResource);

function identityOfResource(r: Resource): string | undefined {
  if (!r.name || r.group === 'kustomize.config.k8s.io' || r.group === 'config.kubernetes.io') return undefined;
  const group = r.group === 'extensions' ? (EXTENSIONS_KIND[r.kind] ?? r.group) : (SAME_GROUP[r.group] ?? r.group);
  return `${group}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}`;
}

/**
 * The definitions of each identity, kept from one analysis to the next: files whose resources are the same
 * array as before are not read again, so an edit costs the edited file's resources (a workspace alternating
 * between cluster views rebuilds it).
 */
export interface IdentityIndex {
  files: Map<string, readonly Resource[]>;
  byId: Map<string, Resource[]>;
  /** Identities with more than one definition. */
  repeated: Set<string>;
}

/**
 * The index brought up to date with `files`: `previous` (the last model's) is updated in place, which is safe
 * because whoever uses it next brings it up to date with their own files first.
 */
function identityIndex(files: ReadonlyMap<string, readonly Resource[]>, previous?: IdentityIndex): IdentityIndex {
  const ix = previous ?? { files: new Map(), byId: new Map(), repeated: new Set() };
  const remove = (list: readonly Resource[]) => {
    for (const r of list) {
      const id = identityOf(r);
      const defs = id === undefined ? undefined : ix.byId.get(id);
      if (!defs) continue;
      const i = defs.indexOf(r);
      if (i >= 0) defs.splice(i, 1);
      if (defs.length === 0) ix.byId.delete(id!);
      if (defs.length < 2) ix.repeated.delete(id!);
    }
  };
  for (const [uri, list] of ix.files) {
    if (files.get(uri) === list) continue;
    remove(list);
    ix.files.delete(uri);
  }
  for (const [uri, list] of files) {
    if (ix.files.get(uri) === list) continue;
    for (const r of list) {
      const id = identityOf(r);
      if (id === undefined) continue;
      const defs = ix.byId.get(id);
      if (!defs) ix.byId.set(id, [r]);
      else {
        defs.push(r);
        ix.repeated.add(id);
      }
    }
    ix.files.set(uri, list);
  }
  return ix;
}

/** The definitions beyond the first of each resource (first: in URI order, then document order). */
function findDuplicates(ix: IdentityIndex, files: ReadonlyMap<string, readonly Resource[]>, order: readonly string[]): Duplicate[] {
  if (ix.repeated.size === 0) return [];
  const rank = new Map(order.map((uri, i) => [uri, i]));
  const position = (r: Resource) => [rank.get(r.uri) ?? 0, files.get(r.uri)?.indexOf(r) ?? 0];
  const out: Duplicate[] = [];
  for (const id of ix.repeated) {
    const defs = [...ix.byId.get(id)!].sort((a, b) => {
      const [fa, ia] = position(a);
      const [fb, ib] = position(b);
      return fa - fb || ia - ib;
    });
    for (const r of defs.slice(1)) out.push({ resource: r, first: defs[0] });
  }
  return out.sort((a, b) => {
    const [fa, ia] = position(a.resource);
    const [fb, ib] = position(b.resource);
    return fa - fb || ia - ib;
  });
}

// Unchanged documents keep their resources, and unchanged resources their derived objects, between analyses:
// identity tells later stages (rules, reachability) what they may reuse.
const resourceCache = new WeakMap<ParsedDocument, { uri: string; defaultNamespace: string; resources: Resource[] }>();

/** What one file adds to the model, sorted by what reads it: kept while the file's resources are the same. */
interface FileParts {
  defaultNamespace: string;
  resources: Resource[];
  workloads: Resource[];
  networkPolicies: NetworkPolicy[];
  adminPolicies: Resource[];
  namespaces: Resource[];
  /** Namespaces its resources are in. */
  used: Set<string>;
  /** What the mesh reads: Istio, Gateway API, Services, ConfigMaps. */
  mesh: Resource[];
  /** What the policy families beyond NetworkPolicy read (`policySources`). */
  policySources: Resource[];
}

const partsCache = new WeakMap<ParsedFile, FileParts>();

function fileResources(f: ParsedFile, defaultNamespace: string): Resource[] {
  const out: Resource[] = [];
  for (const d of f.documents) {
    let hit = resourceCache.get(d);
    if (!hit || hit.defaultNamespace !== defaultNamespace || hit.uri !== f.uri) resourceCache.set(d, (hit = { uri: f.uri, defaultNamespace, resources: documentResources(f.uri, d, defaultNamespace) }));
    for (const r of hit.resources) out.push(r);
  }
  return out;
}

function readsMesh(r: Resource): boolean {
  return r.group === ISTIO_NETWORKING || r.group === ISTIO_SECURITY || r.group === GATEWAY_API || r.group === 'install.istio.io' || (r.group === '' && (r.kind === 'Service' || r.kind === 'ConfigMap'));
}

/**
 * Groups whose resources no policy family beyond NetworkPolicy reads (workloads, Kubernetes networking,
 * the mesh): the families' own groups (Calico, Cilium, Antrea, GKE, OpenShift, admin policies) are read,
 * and of the core group only Services (the families' service selectors).
 */
const NOT_POLICY_SOURCES = new Set(['apps', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'extensions', ISTIO_NETWORKING, ISTIO_SECURITY, GATEWAY_API, 'install.istio.io']);

function isPolicySource(r: Resource): boolean {
  return r.group === '' ? r.kind === 'Service' : !NOT_POLICY_SOURCES.has(r.group);
}

function fileParts(f: ParsedFile, defaultNamespace: string): FileParts {
  // The same file object has the same documents: its parts change only with the default namespace.
  const hit = partsCache.get(f);
  if (hit && hit.defaultNamespace === defaultNamespace) return hit;
  const resources = fileResources(f, defaultNamespace);
  const parts: FileParts = { defaultNamespace, resources, workloads: [], networkPolicies: [], adminPolicies: [], namespaces: [], used: new Set(), mesh: [], policySources: [] };
  for (const r of resources) {
    if (isWorkloadResource(r)) parts.workloads.push(r);
    if (isNetworkPolicy(r)) parts.networkPolicies.push(networkPolicyOf(r));
    if (isAdminPolicy(r)) parts.adminPolicies.push(r);
    if (r.kind === 'Namespace' && r.group === '' && r.name) parts.namespaces.push(r);
    if (r.namespace) parts.used.add(r.namespace);
    if (readsMesh(r)) parts.mesh.push(r);
    if (isPolicySource(r)) parts.policySources.push(r);
  }
  partsCache.set(f, parts);
  return parts;
}

/** The NetworkPolicy read from a resource, once per resource object. */
export const networkPolicyOf: (r: Resource) => NetworkPolicy = perObject(readNetworkPolicy);

/**
 * Build the model of parsed files (an unchanged file keeps its resources and what was read from them);
 * `previous`, the last model, lends its namespaces and namespace slices where they did not change.
 */
export function buildModel(files: readonly ParsedFile[], config: EngineConfig, previous?: Model): Model {
  const resources: Resource[] = [];
  const workloadResources: Resource[] = [];
  const networkPolicies: NetworkPolicy[] = [];
  const adminPolicies: Resource[] = [];
  const declared: Resource[] = [];
  const meshResources: Resource[] = [];
  const policySources: Resource[] = [];
  const used = new Set<string>();
  const resourcesByFile = new Map<string, readonly Resource[]>();
  for (const f of files) {
    const p = fileParts(f, config.defaultNamespace);
    resourcesByFile.set(f.uri, p.resources);
    for (const r of p.resources) resources.push(r);
    for (const r of p.workloads) workloadResources.push(r);
    for (const np of p.networkPolicies) networkPolicies.push(np);
    for (const r of p.adminPolicies) adminPolicies.push(r);
    for (const r of p.namespaces) declared.push(r);
    for (const r of p.mesh) meshResources.push(r);
    for (const r of p.policySources) policySources.push(r);
    for (const ns of p.used) used.add(ns);
  }
  // A resource defined twice takes effect once: what follows reads only the first definition.
  const identities = identityIndex(resourcesByFile, previous?.identities);
  const duplicates = findDuplicates(identities, resourcesByFile, files.map((f) => f.uri));
  const repeated = new Set(duplicates.map((d) => d.resource));
  const effective = <T>(list: T[], of: (x: T) => Resource): T[] => (repeated.size === 0 ? list : list.filter((x) => !repeated.has(of(x))));
  const definitions = effective(resources, (r) => r);
  const workloads = workloadsOf(effective(workloadResources, (r) => r));
  const namespaces = new Map<string, Namespace>();
  // The previous model's namespace object while it stands for the same declaration (or for none).
  const before = (name: string, resource?: Resource): Namespace | undefined => {
    const ns = previous?.namespaces.get(name);
    return ns && ns.resource === resource ? ns : undefined;
  };
  for (const r of effective(declared, (x) => x)) {
    namespaces.set(
      r.name,
      before(r.name, r) ?? {
        name: r.name,
        // The API server adds this label; a different value written by hand is kept as written.
        labels: { 'kubernetes.io/metadata.name': r.name, ...r.labels },
        resource: r,
      },
    );
  }
  // A namespace that is used but not declared carries only the label the API server adds.
  for (const ns of used) {
    if (!namespaces.has(ns)) namespaces.set(ns, before(ns) ?? { name: ns, labels: { 'kubernetes.io/metadata.name': ns } });
  }
  const policies = effective(networkPolicies, (np) => np.resource);
  return {
    resources,
    resourcesByFile,
    workloads,
    namespaces,
    networkPolicies: policies,
    adminPolicies: effective(adminPolicies, (r) => r),
    meshResources: effective(meshResources, (r) => r),
    policySources: effective(policySources, (r) => r),
    definitions,
    duplicates,
    identities,
    namespaced: sliceByNamespace({ namespaces, resourcesByFile, repeated, duplicates, workloads, policies }, previous),
  };
}

/** A file's resources by namespace ('' for cluster-scoped ones), in document order: once per file. */
const byNamespace = perObject((list: readonly Resource[]): Map<string, Resource[]> => {
  const out = new Map<string, Resource[]>();
  for (const r of list) {
    const l = out.get(r.namespace);
    if (l) l.push(r);
    else out.set(r.namespace, [r]);
  }
  return out;
});

interface SliceInputs {
  /** Every namespace, declared or used. */
  namespaces: ReadonlyMap<string, Namespace>;
  resourcesByFile: ReadonlyMap<string, readonly Resource[]>;
  /** Resources defined again (not definitions). */
  repeated: ReadonlySet<Resource>;
  duplicates: readonly Duplicate[];
  workloads: readonly Workload[];
  policies: readonly NetworkPolicy[];
}

/**
 * The model's parts grouped by namespace. With the previous model, only the namespaces of the files that
 * changed (and namespaces that came or went) are grouped again, and a namespace whose parts are the same
 * objects keeps its previous slice; when nothing changed, the previous map itself is kept.
 */
function sliceByNamespace(now: SliceInputs, previous?: Model): ReadonlyMap<string, NamespaceSlice> {
  const sameDuplicates = previous !== undefined && previous.duplicates.length === now.duplicates.length && previous.duplicates.every((d, i) => d.resource === now.duplicates[i].resource);
  let touched: Set<string> | undefined;
  if (previous && sameDuplicates) {
    touched = new Set();
    const touch = (list: readonly Resource[] | undefined) => {
      if (list) for (const ns of byNamespace(list).keys()) touched!.add(ns);
    };
    for (const [uri, list] of now.resourcesByFile) {
      const before = previous.resourcesByFile.get(uri);
      if (before !== list) {
        touch(list);
        touch(before);
      }
    }
    for (const [uri, before] of previous.resourcesByFile) if (!now.resourcesByFile.has(uri)) touch(before);
    for (const name of now.namespaces.keys()) if (!previous.namespaced.has(name)) touched.add(name);
    for (const name of previous.namespaced.keys()) if (name !== '' && !now.namespaces.has(name)) touched.add(name);
    if (touched.size === 0) return previous.namespaced;
  }
  // The namespaces grouped again: every one without a previous model.
  const fresh = new Map<string, { name: string; resources: Resource[]; workloads: Workload[]; networkPolicies: NetworkPolicy[] }>();
  const regroup = (name: string) => touched === undefined || touched.has(name);
  const slice = (name: string) => {
    let s = fresh.get(name);
    if (!s) fresh.set(name, (s = { name, resources: [], workloads: [], networkPolicies: [] }));
    return s;
  };
  for (const name of now.namespaces.keys()) if (regroup(name)) slice(name);
  // In model order (files in order, then documents), without the resources defined again.
  for (const list of now.resourcesByFile.values()) {
    for (const [ns, rs] of byNamespace(list)) {
      if (!regroup(ns)) continue;
      const s = slice(ns);
      for (const r of rs) if (now.repeated.size === 0 || !now.repeated.has(r)) s.resources.push(r);
    }
  }
  for (const w of now.workloads) if (regroup(w.namespace)) slice(w.namespace).workloads.push(w);
  for (const np of now.policies) if (regroup(np.namespace)) slice(np.namespace).networkPolicies.push(np);
  const result = new Map<string, NamespaceSlice>();
  if (previous && touched) for (const [name, s] of previous.namespaced) if (!touched.has(name)) result.set(name, s);
  for (const [name, s] of fresh) {
    // A namespace that is neither used nor declared any more (or no cluster-scoped definition left) has no slice.
    if (s.resources.length === 0 && !now.namespaces.has(name)) continue;
    const p = previous?.namespaced.get(name);
    result.set(name, p && sameList(p.resources, s.resources) && sameList(p.workloads, s.workloads) && sameList(p.networkPolicies, s.networkPolicies) ? p : s);
  }
  return result;
}
