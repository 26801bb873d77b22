import { spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import type { Span } from '../types';
import { ConnectionSet, type Protocol } from './connections';
import type { Decision, DirectionVerdict } from './evaluate';
import { PortSet } from './portset';
import type { Reachability } from './reachability';
import { peerName, type Peer, type RuleOrigin } from './rules';

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
  direction: 'egress' | 'ingress';
  /** The workload whose policies decide this side. */
  subject: string;
  restricted: boolean;
  allowed: ConnectionSet;
  decisions: ExplainedDecision[];
}

export interface Explanation {
  src: string;
  dst: string;
  allowed: ConnectionSet;
  /** When a single connection was asked about. */
  query?: { protocol: Protocol; port: number; allowed: boolean };
  sides: ExplainedDirection[];
}

function kindName(r: Resource): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

function ruleRef(o: RuleOrigin): SourceRef {
  const where = `spec.${o.direction}[${o.ruleIndex}]${o.name ? ` "${o.name}"` : ''}`;
  return { uri: o.policy.uri, span: spanAt(o.policy, o.path), label: `${kindName(o.policy)}, ${where}` };
}

function policyRef(r: Resource): SourceRef {
  return { uri: r.uri, span: spanAt(r, ['metadata', 'name']), label: kindName(r) };
}

function describe(d: Decision, side: 'egress' | 'ingress', subject: string, other: string): ExplainedDecision {
  const r = d.reason;
  const verb = side === 'egress' ? `to ${other}` : `from ${other}`;
  switch (r.kind) {
    case 'default':
      return { conns: d.conns, verdict: d.verdict, text: `allowed by default: no policy decides ${side} of ${subject} ${verb}`, refs: [] };
    case 'isolated':
      return {
        conns: d.conns,
        verdict: d.verdict,
        text: `denied: ${r.policies.map(kindName).join(', ')} select${r.policies.length === 1 ? 's' : ''} ${subject} for ${side}, and no rule allows ${verb}`,
        refs: r.policies.map(policyRef),
      };
    case 'rule': {
      const ref = ruleRef(r.origin);
      const tier = r.tier === 'admin' ? 'admin rule' : r.tier === 'baseline' ? 'baseline rule' : 'rule';
      return { conns: d.conns, verdict: d.verdict, text: `${d.verdict === 'allow' ? 'allowed' : 'denied'} by ${tier} ${ref.label}`, refs: [ref] };
    }
  }
}

function side(dir: 'egress' | 'ingress', v: DirectionVerdict, subject: string, other: string): ExplainedDirection {
  const decisions = (v.decisions ?? []).map((d) => describe(d, dir, subject, other));
  for (const p of v.passes ?? []) {
    const ref = ruleRef(p.origin);
    decisions.push({ conns: p.conns, verdict: 'allow', text: `passed down by admin rule ${ref.label} (NetworkPolicy and baseline decide)`, refs: [ref] });
  }
  return { direction: dir, subject, restricted: v.restricted, allowed: v.allowed, decisions };
}

/** Why `src` may or may not reach `dst`: every deciding rule, with where it is written. */
export function explainPair(reach: Reachability, src: Peer, dst: Peer, query?: { protocol: Protocol; port: number }): Explanation {
  const v = reach.between(src, dst, true);
  const s = peerName(src);
  const d = peerName(dst);
  const sides: ExplainedDirection[] = [];
  if (v.egress) sides.push(side('egress', v.egress, s, d));
  if (v.ingress) sides.push(side('ingress', v.ingress, d, s));
  if (query) {
    const one = ConnectionSet.of(query.protocol, PortSet.port(query.port));
    for (const sd of sides) sd.decisions = sd.decisions.filter((x) => !x.conns.intersect(one).isEmpty).map((x) => ({ ...x, conns: x.conns.intersect(one) }));
    return { src: s, dst: d, allowed: v.allowed.intersect(one), query: { ...query, allowed: v.allowed.has(query.protocol, query.port) }, sides };
  }
  return { src: s, dst: d, allowed: v.allowed, sides };
}
