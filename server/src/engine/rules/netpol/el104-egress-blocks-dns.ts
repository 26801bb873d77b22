import { nameSpan, objectName } from '../../model/anchor';
import type { Workload } from '../../model/workloads';
import type { AppliedPolicies } from '../../reach/evaluate';
import type { ConnectionSet } from '../../sets/connections';
import type { Reachability } from '../../reach/reachability';
import { perGeneration } from '../../memo';
import { isSeq } from 'yaml';
import { addKey, appendItem, replaceWithList } from '../../fixes/yaml-edit';
import { isMatchAll } from '../../model/selector';
import { locate } from '../../parse/locate';
import { dnsEgressRule } from '../../scaffold/default-deny';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { resourceAt } from '../lookup';
import { isCiliumPolicy } from '../../policy/cilium';
import { ciliumEgressRules } from '../cilium/paths';
import { onlyGkeFqdnPolicies } from '../gke/paths';

function dnsName(ctx: RuleContext): string {
  const t = ctx.reach.dnsTargets[0];
  if (!t) return 'the cluster DNS';
  return t.kind === 'assumed' ? `the cluster DNS (pods ${Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(',')} in ${t.namespace})` : t.id;
}

/**
 * What a workload may open to a DNS pod, kept while the policies in force on both sides are the same
 * objects (the policy index keeps them for workloads that no changed policy selects): per reachability,
 * carried over from the one it took its tables from, for the workloads it still has.
 */
interface DnsVerdicts {
  egress: AppliedPolicies;
  targets: Map<Workload, { ingress: AppliedPolicies; allowed: ConnectionSet }>;
}
const dnsVerdicts = perGeneration<Reachability, Workload, DnsVerdicts>(
  (reach) => reach.takenOver,
  (reach) => {
    const present = new Set(reach.workloads);
    return (w) => present.has(w);
  },
);

function dnsAllowed(ctx: RuleContext, w: Workload, t: Workload): ConnectionSet {
  const egress = ctx.reach.policies.of(w, 'egress');
  const ingress = ctx.reach.policies.of(t, 'ingress');
  const table = dnsVerdicts(ctx.reach);
  let hit = table.get(w);
  if (!hit || hit.egress !== egress) table.set(w, (hit = { egress, targets: new Map() }));
  const known = hit.targets.get(t);
  if (known && known.ingress === ingress) return known.allowed;
  const allowed = ctx.reach.between({ kind: 'workload', workload: w }, { kind: 'workload', workload: t }).allowed;
  hit.targets.set(t, { ingress, allowed });
  // DNS pods edited since: their old objects are dropped, not kept beside the new ones.
  if (hit.targets.size > ctx.reach.dnsTargets.length) for (const old of hit.targets.keys()) if (!ctx.reach.dnsTargets.includes(old)) hit.targets.delete(old);
  return allowed;
}

/** Whether a NetworkPolicy rule would fix it: every DNS denial comes from NetworkPolicy isolation of the workload. */
/** Whether a workload's egress reaches the cluster DNS on UDP 53 and on TCP 53. */
export function dnsOf(ctx: RuleContext, w: Workload): { udp: boolean; tcp: boolean } {
  let udp = false;
  let tcp = false;
  for (const t of ctx.reach.dnsTargets) {
    if (t === w) continue;
    const allowed = dnsAllowed(ctx, w, t);
    udp ||= allowed.has('UDP', 53);
    tcp ||= allowed.has('TCP', 53);
  }
  return { udp, tcp };
}

function fixableByNetworkPolicy(ctx: RuleContext, w: Workload): boolean {
  for (const t of ctx.reach.dnsTargets) {
    const v = ctx.reach.between({ kind: 'workload', workload: w }, { kind: 'workload', workload: t }, true);
    if (v.ingress && !(v.ingress.allowed.has('UDP', 53) && v.ingress.allowed.has('TCP', 53))) return false;
    for (const d of v.egress?.decisions ?? []) {
      if (d.verdict === 'deny' && d.reason.kind !== 'isolated' && (d.conns.has('UDP', 53) || d.conns.has('TCP', 53))) return false;
    }
  }
  return true;
}

export const el104 = defineRule({
  id: 'EL104',
  name: 'egress-blocks-dns',
  severity: 'warning',
  docs: {
    summary: 'A workload’s egress is restricted and no allowed path reaches the cluster DNS on UDP 53 and TCP 53 (only UDP allowed: info).',
    why: 'Pods resolve every name through the cluster DNS (kube-system, `k8s-app: kube-dns` by default; see the `dns` setting). A default-deny that forgets DNS breaks every connection by name, and one that allows only UDP breaks large answers, which fall back to TCP.',
    bad: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    good: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: kube-system}
      podSelector:
        matchLabels: {k8s-app: kube-dns}
    ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
`,
    fix: 'safe',
    fixSafety: 'Safe: adds a rule allowing UDP and TCP 53 to the cluster DNS pods to a NetworkPolicy that already restricts the workload’s egress (rules only add, and the pods it selects are already restricted). Not offered when an admin policy, or the DNS pods’ own ingress policy, is what blocks DNS.',
  },
  // Whether a workload reaches the DNS pods: its egress, their ingress.
  reads: ['egress', 'dns'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    if (ctx.reach.dnsTargets.length === 0) return out;
    for (const w of ns.workloads) {
      if (w.hostNetwork || !ctx.reach.egressRestricted(w)) continue;
      const { udp, tcp } = dnsOf(ctx, w);
      if (udp && tcp) continue;
      const r = w.resources[0];
      const policies = ctx.reach.policies.of(w, 'egress');
      const inForce = new Set([...policies.admin.map((p) => p.resource), ...policies.tiers.flatMap((t) => t.policies.map((p) => p.resource)), ...policies.baseline.map((p) => p.resource)]);
      // Only Cilium policies restrict it, one of them with toFQDNs: the missing DNS is EL401's, whose fix (the DNS
      // proxy rule) allows DNS as well; not reported twice.
      if (!udp && [...inForce].every((p) => isCiliumPolicy(p)) && ciliumEgressRules([...inForce]).some((e) => Array.isArray(e.rule.toFQDNs))) continue;
      // Only GKE FQDNNetworkPolicies restrict it: EL701's, at the policy, with a NetworkPolicy for DNS as its fix.
      if (!udp && onlyGkeFqdnPolicies(policies)) continue;
      const related = [...inForce].map((p) => ({
        uri: p.uri,
        span: nameSpan(p),
        message: `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name} restricts the egress of ${objectName(w)}`,
      }));
      out.push({
        uri: r.uri,
        span: nameSpan(r),
        severity: udp ? 'info' : undefined,
        message: udp
          ? `Pods of ${objectName(w)} reach ${dnsName(ctx)} on UDP 53 only: answers too large for UDP fall back to TCP 53 and fail.`
          : `Pods of ${objectName(w)} cannot resolve names: their egress is restricted and allows no DNS traffic (UDP and TCP 53) to ${dnsName(ctx)}.`,
        related,
        data: { namespace: w.namespace, fixable: fixableByNetworkPolicy(ctx, w) },
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || ctx.finding.data?.fixable !== true) return [];
    const w = ctx.model.workloads.find((x) => x.resources.includes(r));
    if (!w) return [];
    // Prefer the namespace-wide policy (the default-deny), so every pod it isolates gets DNS back.
    const candidates = ctx.reach.policies.of(w, 'egress').netpol.map((c) => c.policy);
    const np = candidates.find((p) => isMatchAll(p.podSelector)) ?? candidates[0];
    if (!np) return [];
    const file = ctx.files.find((f) => f.uri === np.resource.uri);
    if (!file) return [];
    const rule = dnsEgressRule(ctx.config.dns);
    const doc = np.resource.doc.doc;
    const base = [...np.resource.path, 'spec'];
    const at = locate(doc, [...base, 'egress']);
    let edit;
    if (at.node && isSeq(at.node) && at.node.items.length > 0) edit = appendItem(file, at.node, rule);
    else if (at.key) edit = replaceWithList(file, at.key, at.node, rule);
    else {
      const spec = locate(doc, base).node;
      edit = spec && addKey(file, spec, 'egress', [rule]);
    }
    return edit ? [{ title: `Allow DNS in NetworkPolicy ${np.namespace}/${np.name} (UDP and TCP 53 to the cluster DNS)`, safety: 'safe', edits: [edit] }] : [];
  },
});
