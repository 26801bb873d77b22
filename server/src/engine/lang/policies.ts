/**
 * A policy object as the engine understood it: the workloads it selects and, per direction, whether it
 * restricts and what each of its rules decides. Read from the compiled policies of a Reachability, so it
 * means exactly what the analysis means (NetworkPolicy, admin and baseline policies, Calico, Cilium).
 */
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import { isNetworkPolicy } from '../model/networkpolicy';
import { isAdminPolicy } from '../model/admin';
import { isCalicoPolicy } from '../policy/calico';
import { isCiliumPolicy } from '../policy/cilium';
import type { Reachability } from '../reach/reachability';
import type { YamlPath } from '../parse/locate';
import { IpRangeSet } from '../sets/iprange';
import type { Action, CompiledRule, Direction } from '../reach/rules';
import { rangeCount } from './addresses';

export function isPolicy(r: Resource): boolean {
  return isNetworkPolicy(r) || isAdminPolicy(r) || isCalicoPolicy(r) || isCiliumPolicy(r);
}

export interface RuleView {
  direction: Direction;
  action: Action;
  /** Index in the policy's rule list (of `egress`, `egressDeny`…). */
  index: number;
  path: YamlPath;
  name?: string;
  /** Every peer (no `to`/`from`, or an entity like `all`). */
  any: boolean;
  workloads: Workload[];
  ips: IpRangeSet;
  hosts: string[];
  /** `TCP 5432`, `all ports`, `port "http"`. */
  ports: string;
  rule: CompiledRule;
}

export interface PolicyView {
  resource: Resource;
  /** Workloads selected (sorted by id). */
  subjects: Workload[];
  /** Whether selecting a workload restricts it in that direction. */
  restricts: Record<Direction, boolean>;
  rules: Record<Direction, RuleView[]>;
  /** A Calico staged policy: shown, not enforced. */
  staged: boolean;
}

/** What a rule's ports allow, in words. */
export function portsText(rule: CompiledRule): string {
  const parts: string[] = [];
  const numeric = rule.ports.numeric;
  if (numeric.allPorts && rule.ports.namedPorts().length === 0) return 'all ports';
  if (!numeric.isEmpty) parts.push(numeric.toString());
  for (const n of rule.ports.namedPorts()) parts.push(`port "${n.name}"${n.protocol ? `/${n.protocol}` : ''}`);
  return parts.length > 0 ? parts.join(', ') : 'no ports';
}

function ruleView(rule: CompiledRule): RuleView {
  const o = rule.origin;
  return {
    direction: o.direction,
    action: rule.action,
    index: o.ruleIndex,
    path: o.path,
    name: o.name,
    any: rule.peers.any,
    workloads: [...rule.peers.workloads].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    ips: rule.peers.ips,
    hosts: [...(rule.peers.hosts ?? [])],
    ports: portsText(rule),
    rule,
  };
}

const views = new WeakMap<Reachability, Map<Resource, PolicyView>>();

/** Every policy's view, built once per Reachability. */
function allViews(reach: Reachability): Map<Resource, PolicyView> {
  let m = views.get(reach);
  if (m) return m;
  m = new Map();
  const get = (r: Resource): PolicyView => {
    let v = m!.get(r);
    if (!v) m!.set(r, (v = { resource: r, subjects: [], restricts: { ingress: false, egress: false }, rules: { ingress: [], egress: [] }, staged: false }));
    return v;
  };
  const add = (r: Resource, subjects: Iterable<Workload>, rules: Record<Direction, CompiledRule[]>, restricts: Record<Direction, boolean>) => {
    const v = get(r);
    const have = new Set(v.subjects);
    for (const w of subjects) if (!have.has(w)) v.subjects.push(w);
    for (const dir of ['ingress', 'egress'] as const) {
      v.rules[dir].push(...rules[dir].map(ruleView));
      v.restricts[dir] ||= restricts[dir];
    }
    return v;
  };
  for (const c of reach.policies.netpols) add(c.policy.resource, c.subjects, c.rules, c.policy.affects);
  for (const c of reach.policies.adminPolicies) add(c.resource, c.subjects, c.rules, { ingress: c.rules.ingress.length > 0, egress: c.rules.egress.length > 0 });
  for (const t of reach.policies.tiers) {
    for (const p of t.policies) if (p.family !== 'netpol') add(p.resource, p.subjects, p.rules, { ingress: p.isolates.ingress || p.rules.ingress.length > 0, egress: p.isolates.egress || p.rules.egress.length > 0 });
  }
  for (const p of reach.stagedPolicies) add(p.resource, p.subjects, p.rules, p.isolates).staged = true;
  for (const v of m.values()) {
    v.subjects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  views.set(reach, m);
  return m;
}

/** The view of one policy object (undefined when it is not a policy the engine compiled). */
export function policyView(reach: Reachability, r: Resource): PolicyView | undefined {
  return allViews(reach).get(r);
}

/** The policies that select a workload, in either direction (sorted by kind, namespace and name). */
export function policiesSelecting(reach: Reachability, w: Workload): PolicyView[] {
  const out: PolicyView[] = [];
  for (const v of allViews(reach).values()) if (v.subjects.includes(w)) out.push(v);
  return out.sort((a, b) => (a.resource.key < b.resource.key ? -1 : a.resource.key > b.resource.key ? 1 : 0));
}

/** The compiled rule whose source holds a path of the policy (the rule the cursor is in). */
export function ruleAt(view: PolicyView, path: YamlPath): RuleView | undefined {
  for (const dir of ['egress', 'ingress'] as const) {
    for (const r of view.rules[dir]) if (r.path.length <= path.length && r.path.every((seg, i) => path[i] === seg)) return r;
  }
  return undefined;
}

/** How many distinct destinations the allow rules of a policy name: `all` when one allows every peer. */
export function allowedDestinations(view: PolicyView): number | 'all' {
  const workloads = new Set<string>();
  let ips = IpRangeSet.empty;
  const hosts = new Set<string>();
  for (const r of view.rules.egress) {
    if (r.action !== 'allow') continue;
    if (r.any) return 'all';
    for (const w of r.workloads) workloads.add(w.id);
    ips = ips.union(r.ips);
    for (const h of r.hosts) hosts.add(h);
  }
  if (ips.contains(IpRangeSet.all) || hosts.has('*')) return 'all';
  return workloads.size + rangeCount(ips) + hosts.size;
}
