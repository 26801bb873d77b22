import { objectName, spanAt } from '../../model/anchor';
import { firewallPeers, firewallPorts, firewallRules, isEgressFirewall } from '../../policy/openshift';
import { IpRangeSet } from '../../sets/iprange';
import { normalizeHost } from '../../sets/hosts';
import { defineRule, type RawFinding } from '../rule';

type FirewallRule = { index: number; type: string; ips: IpRangeSet; host?: string; ports: ReturnType<ReturnType<typeof firewallPorts>['resolve']>; nodes: boolean };

/** Whether every connection rule `b` matches is matched by rule `a` (so that `a`, being first, decides it). */
function covers(a: FirewallRule, b: FirewallRule): boolean {
  if (a.nodes || b.nodes || !a.ports.contains(b.ports)) return false;
  if (b.host !== undefined) return a.host === b.host || a.ips.contains(IpRangeSet.allV4);
  return !b.ips.isEmpty && a.ips.contains(b.ips);
}

function where(i: number): string {
  return `spec.egress[${i}]`;
}

export const el801 = defineRule({
  id: 'EL801',
  name: 'egress-firewall-rule-shadowed',
  severity: 'warning',
  docs: {
    summary: 'An OpenShift EgressFirewall (or EgressNetworkPolicy) rule matches everything a later rule matches, so the later rule never applies: typically a Deny of `0.0.0.0/0` that is not the last rule.',
    why: 'Egress firewall rules are evaluated in order and the first rule that matches a connection decides it. A catch-all Deny placed before the Allow rules blocks the destinations those rules were written to allow; the intent is almost always to deny what the rules before it did not allow, which needs the catch-all last.',
    bad: `apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata:
  name: default
  namespace: shop
spec:
  egress:
  - type: Deny
    to:
      cidrSelector: 0.0.0.0/0
  - type: Allow
    to:
      dnsName: api.stripe.com
`,
    good: `apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata:
  name: default
  namespace: shop
spec:
  egress:
  - type: Allow
    to:
      dnsName: api.stripe.com
  - type: Deny
    to:
      cidrSelector: 0.0.0.0/0
`,
    fix: 'none',
    fixSafety: 'No fix: moving the rule changes what the firewall allows, which only its author can decide.',
  },
  // The egress firewalls alone.
  reads: ['policies'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const r of ctx.model.definitions) {
      if (!isEgressFirewall(r)) continue;
      const rules: FirewallRule[] = firewallRules(r)
        .filter(({ rule }) => rule.type === 'Allow' || rule.type === 'Deny')
        .map(({ rule, index }) => {
          const peers = firewallPeers(rule);
          const host = peers.hosts?.[0];
          return { index, type: String(rule.type), ips: peers.ips, ...(host !== undefined ? { host: normalizeHost(host) } : {}), ports: firewallPorts(rule).resolve(), nodes: peers.unmodelled !== undefined };
        });
      const reported = new Set<number>();
      for (const [k, a] of rules.entries()) {
        const shadowed = rules.slice(k + 1).filter((b) => !reported.has(b.index) && covers(a, b));
        if (shadowed.length === 0) continue;
        for (const b of shadowed) reported.add(b.index);
        const contradicts = shadowed.filter((b) => b.type !== a.type);
        const list = shadowed.map((b) => `${where(b.index)} (${b.type})`).join(', ');
        out.push({
          uri: r.uri,
          span: spanAt(r, ['spec', 'egress', a.index, 'to'], true),
          severity: contradicts.length > 0 ? undefined : 'info',
          message:
            contradicts.length > 0
              ? `This ${a.type} rule matches every connection of ${list}, which come${shadowed.length === 1 ? 's' : ''} after it: the first matching rule decides, so ${shadowed.length === 1 ? 'that rule never applies' : 'those rules never apply'} and ${objectName(r)} ${a.type === 'Deny' ? 'blocks' : 'allows'} what ${shadowed.length === 1 ? 'it was' : 'they were'} written to ${a.type === 'Deny' ? 'allow' : 'deny'}. To let ${shadowed.length === 1 ? 'it' : 'them'} decide, move ${shadowed.length === 1 ? 'it' : 'them'} above this rule.`
              : `This ${a.type} rule matches every connection of ${list}, which come${shadowed.length === 1 ? 's' : ''} after it with the same type: ${shadowed.length === 1 ? 'that rule is' : 'those rules are'} redundant.`,
          related: shadowed.map((b) => ({ uri: r.uri, span: spanAt(r, ['spec', 'egress', b.index, 'to'], true), message: `${where(b.index)} never applies: ${where(a.index)} decides first` })),
        });
      }
    }
    return out;
  },
});
