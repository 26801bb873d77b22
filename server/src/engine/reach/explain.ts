import { spanAt } from '../model/anchor';
import { kindName, type Resource } from '../model/resources';
import type { Direction, Span } from '../types';
import { perObject } from '../memo';
import { ConnectionSet, type Protocol } from '../sets/connections';
import type { Decision, DirectionVerdict } from './evaluate';
import { PortSet } from '../sets/portset';
import type { Reachability } from './reachability';
import { peerName, type Peer, type RuleOrigin } from './rules';
import type { Workload } from '../model/workloads';

/** A place in the sources that an explanation points at. */
export interface SourceRef {
  uri: string;
  span: Span;
  /** `NetworkPolicy shop/api-egress, spec.egress[0]` */
  label: string;
}

export interface ExplainedDecision {
  conns: ConnectionSet;
  verdict: 'allow' | 'deny';
  /** One sentence, in the user's words. */
  text: string;
  refs: SourceRef[];
}

export interface ExplainedDirection {
  direction: Direction;
  /** The workload whose policies decide this side. */
  subject: string;
  restricted: boolean;
  allowed: ConnectionSet;
  decisions: ExplainedDecision[];
  /**
   * Rules of this side whose peers may or may not match the other side, which manifests cannot tell
   * (admin `networks` inside the pod ranges, `nodes`): the verdict above takes them to match nothing.
   */
  undecidable?: { text: string; refs: SourceRef[] }[];
}

export interface Explanation {
  src: string;
  dst: string;
  allowed: ConnectionSet;
  /** When a single connection was asked about (`undecidable`: a rule that may match decides it otherwise). */
  query?: { protocol: Protocol; port: number; allowed: boolean; undecidable?: boolean };
  sides: ExplainedDirection[];
}


// A rule's or policy's place is found in its document once (replay explains thousands of connections by
// the same few rules); kept with the rule and the resource, and found again when their document moved (a
// moved document gets a new span object).
const refs = new WeakMap<RuleOrigin | Resource, { at: Span; ref: SourceRef }>();

function kept(key: RuleOrigin | Resource, r: Resource, make: () => SourceRef): SourceRef {
  const k = refs.get(key);
  if (k && k.at === r.doc.span) return k.ref;
  const ref = make();
  refs.set(key, { at: r.doc.span, ref });
  return ref;
}

function ruleRef(o: RuleOrigin): SourceRef {
  return kept(o, o.policy, () => {
    const where = `spec.${o.direction}[${o.ruleIndex}]${o.name ? ` "${o.name}"` : ''}`;
    return { uri: o.policy.uri, span: spanAt(o.policy, o.path), label: `${kindName(o.policy)}, ${where}` };
  });
}

function policyRef(r: Resource): SourceRef {
  return kept(r, r, () => ({ uri: r.uri, span: spanAt(r, ['metadata', 'name']), label: kindName(r) }));
}

/**
 * The names of isolating policies and their places, kept with the list (evaluation gives the same list for
 * every pod of a tier's policies); the places are found again when one of their documents moved.
 */
const isolatingText = perObject((policies: readonly Resource[]) => {
  let spans: Span[] = [];
  let refs: SourceRef[] = [];
  return {
    names: policies.map(kindName).join(', '),
    refs(): SourceRef[] {
      if (spans.length !== policies.length || policies.some((r, i) => r.doc.span !== spans[i])) {
        refs = policies.map(policyRef);
        spans = policies.map((r) => r.doc.span);
      }
      return refs;
    },
  };
});

function describe(d: Decision, side: Direction, subject: string, other: string): ExplainedDecision {
  const r = d.reason;
  const verb = side === 'egress' ? `to ${other}` : `from ${other}`;
  switch (r.kind) {
    case 'default':
      return { conns: d.conns, verdict: d.verdict, text: `allowed by default: no policy decides ${side} of ${subject} ${verb}`, refs: [] };
    case 'isolated': {
      const p = isolatingText(r.policies);
      return { conns: d.conns, verdict: d.verdict, text: `denied: ${p.names} select${r.policies.length === 1 ? 's' : ''} ${subject} for ${side}, and no rule allows ${verb}`, refs: p.refs() };
    }
    case 'rule': {
      const ref = ruleRef(r.origin);
      // Antrea's tiers before NetworkPolicy run in the admin layer, but they are no admin policies.
      const antrea = r.origin.policy.group === 'crd.antrea.io';
      const tier = r.tier === 'admin' ? (antrea ? 'rule' : 'admin rule') : r.tier === 'baseline' ? 'baseline rule' : r.tier === 'firewall' ? 'egress firewall rule' : 'rule';
      return { conns: d.conns, verdict: d.verdict, text: `${d.verdict === 'allow' ? 'allowed' : 'denied'} by ${tier} ${ref.label}`, refs: [ref] };
    }
  }
}

/** One side's decisions, described; with `only`, just those on its connections (cut to them). */
function side(dir: Direction, v: DirectionVerdict, subject: string, other: string, only?: ConnectionSet): ExplainedDirection {
  const decisions: ExplainedDecision[] = [];
  const cut = (conns: ConnectionSet): ConnectionSet | undefined => {
    if (!only) return conns;
    const c = conns.intersect(only);
    return c.isEmpty ? undefined : c;
  };
  for (const d of v.decisions ?? []) {
    const conns = cut(d.conns);
    if (conns) decisions.push({ ...describe(d, dir, subject, other), conns });
  }
  for (const p of v.passes ?? []) {
    const conns = cut(p.conns);
    if (!conns) continue;
    const ref = ruleRef(p.origin);
    decisions.push({ conns, verdict: 'allow', text: `passed down by admin rule ${ref.label} (NetworkPolicy and baseline decide)`, refs: [ref] });
  }
  return { direction: dir, subject, restricted: v.restricted, allowed: v.allowed, decisions };
}

/**
 * The admin-tier rules of a side that may match the other peer without the manifests telling: a workload
 * (its pod IPs are unknown) or, for `nodes`, any peer. With a query, only rules whose ports include it.
 */
function withUndecidable(reach: Reachability, sd: ExplainedDirection, subject: Workload, other: Peer, query?: { protocol: Protocol; port: number }): ExplainedDirection {
  const applied = reach.policies.of(subject, sd.direction);
  const out: { text: string; refs: SourceRef[] }[] = [];
  for (const p of [...applied.admin, ...applied.baseline]) {
    for (const r of p.rules[sd.direction]) {
      if (!r.peers.unmodelled || r.action === 'log') continue;
      if (other.kind === 'workload' && r.peers.workloads.has(other.workload)) continue;
      const conns = r.ports.resolve(sd.direction === 'egress' ? (other.kind === 'workload' ? other.workload : undefined) : subject);
      if (query && !conns.has(query.protocol, query.port)) continue;
      const ref = ruleRef(r.origin);
      for (const text of r.peers.unmodelled) {
        if (other.kind !== 'workload' && !text.startsWith('nodes')) continue;
        out.push({ text: `undecidable: ${r.action === 'allow' ? 'Allow' : r.action === 'deny' ? 'Deny' : 'Pass'} rule ${ref.label}: ${text}`, refs: [ref] });
      }
    }
  }
  return out.length > 0 ? { ...sd, undecidable: out } : sd;
}

/** Why `src` may or may not reach `dst`: every deciding rule, with where it is written. */
export function explainPair(reach: Reachability, src: Peer, dst: Peer, query?: { protocol: Protocol; port: number }): Explanation {
  const v = reach.between(src, dst, true);
  const s = peerName(src);
  const d = peerName(dst);
  const sides: ExplainedDirection[] = [];
  const one = query ? ConnectionSet.of(query.protocol, PortSet.port(query.port)) : undefined;
  if (v.egress && src.kind === 'workload') sides.push(withUndecidable(reach, side('egress', v.egress, s, d, one), src.workload, dst, query));
  if (v.ingress && dst.kind === 'workload') sides.push(withUndecidable(reach, side('ingress', v.ingress, d, s, one), dst.workload, src, query));
  if (query && one) {
    const undecidable = sides.some((sd) => (sd.undecidable ?? []).length > 0);
    return { src: s, dst: d, allowed: v.allowed.intersect(one), query: { ...query, allowed: v.allowed.has(query.protocol, query.port), ...(undecidable ? { undecidable } : {}) }, sides };
  }
  return { src: s, dst: d, allowed: v.allowed, sides };
}
