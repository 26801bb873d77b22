import { isMatchAll, matches, type LabelSelector } from './selector';
import type { Namespace } from './model';
import { sameList } from '../memo';
import type { Workload } from './workloads';

/** The workloads of one namespace, with their labels indexed. Kept between analyses while they stay the same objects. */
interface Slot {
  workloads: readonly Workload[];
  byLabel: Map<string, Workload[]>;
}

const EMPTY: Slot = { workloads: [], byLabel: new Map() };

/** What a computation read from an index: the namespaces whose workloads it listed, and whether it read namespace labels. */
export interface IndexReads {
  slots: Map<string, Slot>;
  namespaces: boolean;
  signature: string;
}

/**
 * Finds workloads and namespaces by selector without scanning everything: workloads are grouped by
 * namespace, and by label key=value within it; namespaces by label key=value.
 *
 * Built with the index of the previous analysis, it keeps the groups of namespaces whose workloads are the
 * same objects; `track` records what a computation read, and `unchanged` tells whether that still reads
 * the same, so results computed from an index (compiled policies) are kept until what they read changes.
 */
export class WorkloadIndex {
  private readonly slots = new Map<string, Slot>();
  private readonly namespacesByLabel = new Map<string, Namespace[]>();
  /** The namespaces and their labels, as text: equal when none was added, removed or relabelled. */
  readonly signature: string;
  /** The same object as the previous index's when no workload and no namespace changed. */
  readonly universe: object;
  private reads?: IndexReads;

  constructor(
    readonly workloads: readonly Workload[],
    readonly namespaces: ReadonlyMap<string, Namespace>,
    previous?: WorkloadIndex,
  ) {
    const byNamespace = new Map<string, Workload[]>();
    for (const w of workloads) {
      const list = byNamespace.get(w.namespace);
      if (list) list.push(w);
      else byNamespace.set(w.namespace, [w]);
    }
    let reused = 0;
    for (const [ns, list] of byNamespace) {
      const before = previous?.slots.get(ns);
      if (before && sameList(before.workloads, list)) {
        this.slots.set(ns, before);
        reused++;
        continue;
      }
      const byLabel = new Map<string, Workload[]>();
      for (const w of list) {
        for (const [k, v] of Object.entries(w.labels)) {
          const key = `${k}=${v}`;
          const l = byLabel.get(key);
          if (l) l.push(w);
          else byLabel.set(key, [w]);
        }
      }
      this.slots.set(ns, { workloads: list, byLabel });
    }
    const parts: string[] = [];
    for (const ns of namespaces.values()) {
      let text = ns.name;
      for (const [k, v] of Object.entries(ns.labels)) {
        text += `\u0000${k}=${v}`;
        const key = `${k}=${v}`;
        const l = this.namespacesByLabel.get(key);
        if (l) l.push(ns);
        else this.namespacesByLabel.set(key, [ns]);
      }
      parts.push(text);
    }
    this.signature = parts.join('\n');
    const same = previous !== undefined && reused === this.slots.size && reused === previous.slots.size && previous.signature === this.signature;
    this.universe = same ? previous.universe : {};
  }

  private slot(ns: string): Slot {
    const s = this.slots.get(ns) ?? EMPTY;
    this.reads?.slots.set(ns, s);
    return s;
  }

  /** Run `fn` and record what it read of this index. */
  track<T>(fn: () => T): { value: T; reads: IndexReads } {
    const outer = this.reads;
    const reads: IndexReads = { slots: new Map(), namespaces: false, signature: this.signature };
    this.reads = reads;
    try {
      return { value: fn(), reads };
    } finally {
      this.reads = outer;
      if (outer) {
        for (const [ns, s] of reads.slots) outer.slots.set(ns, s);
        outer.namespaces ||= reads.namespaces;
      }
    }
  }

  /** Whether everything `reads` recorded (in this or an earlier index) reads the same here. */
  unchanged(reads: IndexReads): boolean {
    if (reads.namespaces && reads.signature !== this.signature) return false;
    for (const [ns, s] of reads.slots) if ((this.slots.get(ns) ?? EMPTY) !== s) return false;
    return true;
  }

  inNamespace(ns: string): readonly Workload[] {
    return this.slot(ns).workloads;
  }

  /** Workloads of a namespace matching a pod selector, using the label index for `In [v]` requirements. */
  select(ns: string, selector: LabelSelector): Workload[] {
    if (selector.invalid) return [];
    const slot = this.slot(ns);
    if (isMatchAll(selector)) return [...slot.workloads];
    const eq = selector.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
    const candidates = eq ? (slot.byLabel.get(`${eq.key}=${eq.values[0]}`) ?? []) : slot.workloads;
    return candidates.filter((w) => matches(selector, w.labels));
  }

  /** Namespaces whose labels match a namespace selector. */
  selectNamespaces(selector: LabelSelector): Namespace[] {
    if (this.reads) this.reads.namespaces = true;
    if (selector.invalid) return [];
    const eq = selector.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
    const candidates = eq ? (this.namespacesByLabel.get(`${eq.key}=${eq.values[0]}`) ?? []) : this.namespaces.values();
    const out: Namespace[] = [];
    for (const ns of candidates) if (matches(selector, ns.labels)) out.push(ns);
    return out;
  }

  namespaceLabels(ns: string): Record<string, string> {
    if (this.reads) this.reads.namespaces = true;
    return this.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns };
  }
}
