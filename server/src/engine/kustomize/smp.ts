import type { Gvk } from './fieldspec';
import { clone, type RMap, type RNode, type RSeq } from './tree';

/**
 * Strategic merge patch, as Kustomize applies it: maps merge key by key (`null` deletes a key), lists of
 * the Kubernetes types that declare a merge key merge element by element (the patch's elements first, in
 * its order, then the other elements in theirs), lists of primitives declared `merge` are united, and
 * every other list is replaced. `$patch: delete | replace` and `$deleteFromPrimitiveList/…`,
 * `$retainKeys` are honoured. Values the patch writes keep the patch's origins.
 */

/** A list's strategy: merge by a key, unite primitives, or (absent) replace. */
type ListStrategy = { key: string } | { primitive: true };

/** The Kubernetes types whose lists merge, by where they sit; every other list is replaced (atomic). */
const OBJECT_META: Record<string, ListStrategy> = { finalizers: { primitive: true }, ownerReferences: { key: 'uid' } };
const POD_SPEC: Record<string, ListStrategy> = {
  containers: { key: 'name' },
  initContainers: { key: 'name' },
  ephemeralContainers: { key: 'name' },
  volumes: { key: 'name' },
  imagePullSecrets: { key: 'name' },
  hostAliases: { key: 'ip' },
  topologySpreadConstraints: { key: 'topologyKey' },
  resourceClaims: { key: 'name' },
  schedulingGates: { key: 'name' },
};
const CONTAINER: Record<string, ListStrategy> = {
  ports: { key: 'containerPort' },
  env: { key: 'name' },
  volumeMounts: { key: 'mountPath' },
  volumeDevices: { key: 'devicePath' },
};
const SERVICE_SPEC: Record<string, ListStrategy> = { ports: { key: 'port' } };

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'extensions', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'autoscaling', 'storage.k8s.io', 'scheduling.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'certificates.k8s.io']);

/** Where the pod spec sits in each workload kind. */
function podSpecPath(kind: string): string[] | undefined {
  switch (kind) {
    case 'Pod':
      return ['spec'];
    case 'PodTemplate':
      return ['template', 'spec'];
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'Job':
    case 'ReplicationController':
      return ['spec', 'template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

const samePrefix = (path: readonly string[], prefix: readonly string[]): boolean => path.length === prefix.length && prefix.every((p, i) => p === path[i]);

/** The strategy of the list at `path` (keys only, list indexes left out) in an object of kind `gvk`. */
export function listStrategy(gvk: Gvk, path: readonly string[]): ListStrategy | undefined {
  if (!BUILTIN_GROUPS.has(gvk.group) || path.length === 0) return undefined;
  const parent = path.slice(0, -1);
  const field = path[path.length - 1];
  if (parent[parent.length - 1] === 'metadata') return OBJECT_META[field];
  const pod = podSpecPath(gvk.kind);
  if (pod) {
    if (samePrefix(parent, pod)) return POD_SPEC[field];
    const last = parent[parent.length - 1];
    if (parent.length === pod.length + 1 && samePrefix(parent.slice(0, -1), pod) && (last === 'containers' || last === 'initContainers' || last === 'ephemeralContainers')) return CONTAINER[field];
  }
  if (gvk.kind === 'Service' && gvk.group === '' && samePrefix(parent, ['spec'])) return SERVICE_SPEC[field];
  return undefined;
}

const DIRECTIVE = '$patch';

function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/');
}

function directive(n: RNode): string | undefined {
  if (n.kind !== 'map') return undefined;
  const d = n.items.get(DIRECTIVE);
  return d?.kind === 'scalar' && typeof d.value === 'string' ? d.value : undefined;
}

/** A copy of a patch value without its directives (what it writes where nothing was). */
export function stripDirectives(n: RNode): RNode | undefined {
  if (n.kind === 'map') {
    if (directive(n) === 'delete') return undefined;
    const out: RMap = { ...n, items: new Map() };
    for (const [k, v] of n.items) {
      if (isDirectiveKey(k)) continue;
      if (v.kind === 'scalar' && v.value === null) continue;
      const s = stripDirectives(v);
      if (s) out.items.set(k, s);
    }
    return out;
  }
  if (n.kind === 'seq') {
    const items: RNode[] = [];
    for (const x of n.items) {
      if (x.kind === 'map' && directive(x) === 'replace' && x.items.size === 1) continue;
      const s = stripDirectives(x);
      if (s) items.push(s);
    }
    return { ...n, items };
  }
  return clone(n);
}

function scalarKey(n: RNode | undefined): string | undefined {
  return n?.kind === 'scalar' && n.value !== null ? String(n.value) : undefined;
}

function withoutKey(m: RMap, key: string): RMap {
  const items = new Map(m.items);
  items.delete(key);
  return { ...m, items };
}

function mergeList(dest: RSeq, patch: RSeq, gvk: Gvk, path: string[]): RNode {
  const strategy = listStrategy(gvk, path);
  // `- $patch: replace` among the elements: the list is the patch's other elements.
  if (patch.items.some((x) => directive(x) === 'replace')) return stripDirectives(patch)!;
  if (!strategy) return stripDirectives(patch)!;
  if ('primitive' in strategy) {
    const seen = new Set(patch.items.map(scalarKey));
    const items = [...patch.items.map((x) => clone(x)), ...dest.items.filter((x) => !seen.has(scalarKey(x)))];
    return { ...dest, items };
  }
  const { key } = strategy;
  const keyOf = (n: RNode) => (n.kind === 'map' ? scalarKey(n.items.get(key)) : undefined);
  const byKey = new Map<string, RNode>();
  for (const d of dest.items) {
    const k = keyOf(d);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, d);
  }
  const used = new Set<RNode>();
  const deleted = new Set<string>();
  const head: RNode[] = [];
  for (const p of patch.items) {
    const k = keyOf(p);
    const d = k !== undefined ? byKey.get(k) : undefined;
    if (directive(p) === 'delete') {
      if (k !== undefined) deleted.add(k);
      continue;
    }
    if (d) {
      used.add(d);
      // The merge key only finds the element: its value keeps where it was written.
      const m = merge(d, withoutKey(p as RMap, key), gvk, path);
      if (m) head.push(m);
    } else {
      const s = stripDirectives(p);
      if (s) head.push(s);
    }
  }
  const tail = dest.items.filter((d) => !used.has(d) && !deleted.has(keyOf(d) ?? '\u0000'));
  return { ...dest, items: [...head, ...tail] };
}

/** Merge `patch` into `dest` (which it may change); undefined when the patch deletes it. */
export function merge(dest: RNode | undefined, patch: RNode, gvk: Gvk, path: string[] = []): RNode | undefined {
  if (patch.kind === 'map') {
    const d = directive(patch);
    if (d === 'delete') return undefined;
    if (d === 'replace' || !dest || dest.kind !== 'map') return stripDirectives(patch);
    const retain = patch.items.get('$retainKeys');
    if (retain?.kind === 'seq') {
      const keep = new Set(retain.items.map(scalarKey));
      for (const k of [...dest.items.keys()]) if (!keep.has(k) && !patch.items.has(k)) dest.items.delete(k);
    }
    for (const [k, v] of patch.items) {
      if (k.startsWith('$deleteFromPrimitiveList/')) {
        const field = k.slice('$deleteFromPrimitiveList/'.length);
        const list = dest.items.get(field);
        if (list?.kind === 'seq' && v.kind === 'seq') {
          const drop = new Set(v.items.map(scalarKey));
          list.items = list.items.filter((x) => !drop.has(scalarKey(x)));
        }
        continue;
      }
      if (isDirectiveKey(k)) continue;
      if (v.kind === 'scalar' && v.value === null) {
        dest.items.delete(k);
        continue;
      }
      const old = dest.items.get(k);
      const next = old && old.kind === 'seq' && v.kind === 'seq' ? mergeList(old, v, gvk, [...path, k]) : merge(old, v, gvk, [...path, k]);
      if (next === undefined) dest.items.delete(k);
      else {
        next.key = old?.key ?? v.key;
        dest.items.set(k, next);
      }
    }
    return dest;
  }
  if (patch.kind === 'seq') return dest?.kind === 'seq' ? mergeList(dest, patch, gvk, path) : stripDirectives(patch);
  return clone(patch);
}
