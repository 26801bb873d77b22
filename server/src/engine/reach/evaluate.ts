import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { CompiledAdminPolicy, CompiledFirewall, CompiledNetpol } from './compiled';
import { ConnectionSet } from '../sets/connections';
import { perObject } from '../memo';
import { peerMatches, type Action, type CompiledRule, type Direction, type Peer, type RuleOrigin } from './rules';
import { DEFAULT_TIER_ORDER, sortPolicies, type OrderedTier, type TierPolicy } from './tiers';

/** Why a slice of connections got its verdict. */
export type Reason =
  | { kind: 'rule'; tier: 'admin' | 'netpol' | 'calico' | 'cilium' | 'gke' | 'baseline' | 'firewall'; action: Action; origin: RuleOrigin }
  /** Policies select the pod in this direction, and none of their rules decided the connections (end of tier). */
  | { kind: 'isolated'; policies: Resource[] }
  /** Nothing decided: Kubernetes allows by default. */
  | { kind: 'default' };

export interface Decision {
  conns: ConnectionSet;
  verdict: 'allow' | 'deny';
  reason: Reason;
}

export interface DirectionVerdict {
  allowed: ConnectionSet;
  /** Present when an explanation was asked for. */
  decisions?: Decision[];
  /** Rules that passed connections down to a later tier. */
  passes?: { conns: ConnectionSet; origin: RuleOrigin }[];
  /** Whether any policy (of any tier) selects the subject in this direction. */
  restricted: boolean;
}

/** The policies in force on a workload in one direction, in evaluation order. */
export interface AppliedPolicies {
  admin: CompiledAdminPolicy[];
  /** Per ordered tier (by order), the policies that apply, in order. */
  tiers: { tier: OrderedTier; policies: TierPolicy[] }[];
  baseline: CompiledAdminPolicy[];
  /** The Kubernetes NetworkPolicies among them (for rules that speak of NetworkPolicy only). */
  netpol: CompiledNetpol[];
  /** Egress firewalls of the workload's namespace (egress only): enforced on top of everything above. */
  firewalls: CompiledFirewall[];
}

const NO_POLICIES: AppliedPolicies = { admin: [], tiers: [], baseline: [], netpol: [], firewalls: [] };

export class PolicyIndex {
  private readonly applied = new Map<Workload, Record<Direction, AppliedPolicies>>();
  readonly tiers: OrderedTier[];
  /** Every compiled policy of the index, to tell the next index what changed. */
  private readonly members: Set<{ readonly subjects: Iterable<Workload> }>;

  /**
   * With the index of the previous analysis (and the same tiers), only the workloads that a changed
   * policy selects (before or now) get their policies collected again; the others keep theirs.
   */
  constructor(
    readonly netpols: readonly CompiledNetpol[],
    readonly adminPolicies: readonly CompiledAdminPolicy[],
    tiers: readonly OrderedTier[] = [],
    previous?: PolicyIndex,
    readonly firewalls: readonly CompiledFirewall[] = [],
  ) {
    const get = (w: Workload) => {
      let a = this.applied.get(w);
      if (!a) {
        a = { ingress: { admin: [], tiers: [], baseline: [], netpol: [], firewalls: [] }, egress: { admin: [], tiers: [], baseline: [], netpol: [], firewalls: [] } };
        this.applied.set(w, a);
      }
      return a;
    };
    const byPriority = [...adminPolicies].sort((x, y) => x.priority - y.priority || cmp(x.resource.name, y.resource.name));
    // Kubernetes NetworkPolicies join the default tier at order 1000 (where Calico puts them).
    const byName = new Map(tiers.map((t) => [t.name, { ...t, policies: [...t.policies] }]));
    const def = byName.get('default') ?? { name: 'default', order: DEFAULT_TIER_ORDER, defaultAction: 'deny' as const, policies: [] };
    byName.set('default', def);
    for (const np of netpols) def.policies.push(np.tierPolicy);
    this.tiers = [...byName.values()].map((t) => ({ ...t, policies: sortPolicies(t.policies) })).sort((a, b) => a.order - b.order || cmp(a.name, b.name));
    this.members = new Set<{ readonly subjects: Iterable<Workload> }>(adminPolicies);
    for (const t of this.tiers) for (const p of t.policies) this.members.add(p);
    for (const np of netpols) this.members.add(np);
    for (const f of firewalls) this.members.add(f);

    let affected: Set<Workload> | undefined;
    if (previous && sameTiers(previous.tiers, this.tiers)) {
      const changed = new Set<Workload>();
      for (const p of this.members) if (!previous.members.has(p)) for (const w of p.subjects) changed.add(w);
      for (const p of previous.members) if (!this.members.has(p)) for (const w of p.subjects) changed.add(w);
      for (const [w, a] of previous.applied) if (!changed.has(w)) this.applied.set(w, a);
      affected = changed;
    }
    const collect = (w: Workload) => affected === undefined || affected.has(w);

    for (const p of byPriority) {
      for (const w of p.subjects) {
        if (!collect(w)) continue;
        for (const dir of ['ingress', 'egress'] as const) {
          if (p.rules[dir].length > 0) get(w)[dir][p.tier].push(p);
        }
      }
    }
    for (const tier of this.tiers) {
      for (const p of tier.policies) {
        for (const w of p.subjects) {
          if (!collect(w)) continue;
          for (const dir of ['ingress', 'egress'] as const) {
            if (!p.isolates[dir] && p.rules[dir].length === 0) continue;
            const slot = get(w)[dir];
            let entry = slot.tiers.find((e) => e.tier === tier);
            if (!entry) slot.tiers.push((entry = { tier, policies: [] }));
            entry.policies.push(p);
          }
        }
      }
    }
    for (const np of netpols) {
      for (const w of np.subjects) {
        if (!collect(w)) continue;
        for (const dir of ['ingress', 'egress'] as const) if (np.policy.affects[dir]) get(w)[dir].netpol.push(np);
      }
    }
    for (const f of firewalls) {
      if (f.rules.length === 0) continue;
      for (const w of f.subjects) if (collect(w)) get(w).egress.firewalls.push(f);
    }
  }

  of(w: Workload, dir: Direction): AppliedPolicies {
    return this.applied.get(w)?.[dir] ?? NO_POLICIES;
  }
}

/** The same tiers, in the same order, with the same default actions (their policies may differ). */
function sameTiers(a: readonly OrderedTier[], b: readonly OrderedTier[]): boolean {
  return a.length === b.length && a.every((t, i) => t.name === b[i].name && t.order === b[i].order && t.defaultAction === b[i].defaultAction);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function portsFor(rule: CompiledRule, dir: Direction, subject: Workload, peer: Peer): ConnectionSet {
  // Named ports name the destination's container ports: the peer for egress, the subject for ingress.
  const dst = dir === 'egress' ? (peer.kind === 'workload' ? peer.workload : undefined) : subject;
  return rule.ports.resolve(dst);
}

/** Every rule in force on a workload in one direction, in evaluation order. */
export function appliedRules(a: AppliedPolicies, dir: Direction): CompiledRule[] {
  const firewall = dir === 'egress' ? a.firewalls.flatMap((f) => f.rules) : [];
  return [...a.admin.flatMap((p) => p.rules[dir]), ...a.tiers.flatMap((t) => t.policies.flatMap((p) => p.rules[dir])), ...a.baseline.flatMap((p) => p.rules[dir]), ...firewall];
}

/** Whether any policy (or, for egress, an egress firewall) applies to a workload in this direction. */
export function anyApplied(a: AppliedPolicies): boolean {
  return a.admin.length + a.tiers.length + a.baseline.length + a.firewalls.length > 0;
}

/**
 * What `subject` may do in one direction with `peer`: the admin tier (by priority; Allow and Deny are
 * final, Pass hands down), then the ordered tiers (Calico tiers by order, the default tier holding
 * NetworkPolicy and Cilium policies: first matching rule decides; the end of a tier denies what a policy
 * isolating the pod left undecided), then the baseline tier, then the default (allow).
 */
export function evaluate(index: PolicyIndex, dir: Direction, subject: Workload, peer: Peer, explain = false): DirectionVerdict {
  return evaluateApplied(index.of(subject, dir), dir, subject, peer, explain);
}

/**
 * The same, with the policies that apply to the subject already collected; then, for traffic leaving the
 * cluster, the egress firewalls of its namespace: the first of their rules that matches decides, a Deny
 * takes away what the policies allowed, and what no rule matches stays as the policies decided.
 */
export function evaluateApplied(applied: AppliedPolicies, dir: Direction, subject: Workload, peer: Peer, explain = false): DirectionVerdict {
  const v = evaluatePolicies(applied, dir, subject, peer, explain);
  if (dir !== 'egress' || applied.firewalls.length === 0) return v;
  const restricted = true;
  if (peer.kind === 'workload') return { ...v, restricted };
  let allowed = v.allowed;
  let decisions = v.decisions ? [...v.decisions] : undefined;
  for (const f of applied.firewalls) {
    let undecided = ConnectionSet.all;
    for (const r of f.rules) {
      if (undecided.isEmpty) break;
      if (!peerMatches(r.peers, peer)) continue;
      const c = portsFor(r, dir, subject, peer).intersect(undecided);
      if (c.isEmpty) continue;
      undecided = undecided.subtract(c);
      if (r.action !== 'deny') {
        // An Allow lets through what the policies allowed: where no policy decided, it is the one that did.
        const kept = allowed.intersect(c);
        if (decisions && !kept.isEmpty) {
          decisions = decisions.map((d) => (d.reason.kind === 'default' ? { ...d, conns: d.conns.subtract(kept) } : d)).filter((d) => !d.conns.isEmpty);
          decisions.push({ conns: kept, verdict: 'allow', reason: { kind: 'rule', tier: 'firewall', action: 'allow', origin: r.origin } });
        }
        continue;
      }
      const cut = allowed.intersect(c);
      if (cut.isEmpty) continue;
      allowed = allowed.subtract(cut);
      // What the policies allowed of it is now the firewall's to explain.
      decisions = decisions?.map((d) => (d.verdict === 'allow' ? { ...d, conns: d.conns.subtract(cut) } : d)).filter((d) => !d.conns.isEmpty);
      decisions?.push({ conns: cut, verdict: 'deny', reason: { kind: 'rule', tier: 'firewall', action: 'deny', origin: r.origin } });
    }
  }
  return { ...v, allowed, restricted, ...(decisions ? { decisions } : {}) };
}

/**
 * The policies of a tier that isolate its pods, per direction: found once per list of policies in force (the
 * same list serves every evaluation of its pods), and the same array each time (explanations keep what they
 * say of it with it).
 */
const isolatingOf = perObject((policies: readonly TierPolicy[]): Record<Direction, Resource[]> => ({
  ingress: policies.filter((p) => p.isolates.ingress).map((p) => p.resource),
  egress: policies.filter((p) => p.isolates.egress).map((p) => p.resource),
}));

function evaluatePolicies(applied: AppliedPolicies, dir: Direction, subject: Workload, peer: Peer, explain = false): DirectionVerdict {
  const restricted = applied.admin.length + applied.tiers.length + applied.baseline.length > 0;
  if (!restricted) {
    return explain ? { allowed: ConnectionSet.all, restricted, decisions: [{ conns: ConnectionSet.all, verdict: 'allow', reason: { kind: 'default' } }] } : { allowed: ConnectionSet.all, restricted };
  }
  const decisions: Decision[] | undefined = explain ? [] : undefined;
  const passes: { conns: ConnectionSet; origin: RuleOrigin }[] | undefined = explain ? [] : undefined;
  let allowed = ConnectionSet.none;
  // Connections no Allow or Deny has decided yet (passed ones included).
  let rest = ConnectionSet.all;
  let undecidedAdmin = ConnectionSet.all;

  admin: for (const p of applied.admin) {
    for (const r of p.rules[dir]) {
      if (r.action === 'log' || !peerMatches(r.peers, peer)) continue;
      const c = portsFor(r, dir, subject, peer).intersect(undecidedAdmin);
      if (c.isEmpty) continue;
      undecidedAdmin = undecidedAdmin.subtract(c);
      if (r.action === 'pass') passes?.push({ conns: c, origin: r.origin });
      else {
        rest = rest.subtract(c);
        if (r.action === 'allow') allowed = allowed.union(c);
        decisions?.push({ conns: c, verdict: r.action === 'allow' ? 'allow' : 'deny', reason: { kind: 'rule', tier: 'admin', action: r.action, origin: r.origin } });
      }
      if (undecidedAdmin.isEmpty) break admin;
    }
  }

  for (const { tier, policies } of applied.tiers) {
    if (rest.isEmpty) break;
    // What this tier has not decided nor passed on.
    let open = rest;
    for (const p of policies) {
      for (const r of p.rules[dir]) {
        if (r.action === 'log' || open.isEmpty || !peerMatches(r.peers, peer)) continue;
        const c = portsFor(r, dir, subject, peer).intersect(open);
        if (c.isEmpty) continue;
        open = open.subtract(c);
        if (r.action === 'pass') {
          passes?.push({ conns: c, origin: r.origin });
          continue;
        }
        rest = rest.subtract(c);
        if (r.action === 'allow') allowed = allowed.union(c);
        decisions?.push({ conns: c, verdict: r.action === 'allow' ? 'allow' : 'deny', reason: { kind: 'rule', tier: p.family, action: r.action, origin: r.origin } });
      }
    }
    const isolating = isolatingOf(policies)[dir];
    if (isolating.length > 0 && !open.isEmpty && tier.defaultAction === 'deny') {
      rest = rest.subtract(open);
      decisions?.push({ conns: open, verdict: 'deny', reason: { kind: 'isolated', policies: isolating } });
    }
  }
  if (rest.isEmpty) return { allowed, decisions, passes, restricted };

  baseline: for (const p of applied.baseline) {
    for (const r of p.rules[dir]) {
      if (r.action === 'pass' || r.action === 'log' || !peerMatches(r.peers, peer)) continue;
      const c = portsFor(r, dir, subject, peer).intersect(rest);
      if (c.isEmpty) continue;
      rest = rest.subtract(c);
      if (r.action === 'allow') allowed = allowed.union(c);
      decisions?.push({ conns: c, verdict: r.action === 'allow' ? 'allow' : 'deny', reason: { kind: 'rule', tier: 'baseline', action: r.action, origin: r.origin } });
      if (rest.isEmpty) break baseline;
    }
  }
  if (!rest.isEmpty) {
    allowed = allowed.union(rest);
    decisions?.push({ conns: rest, verdict: 'allow', reason: { kind: 'default' } });
  }
  return { allowed, decisions, passes, restricted };
}
