/**
 * What a selector under the cursor matches: the workloads of a podSelector (in the namespaces its peer
 * allows), the namespaces of a namespaceSelector, the subjects of a policy's own selector. Exact
 * Kubernetes semantics, through the same index the reachability uses (the assumed cluster DNS included).
 */
import type { Namespace } from '../model/model';
import { isRecord, type Resource } from '../model/resources';
import { describeSelector, matches, readSelector, type LabelSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import type { YamlPath } from '../parse/locate';
import { isNetworkPolicy } from '../model/networkpolicy';
import { isAdminPolicy } from '../model/admin';
import { isCalicoPolicy } from '../policy/calico';
import { isCiliumPolicy } from '../policy/cilium';
import type { Reachability } from '../reach/reachability';
import { policyView, ruleAt } from './policies';

export interface SelectorMatch {
  /** `pods`: a pod selector; `namespaces`: a namespace selector; `subjects`: the policy's own selector; `peers`: a rule's peer selector (Calico, Cilium). */
  kind: 'pods' | 'namespaces' | 'subjects' | 'peers';
  /** Path of the selector inside its resource. */
  path: YamlPath;
  /** kubectl's rendering (`app=foo`, `<all>`), or the Calico/Cilium text. */
  text: string;
  /** Where the pods are looked for (`shop`, `namespaces matching team=payments`, `every namespace`). */
  scope?: string;
  workloads: Workload[];
  namespaces: Namespace[];
  /** The matchLabels entry under the cursor, and what it alone matches in the same scope. */
  entry?: { key: string; value: string; workloads: Workload[]; namespaces: Namespace[] };
}

const byId = (a: Workload, b: Workload) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byName = (a: Namespace, b: Namespace) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function valueAt(obj: unknown, path: YamlPath): unknown {
  let v = obj;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v)) v = v[String(seg)];
    else return undefined;
  }
  return v;
}

/** A namespace selector of an admin policy: a LabelSelector, or (first v1alpha1) `{namespaceSelector: …}`. */
function adminNamespaceSelector(raw: unknown): LabelSelector {
  return isRecord(raw) && isRecord(raw.namespaceSelector) && raw.matchLabels === undefined && raw.matchExpressions === undefined ? readSelector(raw.namespaceSelector) : readSelector(raw);
}

interface Found {
  kind: 'pods' | 'namespaces';
  /** Path of the selector. */
  path: YamlPath;
  selector: LabelSelector;
  /** For pod selectors: the namespaces searched (undefined: the policy's own). */
  namespaces?: Namespace[];
  scope?: string;
  subjects?: boolean;
}

/** The Kubernetes label selector the path is in, with its role, for NetworkPolicy and admin policies. */
function labelSelectorAt(reach: Reachability, r: Resource, path: YamlPath): Found | undefined {
  const obj = r.obj;
  const idx = reach.index;
  const allNamespaces = () => [...idx.namespaces.values()];
  if (isNetworkPolicy(r)) {
    if (path[0] === 'spec' && path[1] === 'podSelector') return { kind: 'pods', path: ['spec', 'podSelector'], selector: readSelector(valueAt(obj, ['spec', 'podSelector'])), scope: r.namespace, subjects: true };
    const [s, dir, i, side, j, key] = path;
    if (s !== 'spec' || (dir !== 'egress' && dir !== 'ingress') || typeof i !== 'number' || side !== (dir === 'egress' ? 'to' : 'from') || typeof j !== 'number') return undefined;
    const peerPath = ['spec', dir, i, side, j];
    const peer = valueAt(obj, peerPath);
    if (!isRecord(peer)) return undefined;
    const nsSel = 'namespaceSelector' in peer ? readSelector(peer.namespaceSelector) : undefined;
    if (key === 'namespaceSelector') return { kind: 'namespaces', path: [...peerPath, key], selector: nsSel! };
    if (key === 'podSelector') {
      const namespaces = nsSel ? idx.selectNamespaces(nsSel) : undefined;
      const scope = nsSel ? (namespaces!.length === allNamespaces().length && nsSel.requirements.length === 0 ? 'every namespace' : `namespaces matching ${describeSelector(nsSel)}`) : r.namespace;
      return { kind: 'pods', path: [...peerPath, key], selector: readSelector(peer.podSelector), namespaces, scope };
    }
    return undefined;
  }
  if (isAdminPolicy(r)) {
    // spec.subject.{namespaces|pods.{namespaceSelector|namespaces|podSelector}}; spec.<dir>[i].<to|from>[j].{…}
    let base: (string | number)[];
    let subjects = false;
    if (path[0] === 'spec' && path[1] === 'subject') {
      base = ['spec', 'subject'];
      subjects = true;
    } else if (path[0] === 'spec' && (path[1] === 'egress' || path[1] === 'ingress') && typeof path[2] === 'number' && (path[3] === 'to' || path[3] === 'from') && typeof path[4] === 'number') base = path.slice(0, 5) as (string | number)[];
    else return undefined;
    const rest = path.slice(base.length);
    const holder = valueAt(obj, base);
    if (!isRecord(holder)) return undefined;
    if (rest[0] === 'namespaces') return { kind: 'namespaces', path: [...base, 'namespaces'], selector: adminNamespaceSelector(holder.namespaces), subjects };
    if (rest[0] === 'pods' && isRecord(holder.pods)) {
      const pods = holder.pods;
      const nsKey = pods.namespaces !== undefined ? 'namespaces' : 'namespaceSelector';
      const nsSel = nsKey === 'namespaces' ? adminNamespaceSelector(pods.namespaces) : readSelector(pods.namespaceSelector);
      if (rest[1] === nsKey) return { kind: 'namespaces', path: [...base, 'pods', nsKey], selector: nsSel, subjects };
      if (rest[1] === 'podSelector') {
        const namespaces = idx.selectNamespaces(nsSel);
        return { kind: 'pods', path: [...base, 'pods', 'podSelector'], selector: readSelector(pods.podSelector), namespaces, scope: `namespaces matching ${describeSelector(nsSel)}`, subjects };
      }
    }
  }
  return undefined;
}

/** The matchLabels entry a path points into, when it does. */
function entryAt(path: YamlPath, selectorPath: YamlPath, obj: unknown): { key: string; value: string } | undefined {
  const rest = path.slice(selectorPath.length);
  if (rest[0] !== 'matchLabels' || typeof rest[1] !== 'string') return undefined;
  const v = valueAt(obj, [...selectorPath, 'matchLabels', rest[1]]);
  return { key: rest[1], value: v === null || v === undefined ? '' : String(v) };
}

const SUBJECT_KEYS = new Set(['endpointSelector', 'selector']);
const PEER_KEYS = new Set(['toEndpoints', 'fromEndpoints', 'destination', 'source']);

/** What the selector at a path of a policy matches, or undefined when the path is not in a selector. */
export function selectorAt(reach: Reachability, r: Resource, path: YamlPath): SelectorMatch | undefined {
  const idx = reach.index;
  const found = labelSelectorAt(reach, r, path);
  if (found) {
    const entry = entryAt(path, found.path, r.obj);
    if (found.kind === 'namespaces') {
      const namespaces = idx.selectNamespaces(found.selector).sort(byName);
      const workloads = found.subjects ? namespaces.flatMap((ns) => [...idx.inNamespace(ns.name)]).sort(byId) : [];
      const alone = entry ? readSelector({ matchLabels: { [entry.key]: entry.value } }) : undefined;
      return {
        kind: found.subjects ? 'subjects' : 'namespaces',
        path: found.path,
        text: describeSelector(found.selector),
        workloads,
        namespaces,
        entry: entry && alone ? { ...entry, workloads: [], namespaces: idx.selectNamespaces(alone).sort(byName) } : undefined,
      };
    }
    const spaces = found.namespaces?.map((n) => n.name) ?? [r.namespace];
    const select = (sel: LabelSelector) => spaces.flatMap((ns) => idx.select(ns, sel)).sort(byId);
    const alone = entry ? readSelector({ matchLabels: { [entry.key]: entry.value } }) : undefined;
    return {
      kind: found.subjects ? 'subjects' : 'pods',
      path: found.path,
      text: describeSelector(found.selector),
      scope: found.scope,
      workloads: select(found.selector),
      namespaces: found.namespaces ?? [],
      entry: entry && alone ? { ...entry, workloads: select(alone), namespaces: [] } : undefined,
    };
  }
  if (!isCalicoPolicy(r) && !isCiliumPolicy(r)) return undefined;
  const view = policyView(reach, r);
  if (!view) return undefined;
  // The policy's own selector: spec.endpointSelector, specs[k].endpointSelector, spec.selector.
  const subjectAt = path.findIndex((seg, i) => SUBJECT_KEYS.has(String(seg)) && (i === 1 || i === 2) && (path[0] === 'spec' || path[0] === 'specs'));
  if (subjectAt >= 0) {
    const p = path.slice(0, subjectAt + 1);
    const raw = valueAt(r.obj, p);
    return { kind: 'subjects', path: p, text: typeof raw === 'string' ? raw : describeSelector(readSelector(raw)), workloads: view.subjects, namespaces: [] };
  }
  const rule = ruleAt(view, path);
  if (!rule) return undefined;
  const k = path.slice(rule.path.length).findIndex((seg) => PEER_KEYS.has(String(seg)));
  if (k < 0) return undefined;
  const p = path.slice(0, rule.path.length + k + 1);
  const raw = valueAt(r.obj, p);
  const text = isRecord(raw) && typeof raw.selector === 'string' ? raw.selector : Array.isArray(raw) ? raw.map((s) => describeSelector(readSelector(s))).join(' or ') : '';
  return { kind: 'peers', path: p, text, workloads: rule.workloads, namespaces: [] };
}

/** Whether a namespace's labels match a selector (for completion counts). */
export function namespaceMatches(sel: LabelSelector, ns: Namespace): boolean {
  return matches(sel, ns.labels);
}
