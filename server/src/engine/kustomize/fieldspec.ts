import { perObject } from '../memo';
import { emptyMap, ownPath, type Origin, type RMap, type RNode } from './tree';

/**
 * Kustomize's field specs: which field of which kinds a transformer touches. A path is `/`-separated
 * (`\/` escapes a slash inside a key); a sequence met on the way is walked element by element, as
 * Kustomize does (`[]` after a segment says so explicitly). `create` makes missing maps on the way.
 */
export interface FieldSpec {
  group?: string;
  version?: string;
  kind?: string;
  path: string[];
  create: boolean;
}

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export function gvkOf(apiVersion: string | undefined, kind: string | undefined): Gvk {
  const av = apiVersion ?? '';
  const slash = av.indexOf('/');
  return { group: slash >= 0 ? av.slice(0, slash) : '', version: slash >= 0 ? av.slice(slash + 1) : av, kind: kind ?? '' };
}

export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && path[i + 1] === '/') {
      cur += '/';
      i++;
    } else if (path[i] === '/') {
      out.push(cur);
      cur = '';
    } else cur += path[i];
  }
  out.push(cur);
  return out.filter((s) => s !== '');
}

/** Field specs written compactly, one per line: `kind group version path [create]` (`-` for any). */
function table(text: string): FieldSpec[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [kind, group, version, path, create] = line.trim().split(/\s+/);
      const any = (s: string) => (s === '-' ? undefined : s);
      return { kind: any(kind), group: any(group), version: any(version), path: splitPath(path), create: create === 'create' };
    });
}

export function specMatches(spec: { group?: string; version?: string; kind?: string }, gvk: Gvk): boolean {
  return (!spec.kind || spec.kind === gvk.kind) && (spec.group === undefined || spec.group === gvk.group) && (!spec.version || spec.version === gvk.version);
}

const TEMPLATE_LABELS = `
ReplicationController - v1 spec/template/metadata/labels create
Deployment - - spec/template/metadata/labels create
ReplicaSet - - spec/template/metadata/labels create
DaemonSet - - spec/template/metadata/labels create
StatefulSet apps - spec/template/metadata/labels create
Job batch - spec/template/metadata/labels create
CronJob batch - spec/jobTemplate/metadata/labels create
CronJob batch - spec/jobTemplate/spec/template/metadata/labels create
`;

/** `labels` with `includeTemplates: true`: the pod templates' labels besides the objects'. */
export const templateLabelSpecs = table(TEMPLATE_LABELS);

export const metadataLabelSpecs = table(`- - - metadata/labels create`);

/** `commonLabels` (and `labels` with `includeSelectors: true`): labels, selectors and the pod selectors of NetworkPolicy peers. */
export const commonLabelSpecs = table(`
- - - metadata/labels create
${TEMPLATE_LABELS}
Service - v1 spec/selector create
ReplicationController - v1 spec/selector create
Deployment - - spec/selector/matchLabels create
Deployment apps - spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
Deployment apps - spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
Deployment apps - spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
ReplicaSet - - spec/selector/matchLabels create
DaemonSet - - spec/selector/matchLabels create
StatefulSet apps - spec/selector/matchLabels create
StatefulSet apps - spec/volumeClaimTemplates[]/metadata/labels create
StatefulSet apps - spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
StatefulSet apps - spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
Job batch - spec/selector/matchLabels
CronJob batch - spec/jobTemplate/spec/selector/matchLabels
PodDisruptionBudget policy - spec/selector/matchLabels
NetworkPolicy networking.k8s.io - spec/podSelector/matchLabels
NetworkPolicy networking.k8s.io - spec/ingress/from/podSelector/matchLabels
NetworkPolicy networking.k8s.io - spec/egress/to/podSelector/matchLabels
`);

/** `commonAnnotations`: the objects' annotations and their pod templates'. */
export const annotationSpecs = table(`- - - metadata/annotations create\n${TEMPLATE_LABELS.replace(/\/labels /g, '/annotations ')}`);

export const replicaSpecs = table(`
Deployment - - spec/replicas create
ReplicationController - - spec/replicas create
ReplicaSet - - spec/replicas create
StatefulSet - - spec/replicas create
`);

/** A field spec path's segments: the keys, and which name a list (`containers[]`). */
const segmentsOf = perObject((path: readonly string[]) => ({
  names: path.map((seg) => (seg.endsWith('[]') ? seg.slice(0, -2) : seg)),
  lists: path.map((seg) => seg.endsWith('[]')),
}));

/**
 * Visit the value at a field spec's path in one object: `visit(parent, key, own)` for each place the last
 * segment names (in each element where a sequence is met). Missing maps are created (written by `at`) when
 * the spec says `create`; the last segment is created only by the visitor. The tree may share nodes with
 * other renders (copy on write): `parent` is to be read; `own()`, called during the visit, gives it as this
 * render's own, to change.
 */
export function visitField(root: RMap, path: readonly string[], create: boolean, at: Origin, visit: (parent: RMap, key: string, own: () => RMap) => void): void {
  const { names, lists } = segmentsOf(path);
  // The keys from the root to the node being walked; `own` reads them while a visit runs.
  const keys: (string | number)[] = [];
  const own = () => ownPath(root, keys) as RMap;
  const walk = (n: RNode, i: number): void => {
    if (n.kind === 'seq') {
      for (let j = 0; j < n.items.length; j++) {
        keys.push(j);
        walk(n.items[j], i);
        keys.pop();
      }
      return;
    }
    if (n.kind !== 'map') return;
    const list = lists[i];
    const key = names[i];
    if (i === path.length - 1) {
      visit(n, key, own);
      return;
    }
    let next = n.items.get(key);
    if (!next || (next.kind === 'scalar' && next.value === null)) {
      if (!create || list) return;
      next = emptyMap(at);
      next.key = at;
      own().items.set(key, next);
    }
    if (list && next.kind !== 'seq') return;
    keys.push(key);
    walk(next, i + 1);
    keys.pop();
  };
  if (path.length > 0) walk(root, 0);
}
