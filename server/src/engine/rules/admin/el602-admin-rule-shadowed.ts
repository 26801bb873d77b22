import type { Workload } from '../../model/workloads';
import { ConnectionSet } from '../../sets/connections';
import { IpRangeSet } from '../../sets/iprange';
import { peerMatches, type CompiledRule, type Direction, type Peer } from '../../reach/rules';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { ruleAnchor } from '../netpol/paths';

const GENERIC: Workload = { id: '', kind: '', name: '', namespace: '', labels: {}, ports: [], hostNetwork: false, resources: [] };

function peersOf(ctx: RuleContext, rules: CompiledRule[]): Peer[] {
  const out = new Map<string, Peer>();
  let ips = IpRangeSet.empty;
  for (const r of rules) {
    for (const w of r.peers.workloads) out.set(w.id, { kind: 'workload', workload: w });
    ips = ips.union(r.peers.ips);
  }
  for (const p of ctx.reach.externalDestinations) if (p.kind === 'ip' && ips.overlaps(p.ips)) out.set(p.name, p);
  for (const h of ctx.reach.externalHosts) if (h.kind === 'host') out.set(h.name, h);
  out.set('*', { kind: 'workload', workload: GENERIC });
  return [...out.values()];
}

function conns(r: CompiledRule, dir: Direction, subject: Workload, peer: Peer): ConnectionSet {
  if (!peerMatches(r.peers, peer)) return ConnectionSet.none;
  return r.ports.resolve(dir === 'egress' ? (peer.kind === 'workload' ? peer.workload : undefined) : subject);
}

export const el602 = defineRule({
  id: 'EL602',
  name: 'admin-rule-shadowed',
  severity: 'hint',
  docs: {
    summary: 'A rule of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy never decides anything: earlier rules of the same policy match all of its traffic first.',
    why: 'Rules of an admin policy are evaluated in order and the first match decides. A rule whose traffic an earlier rule always catches is dead, and reads as if it did something.',
    bad: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: egress-guard
spec:
  priority: 5
  subject: {namespaces: {}}
  egress:
  - {name: allow-internal, action: Allow, to: [{networks: [10.0.0.0/8]}]}
  - {name: deny-db-net, action: Deny, to: [{networks: [10.20.0.0/16]}]}
`,
    good: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: egress-guard
spec:
  priority: 5
  subject: {namespaces: {}}
  egress:
  - {name: deny-db-net, action: Deny, to: [{networks: [10.20.0.0/16]}]}
  - {name: allow-internal, action: Allow, to: [{networks: [10.0.0.0/8]}]}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: reorder the rules or remove the dead one.',
  },
  // Each admin policy's own rules, subjects and peers.
  reads: ['policies'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const p of ctx.reach.policies.adminPolicies) {
      const subjects = p.subjects.size > 0 ? [...p.subjects] : [GENERIC];
      for (const dir of ['egress', 'ingress'] as const) {
        const rules = p.rules[dir];
        const peers = peersOf(ctx, rules);
        rules.forEach((rule, j) => {
          if (j === 0) return;
          let catchesSomething = false;
          const dead = subjects.every((s) =>
            peers.every((peer) => {
              const mine = conns(rule, dir, s, peer);
              if (mine.isEmpty) return true;
              catchesSomething = true;
              let before = ConnectionSet.none;
              for (const e of rules.slice(0, j)) before = before.union(conns(e, dir, s, peer));
              return before.contains(mine);
            }),
          );
          if (!dead || !catchesSomething) return;
          const name = rule.origin.name ? `"${rule.origin.name}"` : `${dir} rule ${j + 1}`;
          out.push({
            uri: p.resource.uri,
            span: ruleAnchor(p.resource, rule.origin.path),
            message: `Rule ${name} never decides anything: earlier rules of ${p.resource.kind} ${p.resource.name} match all of its traffic first.`,
          });
        });
      }
    }
    return out;
  },
});
