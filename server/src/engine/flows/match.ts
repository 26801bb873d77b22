/**
 * Which workload of the workspace a flow's endpoint is: the one of its namespace whose pod-template labels
 * the pod carries. Pod and owner names only tell apart workloads whose labels both match; nothing is
 * guessed: an endpoint no workload matches, or that several match alike, is unknown, with the reason.
 */
import type { Workload } from '../model/workloads';
import type { Reachability } from '../reach/reachability';
import { endpointKey, type FlowEndpoint } from './flow';

export type ResolvedEndpoint =
  | { kind: 'workload'; workload: Workload }
  | { kind: 'external' }
  | { kind: 'unknown'; name: string; reason: string };

function labelsText(labels: Record<string, string> | undefined): string {
  return labels ? Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',') : '';
}

/** The display name of an endpoint the workspace does not know. */
export function endpointName(ep: FlowEndpoint): string {
  if (ep.reserved) return `reserved:${ep.reserved}`;
  if (ep.namespace) return `${ep.namespace}/${ep.workload?.name ?? ep.pod ?? `{${labelsText(ep.labels)}}`}`;
  return '(neither a pod nor outside the cluster)';
}

/** Whether `name` (a pod, ReplicaSet or workload name) belongs to workload `w`: equal, or `w.name-…`. */
function namedAfter(name: string, w: Workload): boolean {
  return name === w.name || name.startsWith(`${w.name}-`);
}

export class WorkloadMatcher {
  private readonly byNamespace = new Map<string, Workload[]>();
  private readonly cache = new Map<string, ResolvedEndpoint>();
  /** Readers share one endpoint object between the flows of a pod: looked up by identity first. */
  private readonly byObject = new WeakMap<FlowEndpoint, ResolvedEndpoint>();

  constructor(reach: Reachability) {
    // The cluster DNS the workspace assumes (when it does not declare it) is a destination flows reach too.
    const all = [...reach.workloads, ...reach.dnsTargets.filter((w) => !reach.workloads.includes(w))];
    for (const w of all) {
      if (Object.keys(w.labels).length === 0) continue;
      let l = this.byNamespace.get(w.namespace);
      if (!l) this.byNamespace.set(w.namespace, (l = []));
      l.push(w);
    }
  }

  resolve(ep: FlowEndpoint): ResolvedEndpoint {
    let r = this.byObject.get(ep);
    if (r) return r;
    const key = endpointKey(ep);
    r = this.cache.get(key);
    if (!r) {
      r = this.compute(ep);
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(key, r);
    }
    this.byObject.set(ep, r);
    return r;
  }

  private compute(ep: FlowEndpoint): ResolvedEndpoint {
    if (ep.external) return { kind: 'external' };
    const name = endpointName(ep);
    if (ep.reserved) return { kind: 'unknown', name, reason: `a cluster endpoint that is no pod (reserved:${ep.reserved})` };
    if (!ep.namespace) return { kind: 'unknown', name, reason: 'neither a pod nor marked as outside the cluster' };
    const labels = ep.labels;
    if (!labels) return { kind: 'unknown', name, reason: 'the flow log records no labels for it' };
    let found = (this.byNamespace.get(ep.namespace) ?? []).filter((w) => Object.entries(w.labels).every(([k, v]) => labels[k] === v));
    if (found.length === 0) return { kind: 'unknown', name, reason: `no workload of the workspace in namespace ${ep.namespace} has its labels (${labelsText(labels) || 'none'})` };
    if (found.length > 1) {
      const hint = ep.workload?.name ?? ep.pod;
      const named = hint ? found.filter((w) => namedAfter(hint, w)) : [];
      // The longest name wins: pod api-v2-7f… belongs to api-v2, not to api.
      const best = named.sort((a, b) => b.name.length - a.name.length);
      if (best.length > 0 && (best.length === 1 || best[0].name.length > best[1].name.length)) found = [best[0]];
    }
    if (found.length > 1) return { kind: 'unknown', name, reason: `its labels match several workloads (${found.map((w) => w.id).join(', ')})` };
    return { kind: 'workload', workload: found[0] };
  }
}
