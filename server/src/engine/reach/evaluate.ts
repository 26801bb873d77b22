import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { CompiledAdminPolicy } from './compile-admin';
import type { CompiledNetpol } from './compile-netpol';
import { ConnectionSet } from './connections';
import { peerMatches, type Action, type CompiledRule, type Direction, type Peer, type RuleOrigin } from './rules';

/** Why a slice of connections got its verdict. */
export type Reason =
  | { kind: 'rule'; tier: 'admin' | 'netpol' | 'baseline'; action: Action; origin: RuleOrigin }
  /** NetworkPolicies select the pod in this direction, and none of their rules allows the connections. */
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
  /** Admin rules that passed connections down to NetworkPolicy/baseline. */
  passes?: { conns: ConnectionSet; origin: RuleOrigin }[];
  /** Whether any policy (of any tier) selects the subject in this direction. */
  restricted: boolean;
}

/** The policies that apply to each workload, per direction and tier, in evaluation order. */
export interface AppliedPolicies {
  admin: CompiledAdminPolicy[];
  netpol: CompiledNetpol[];
  baseline: CompiledAdminPolicy[];
}

const NO_POLICIES: AppliedPolicies = { admin: [], netpol: [], baseline: [] };

export class PolicyIndex {
  private readonly applied = new Map<Workload, Record<Direction, AppliedPolicies>>();

  constructor(
    readonly netpols: readonly CompiledNetpol[],
    readonly adminPolicies: readonly CompiledAdminPolicy[],
  ) {
    const get = (w: Workload) => {
      let a = this.applied.get(w);
      if (!a) {
        a = { ingress: { admin: [], netpol: [], baseline: [] }, egress: { admin: [], netpol: [], baseline: [] } };
        this.applied.set(w, a);
      }
      return a;
    };
    const byPriority = [...adminPolicies].sort((x, y) => x.priority - y.priority || cmp(x.resource.name, y.resource.name));
    for (const p of byPriority) {
      for (const w of p.subjects) {
        for (const dir of ['ingress', 'egress'] as const) {
          if (p.rules[dir].length > 0) get(w)[dir][p.tier].push(p);
        }
      }
    }
    for (const np of netpols) {
      for (const w of np.subjects) {
        for (const dir of ['ingress', 'egress'] as const) if (np.policy.affects[dir]) get(w)[dir].netpol.push(np);
      }
    }
  }

  of(w: Workload, dir: Direction): AppliedPolicies {
    return this.applied.get(w)?.[dir] ?? NO_POLICIES;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function portsFor(rule: CompiledRule, dir: Direction, subject: Workload, peer: Peer): ConnectionSet {
  // Named ports name the destination's container ports: the peer for egress, the subject for ingress.
  const dst = dir === 'egress' ? (peer.kind === 'workload' ? peer.workload : undefined) : subject;
  return rule.ports.resolve(dst);
}

/**
 * What `subject` may do in one direction with `peer`: admin tier (by priority; Allow and Deny are
 * final, Pass hands down), then NetworkPolicy (isolation: only what a rule allows), then the
 * baseline tier, then the default (allow).
 */
export function evaluate(index: PolicyIndex, dir: Direction, subject: Workload, peer: Peer, explain = false): DirectionVerdict {
  const applied = index.of(subject, dir);
  const restricted = applied.admin.length + applied.netpol.length + applied.baseline.length > 0;
  if (!restricted) {
    return explain ? { allowed: ConnectionSet.all, restricted, decisions: [{ conns: ConnectionSet.all, verdict: 'allow', reason: { kind: 'default' } }] } : { allowed: ConnectionSet.all, restricted };
  }
  const decisions: Decision[] | undefined = explain ? [] : undefined;
  const passes: { conns: ConnectionSet; origin: RuleOrigin }[] | undefined = explain ? [] : undefined;
  let allowed = ConnectionSet.none;
  // Connections not yet decided by an Allow or Deny of the admin tier (passed ones included).
  let rest = ConnectionSet.all;
  let undecidedAdmin = ConnectionSet.all;

  admin: for (const p of applied.admin) {
    for (const r of p.rules[dir]) {
      if (!peerMatches(r.peers, peer)) continue;
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
  if (rest.isEmpty) return { allowed, decisions, passes, restricted };

  if (applied.netpol.length > 0) {
    let npAllowed = ConnectionSet.none;
    for (const np of applied.netpol) {
      for (const r of np.rules[dir]) {
        if (!peerMatches(r.peers, peer)) continue;
        const c = portsFor(r, dir, subject, peer).intersect(rest);
        if (c.isEmpty) continue;
        npAllowed = npAllowed.union(c);
        decisions?.push({ conns: c, verdict: 'allow', reason: { kind: 'rule', tier: 'netpol', action: 'allow', origin: r.origin } });
      }
    }
    allowed = allowed.union(npAllowed);
    const denied = rest.subtract(npAllowed);
    if (!denied.isEmpty) decisions?.push({ conns: denied, verdict: 'deny', reason: { kind: 'isolated', policies: applied.netpol.map((n) => n.policy.resource) } });
    return { allowed, decisions, passes, restricted };
  }

  baseline: for (const p of applied.baseline) {
    for (const r of p.rules[dir]) {
      if (r.action === 'pass' || !peerMatches(r.peers, peer)) continue;
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
