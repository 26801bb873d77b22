import { isSeq, Scalar } from 'yaml';
import { objectName, spanAt } from '../../model/anchor';
import { isRecord } from '../../model/resources';
import { locate } from '../../parse/locate';
import { appendItem } from '../../fixes/yaml-edit';
import { ciliumSpecs, isCiliumPolicy } from '../../policy/cilium';
import type { DnsSelector } from '../../config';
import { dnsOf } from '../netpol/el104-egress-blocks-dns';
import { defineRule, type RawFinding } from '../rule';
import { resourceAt } from '../lookup';
import { ciliumEgressRules, hasDnsProxy } from './paths';

/** The DNS proxy rule as Cilium's documentation writes it, for the configured DNS pods. */
export function dnsProxyRule(dns: DnsSelector): Record<string, unknown> {
  const quoted = (k: string) => Object.assign(new Scalar(k), { type: Scalar.QUOTE_DOUBLE });
  const labels = new Map<unknown, unknown>();
  labels.set(quoted('k8s:io.kubernetes.pod.namespace'), dns.namespaceSelector['kubernetes.io/metadata.name'] ?? 'kube-system');
  for (const [k, v] of Object.entries(dns.podSelector)) labels.set(quoted(`k8s:${k}`), v);
  return {
    toEndpoints: [{ matchLabels: labels }],
    toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
  };
}

export const el401 = defineRule({
  id: 'EL401',
  name: 'fqdn-without-dns-proxy',
  severity: 'error',
  docs: {
    summary: 'A Cilium policy uses `toFQDNs`, but no egress rule of the pods it selects sends DNS through Cilium’s DNS proxy (an L7 `dns` rule), so the names are never learnt.',
    why: 'Cilium allows a name by watching the DNS answers for it. Without a rule with `rules: {dns: …}` on port 53, the proxy never sees the answers, the `toFQDNs` rule matches no address, and the connection is dropped.',
    bad: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: to-github
  namespace: ci
spec:
  endpointSelector:
    matchLabels: {app: runner}
  egress:
  - toFQDNs:
    - matchName: api.github.com
    toPorts:
    - ports:
      - {port: "443", protocol: TCP}
`,
    good: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: to-github
  namespace: ci
spec:
  endpointSelector:
    matchLabels: {app: runner}
  egress:
  - toFQDNs:
    - matchName: api.github.com
    toPorts:
    - ports:
      - {port: "443", protocol: TCP}
  - toEndpoints:
    - matchLabels:
        "k8s:io.kubernetes.pod.namespace": kube-system
        "k8s:k8s-app": kube-dns
    toPorts:
    - ports:
      - {port: "53", protocol: ANY}
      rules:
        dns:
        - matchPattern: "*"
`,
    fix: 'safe',
    fixSafety: 'Safe: adds the DNS proxy rule of Cilium’s documentation (port 53 to kube-dns, `matchPattern: "*"`), which allows DNS the pods could not do before and lets the `toFQDNs` rule work as written.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    // Which workloads get DNS through the proxy, from any Cilium policy.
    const proxied = new Set<string>();
    const specHasProxy = new Map<string, boolean>();
    for (const e of ciliumEgressRules(ctx.model.definitions)) {
      const key = `${e.r.key}#${e.specPath.join('.')}`;
      if (hasDnsProxy(e.rule)) specHasProxy.set(key, true);
    }
    for (const w of ctx.model.workloads) {
      for (const { policies } of ctx.reach.policies.of(w, 'egress').tiers) {
        for (const p of policies) {
          if (p.family !== 'cilium') continue;
          for (const { spec } of ciliumSpecs(p.resource)) if ((Array.isArray(spec.egress) ? spec.egress : []).some((x) => isRecord(x) && hasDnsProxy(x))) proxied.add(w.id);
        }
      }
    }
    for (const e of ciliumEgressRules(ctx.model.definitions)) {
      if (!Array.isArray(e.rule.toFQDNs)) continue;
      const key = `${e.r.key}#${e.specPath.join('.')}`;
      const subjects = ctx.model.workloads.filter((w) => ctx.reach.policies.of(w, 'egress').tiers.some((t) => t.policies.some((p) => p.resource === e.r)));
      const missing = subjects.length > 0 ? subjects.filter((w) => !proxied.has(w.id)) : specHasProxy.get(key) ? [] : [null];
      if (missing.length === 0) continue;
      // What EL104 would say of these pods (it leaves them to this rule when only Cilium restricts them).
      const blind = ctx.reach.dnsTargets.length > 0 && missing.some((w) => w !== null && !dnsOf(ctx, w).udp);
      const who = missing[0] ? `pods of ${missing.map((w) => objectName(w!)).slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}` : 'the pods it selects';
      out.push({
        uri: e.r.uri,
        span: spanAt(e.r, [...e.path, 'toFQDNs'], true),
        message: `No egress rule sends the DNS of ${who} through Cilium's DNS proxy (toPorts with rules.dns on port 53): the names of this toFQDNs rule are never learnt, and the connections are dropped.${blind ? ' DNS is not allowed at all either, so the pods cannot resolve any name (the DNS proxy rule allows it).' : ''}`,
        data: { specPath: e.specPath },
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const specPath = ctx.finding.data?.specPath;
    if (!r || !isCiliumPolicy(r) || !Array.isArray(specPath)) return [];
    const seq = locate(r.doc.doc, [...r.path, ...(specPath as (string | number)[]), 'egress']).node;
    if (!seq || !isSeq(seq)) return [];
    const edit = appendItem(ctx.file, seq, dnsProxyRule(ctx.config.dns));
    return edit ? [{ title: 'Add the DNS proxy rule (port 53 to kube-dns, rules.dns matchPattern "*")', safety: 'safe', edits: [edit] }] : [];
  },
});
