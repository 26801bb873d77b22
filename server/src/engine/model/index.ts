import { isMatchAll, matches, type LabelSelector } from './selector';
import type { Namespace } from './model';
import type { Workload } from './workloads';

/**
 * Finds workloads and namespaces by selector without scanning everything:
 * workloads are grouped by namespace, and by label key=value within it.
 */
export class WorkloadIndex {
  private readonly byNamespace = new Map<string, Workload[]>();
  private readonly byLabel = new Map<string, Map<string, Workload[]>>();

  constructor(
    readonly workloads: readonly Workload[],
    readonly namespaces: ReadonlyMap<string, Namespace>,
  ) {
    for (const w of workloads) {
      let list = this.byNamespace.get(w.namespace);
      if (!list) this.byNamespace.set(w.namespace, (list = []));
      list.push(w);
      let labels = this.byLabel.get(w.namespace);
      if (!labels) this.byLabel.set(w.namespace, (labels = new Map()));
      for (const [k, v] of Object.entries(w.labels)) {
        const key = `${k}=${v}`;
        let l = labels.get(key);
        if (!l) labels.set(key, (l = []));
        l.push(w);
      }
    }
  }

  inNamespace(ns: string): readonly Workload[] {
    return this.byNamespace.get(ns) ?? [];
  }

  /** Workloads of a namespace matching a pod selector, using the label index for `In [v]` requirements. */
  select(ns: string, selector: LabelSelector): Workload[] {
    if (selector.invalid) return [];
    if (isMatchAll(selector)) return [...this.inNamespace(ns)];
    const eq = selector.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
    const candidates = eq ? (this.byLabel.get(ns)?.get(`${eq.key}=${eq.values[0]}`) ?? []) : this.inNamespace(ns);
    return candidates.filter((w) => matches(selector, w.labels));
  }

  /** Namespaces whose labels match a namespace selector. */
  selectNamespaces(selector: LabelSelector): Namespace[] {
    const out: Namespace[] = [];
    for (const ns of this.namespaces.values()) if (matches(selector, ns.labels)) out.push(ns);
    return out;
  }

  namespaceLabels(ns: string): Record<string, string> {
    return this.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns };
  }
}
