/**
 * Namespace-scoped rules, run incrementally: a rule's findings in a namespace are kept from one analysis to
 * the next while everything it declares it reads there (`Rule.reads`) is the same object, and the files its
 * findings point into did not change. An edit in one namespace runs the rules of that namespace again, and of
 * the namespaces whose policies in force changed; the other namespaces cost a comparison of identities.
 */
import type { Model, NamespaceSlice } from '../model/model';
import type { Mesh } from '../mesh/mesh';
import type { Namespace } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { Reachability } from '../reach/reachability';
import type { PolicyIndex } from '../reach/evaluate';
import type { CompiledNetpol } from '../reach/compiled';
import type { EngineConfig } from '../config';
import { perObject, sameList } from '../memo';
import { podAnnotation } from '../mesh/mesh';
import type { RawFinding, Read, Rule, RuleContext } from './rule';

/** One rule's findings in one namespace, with what they were computed from. */
interface Entry {
  /** What the rule read, as identities (or lists of them), in the order its reads give them. */
  key: unknown[];
  /** The files the findings point into (URI, then the model's resources of that file, the same array while it is unchanged). */
  anchors: unknown[];
  found: RawFinding[] | Error;
}

/** What one analysis keeps for the next: per rule and namespace, its findings; the workspace-wide reads. */
export interface ScopedState {
  results: Map<string, Map<string, Entry>>;
  /** Workspace rules that declare what they read: their findings. */
  whole: Map<string, Entry>;
  tokens: Map<string, Token>;
}

/** A workspace-wide read: the same object while its items are (element by element). */
interface Token {
  items: readonly unknown[];
}

/** A workload as selectors and ports see it: the same text for two objects of the same pods. */
const podShape = perObject((w: Workload): string =>
  JSON.stringify([w.id, w.labels, w.ports, w.hostNetwork, w.resources[0] ? (podAnnotation(w.resources[0], 'sidecar.istio.io/inject') ?? null) : null]),
);
const portShape = perObject((w: Workload): string => JSON.stringify([w.id, w.ports]));
const namespaceShape = perObject((n: Namespace): string => JSON.stringify([n.name, n.labels]));

const compiledByPolicy = perObject((index: PolicyIndex) => new Map(index.netpols.map((c) => [c.policy, c])));

/** The namespace's NetworkPolicies as the reachability compiled them (peers and subjects resolved), in model order. */
export function compiledIn(reach: Reachability, ns: NamespaceSlice): CompiledNetpol[] {
  const byPolicy = compiledByPolicy(reach.policies);
  const out: CompiledNetpol[] = [];
  for (const np of ns.networkPolicies) {
    const c = byPolicy.get(np);
    if (c) out.push(c);
  }
  return out;
}

/** A rule's findings, or what it threw: a rule never takes the analysis down. */
export function run(check: () => RawFinding[]): RawFinding[] | Error {
  try {
    return check();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Two keys alike: each part the same object, or two lists of the same objects (a namespace's items). */
function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(Array.isArray(x) && Array.isArray(y) && sameList(x, y))) return false;
  }
  return true;
}

export class ScopedRun {
  readonly state: ScopedState = { results: new Map(), whole: new Map(), tokens: new Map() };
  private readonly perNamespace = new Map<string, Map<NamespaceSlice, unknown[]>>();

  constructor(
    private readonly model: Model,
    private readonly mesh: Mesh,
    private readonly config: EngineConfig,
    /** The analysis's reachability, computed on first use. */
    private readonly reachOf: () => Reachability,
    private readonly previous?: ScopedState,
  ) {}

  private get reach(): Reachability {
    return this.reachOf();
  }

  /** The findings of a rule in a namespace: kept when what it read is the same, else computed. */
  findings(rule: Rule, ns: NamespaceSlice, ctx: RuleContext): RawFinding[] | Error {
    let mine = this.state.results.get(rule.id);
    if (!mine) this.state.results.set(rule.id, (mine = new Map()));
    const key = this.keyOf(rule.reads ?? [], ns, this.config);
    const before = this.previous?.results.get(rule.id)?.get(ns.name);
    if (before && sameKey(before.key, key) && this.sameAnchors(before.anchors)) {
      mine.set(ns.name, before);
      return before.found;
    }
    const found = run(() => rule.checkNamespace!(ns, ctx));
    mine.set(ns.name, { key, anchors: this.anchorsOf(found), found });
    return found;
  }

  /** The findings of a workspace rule that declares what it reads: kept while that (and the files they point into) is the same. */
  wholeFindings(rule: Rule, ctx: RuleContext): RawFinding[] | Error {
    const key: unknown[] = [this.config];
    for (const read of rule.reads ?? []) key.push(read === 'egress' || read === 'ingress' || read === 'compiled' ? undefined : this.token(read));
    const before = this.previous?.whole.get(rule.id);
    if (before && sameKey(before.key, key) && this.sameAnchors(before.anchors)) {
      this.state.whole.set(rule.id, before);
      return before.found;
    }
    const found = run(() => rule.check!(ctx));
    this.state.whole.set(rule.id, { key, anchors: this.anchorsOf(found), found });
    return found;
  }

  /**
   * What a rule reads in a namespace: the configuration, the slice, then per read either a workspace-wide
   * token or the namespace's items (computed once per namespace and read, shared by the rules that read it).
   */
  private keyOf(reads: readonly Read[], ns: NamespaceSlice, config: EngineConfig): unknown[] {
    const key: unknown[] = [config, ns];
    for (const read of reads) key.push(read === 'egress' || read === 'ingress' || read === 'compiled' ? this.namespaceItems(read, ns) : this.token(read));
    return key;
  }

  private namespaceItems(read: 'egress' | 'ingress' | 'compiled', ns: NamespaceSlice): unknown[] {
    let byNs = this.perNamespace.get(read);
    if (!byNs) this.perNamespace.set(read, (byNs = new Map()));
    let items = byNs.get(ns);
    if (!items) {
      items = [this.reach.lineageToken];
      if (read === 'compiled') for (const c of compiledIn(this.reach, ns)) items.push(c);
      else for (const w of ns.workloads) items.push(this.reach.policies.of(w, read));
      byNs.set(ns, items);
    }
    return items;
  }

  /** A workspace-wide read, computed once per analysis; the previous analysis's object while its items are the same. */
  private token(read: Exclude<Read, 'egress' | 'ingress' | 'compiled'>): Token {
    let t = this.state.tokens.get(read);
    if (t) return t;
    const items = this.itemsOf(read);
    const before = this.previous?.tokens.get(read);
    t = before && sameList(before.items, items) ? before : { items };
    this.state.tokens.set(read, t);
    return t;
  }

  private itemsOf(read: Exclude<Read, 'egress' | 'ingress' | 'compiled'>): unknown[] {
    switch (read) {
      case 'pods': {
        const items: unknown[] = [];
        for (const w of this.model.workloads) items.push(podShape(w));
        for (const w of this.mesh.assumedWorkloads) items.push(podShape(w));
        for (const n of this.model.namespaces.values()) items.push(namespaceShape(n));
        return items;
      }
      case 'namespaces':
        return [...this.model.namespaces.values()];
      case 'mesh': {
        // The mesh is built of its resources, the pods its gateways select (or that it assumes) and the namespaces.
        const items: unknown[] = [...this.model.meshResources];
        for (const d of this.mesh.deployments) items.push(d.label, ...d.workloads);
        items.push(...this.mesh.assumedWorkloads, this.token('namespaces'));
        return items;
      }
      case 'ports': {
        const items: unknown[] = [];
        for (const w of this.model.workloads) items.push(portShape(w));
        return items;
      }
      case 'dns': {
        const items: unknown[] = [this.reach.lineageToken];
        for (const w of this.reach.dnsTargets) items.push(w, this.reach.policies.of(w, 'ingress'));
        return items;
      }
      case 'policies': {
        const p = this.reach.policies;
        const items: unknown[] = [this.reach.lineageToken, ...this.model.adminPolicies, ...p.adminPolicies, ...p.firewalls];
        // Kubernetes NetworkPolicies are in their namespace's part of the model (and `compiled`).
        for (const t of p.tiers) {
          items.push(`${t.name}\u0000${t.order}\u0000${t.defaultAction}`);
          for (const x of t.policies) if (x.family !== 'netpol') items.push(x);
        }
        return items;
      }
    }
  }

  private anchorsOf(found: RawFinding[] | Error): unknown[] {
    if (found instanceof Error) return [];
    const uris = new Set<string>();
    for (const f of found) {
      uris.add(f.uri);
      for (const r of f.related ?? []) uris.add(r.uri);
    }
    const out: unknown[] = [];
    for (const uri of uris) out.push(uri, this.model.resourcesByFile.get(uri));
    return out;
  }

  /** Whether the files the findings point into are unchanged (so that every span is where it was). */
  private sameAnchors(anchors: readonly unknown[]): boolean {
    for (let i = 0; i < anchors.length; i += 2) if (this.model.resourcesByFile.get(anchors[i] as string) !== anchors[i + 1]) return false;
    return true;
  }
}
