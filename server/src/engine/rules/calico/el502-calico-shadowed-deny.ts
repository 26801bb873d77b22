import { nameSpan } from '../../model/anchor';
import type { Workload } from '../../model/workloads';
import { ConnectionSet } from '../../sets/connections';
import { peerMatches, type CompiledRule, type Peer } from '../../reach/rules';
import type { TierPolicy } from '../../reach/tiers';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { ruleAnchor } from '../netpol/paths';

const GENERIC: Workload = { id: '', kind: '', name: '', namespace: '', labels: {}, ports: [], hostNetwork: false, resources: [] };

function destinationsOf(ctx: RuleContext, rule: CompiledRule): Peer[] {
  if (rule.peers.any) return [...ctx.reach.workloads.map((w) => ({ kind: 'workload', workload: w }) as Peer), ...ctx.reach.externalDestinations, ...ctx.reach.externalHosts, { kind: 'workload', workload: GENERIC }];
  return [
    ...[...rule.peers.workloads].map((w) => ({ kind: 'workload', workload: w }) as Peer),
    ...ctx.reach.externalDestinations.filter((p) => p.kind === 'ip' && rule.peers.ips.overlaps(p.ips)),
    ...ctx.reach.externalHosts.filter((h) => peerMatches(rule.peers, h)),
  ];
}

/** What earlier policies of the tier allow, first match first, for one destination. */
function allowedBefore(earlier: TierPolicy[], peer: Peer): ConnectionSet {
  let open = ConnectionSet.all;
  let allowed = ConnectionSet.none;
  for (const p of earlier) {
    for (const r of p.rules.egress) {
      if (r.action === 'log' || !peerMatches(r.peers, peer)) continue;
      const c = r.ports.resolve(peer.kind === 'workload' ? peer.workload : undefined).intersect(open);
      open = open.subtract(c);
      if (r.action === 'allow') allowed = allowed.union(c);
    }
  }
  return allowed;
}

export const el502 = defineRule({
  id: 'EL502',
  name: 'calico-shadowed-deny',
  severity: 'warning',
  docs: {
    summary: 'A Calico Deny egress rule never takes effect: a policy of lower order in the same tier always allows the same traffic first.',
    why: 'In a Calico tier the first matching rule decides, policy by policy in order. A Deny placed after an Allow that covers it reads like a guardrail and stops nothing.',
    bad: `apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
  labels: {app: api}
spec:
  containers:
  - name: api
    image: shop/api:1
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: shop
spec:
  order: 100
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [80, 443]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: no-plain-http
  namespace: shop
spec:
  order: 200
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Deny
    protocol: TCP
    destination:
      ports: [80]
`,
    good: `apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
  labels: {app: api}
spec:
  containers:
  - name: api
    image: shop/api:1
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: shop
spec:
  order: 100
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [80, 443]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: no-plain-http
  namespace: shop
spec:
  order: 50
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Deny
    protocol: TCP
    destination:
      ports: [80]
`,
    fix: 'none',
    fixSafety: 'No automatic fix: either the Deny moves before the Allow (lower order), or it goes.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const tier of ctx.reach.policies.tiers) {
      for (const p of tier.policies) {
        if (p.family !== 'calico' || p.subjects.size === 0) continue;
        p.rules.egress.forEach((rule) => {
          if (rule.action !== 'deny') return;
          const dests = destinationsOf(ctx, rule);
          let shadowedBy: TierPolicy | undefined;
          let denies = false;
          const everywhere = [...p.subjects].every((w) => {
            const entry = ctx.reach.policies.of(w, 'egress').tiers.find((t) => t.tier.name === tier.name);
            const earlier = entry ? entry.policies.slice(0, entry.policies.indexOf(p)) : [];
            return dests.every((d) => {
              if (!peerMatches(rule.peers, d)) return true;
              const mine = rule.ports.resolve(d.kind === 'workload' ? d.workload : undefined);
              if (mine.isEmpty) return true;
              denies = true;
              const before = allowedBefore(earlier, d);
              if (!before.contains(mine)) return false;
              shadowedBy ??= earlier.find((e) => e.rules.egress.some((r) => r.action === 'allow' && peerMatches(r.peers, d)));
              return true;
            });
          });
          if (!everywhere || !denies) return;
          out.push({
            uri: p.resource.uri,
            span: ruleAnchor(p.resource, rule.origin.path),
            message: `This Deny never takes effect: ${shadowedBy ? `${shadowedBy.resource.kind} ${shadowedBy.name} (order ${shadowedBy.order})` : 'a policy of lower order'} allows the same traffic first, and in a Calico tier the first match decides.`,
            related: shadowedBy ? [{ uri: shadowedBy.resource.uri, span: nameSpan(shadowedBy.resource), message: `allows this traffic first (order ${shadowedBy.order})` }] : undefined,
          });
        });
      }
    }
    return out;
  },
});
