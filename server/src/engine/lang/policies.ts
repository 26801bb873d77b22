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

/** What the compiled policies say of one policy object (a policy compiled in several tiers has several parts). */
interface Part {
  subjects: Iterable<Workload>;
  rules: Record<Direction, CompiledRule[]>;
  restricts: Record<Direction, boolean>;
  staged: boolean;
}

const parts = new WeakMap<Reachability, Map<Resource, Part[]>>();
const views = new WeakMap<Reachability, Map<Resource, PolicyView>>();

/** Every policy's parts, gathered once per Reachability (its views are built when asked for). */
function partsOf(reach: Reachability): Map<Resource, Part[]> {
  let m = parts.get(reach);
  if (m) return m;
  m = new Map();
  const add = (r: Resource, part: Part) => {
    const list = m!.get(r);
    if (list) list.push(part);
    else m!.set(r, [part]);
  };
  for (const c of reach.policies.netpols) add(c.policy.resource, { subjects: c.subjects, rules: c.rules, restricts: c.policy.affects, staged: false });
  for (const c of reach.policies.adminPolicies) add(c.resource, { subjects: c.subjects, rules: c.rules, restricts: { ingress: c.rules.ingress.length > 0, egress: c.rules.egress.length > 0 }, staged: false });
  for (const t of reach.policies.tiers) {
    for (const p of t.policies) {
      if (p.family !== 'netpol') add(p.resource, { subjects: p.subjects, rules: p.rules, restricts: { ingress: p.isolates.ingress || p.rules.ingress.length > 0, egress: p.isolates.egress || p.rules.egress.length > 0 }, staged: false });
    }
  }
  for (const p of reach.stagedPolicies) add(p.resource, { subjects: p.subjects, rules: p.rules, restricts: p.isolates, staged: true });
  // OpenShift egress firewalls: every pod of their namespace, egress leaving the cluster.
  for (const f of reach.policies.firewalls) add(f.resource, { subjects: f.subjects, rules: { egress: f.rules, ingress: [] }, restricts: { ingress: false, egress: f.rules.length > 0 }, staged: false });
  parts.set(reach, m);
  return m;
}

function viewOf(resource: Resource, list: readonly Part[]): PolicyView {
  const v: PolicyView = { resource, subjects: [], restricts: { ingress: false, egress: false }, rules: { ingress: [], egress: [] }, staged: false };
  const have = new Set<Workload>();
  // A policy compiled in several parts (an Antrea policy once per namespace of its subjects) shows each rule
  // once, with the peers it has in every part.
  const ruleSeen = new Map<string, RuleView>();
  for (const part of list) {
    for (const w of part.subjects) {
      if (have.has(w)) continue;
      have.add(w);
      v.subjects.push(w);
    }
    for (const dir of ['ingress', 'egress'] as const) {
      for (const r of part.rules[dir]) {
        const key = `${dir}:${r.origin.path.join('.')}`;
        const seen = ruleSeen.get(key);
        if (seen) {
          const more = [...r.peers.workloads].filter((w) => !seen.workloads.includes(w));
          if (more.length > 0) seen.workloads = [...seen.workloads, ...more].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          continue;
        }
        const view = ruleView(r);
        ruleSeen.set(key, view);
        v.rules[dir].push(view);
      }
      v.restricts[dir] ||= part.restricts[dir];
    }
    v.staged ||= part.staged;
  }
  v.subjects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return v;
}

/** The view of one policy object (undefined when it is not a policy the engine compiled); built once per Reachability. */
export function policyView(reach: Reachability, r: Resource): PolicyView | undefined {
  let m = views.get(reach);
  if (!m) views.set(reach, (m = new Map()));
  const hit = m.get(r);
  if (hit) return hit;
  const list = partsOf(reach).get(r);
  if (!list) return undefined;
  const v = viewOf(r, list);
  m.set(r, v);
  return v;
}

/** The policies that select a workload, in either direction (sorted by kind, namespace and name). */
export function policiesSelecting(reach: Reachability, w: Workload): PolicyView[] {
  const out: PolicyView[] = [];
  for (const [r, list] of partsOf(reach)) {
    if (list.some((p) => (p.subjects instanceof Set ? p.subjects.has(w) : [...p.subjects].includes(w)))) out.push(policyView(reach, r)!);
  }
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
