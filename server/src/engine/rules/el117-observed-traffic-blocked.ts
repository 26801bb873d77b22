import { isSeq } from 'yaml';
import { addKey, appendItem, replaceWithList } from '../fixes/yaml-edit';
import { WorkloadMatcher } from '../flows/match';
import type { ObservedConnectionRecord, ObservedEndpointRecord } from '../flows/observed';
import { evaluateConnection, type ConnectionEnd } from '../flows/replay';
import { locate } from '../parse/locate';
import type { SourceRef } from '../reach/explain';
import { parseCidr } from '../reach/iprange';
import { defineRule, type RawFinding } from './rule';
import { isMatchAll } from '../model/selector';

/** A record's end in the workspace: the workload its namespace and labels match, an address, or nothing (unknown). */
function endOf(matcher: WorkloadMatcher, e: ObservedEndpointRecord): ConnectionEnd | undefined {
  if (e.namespace !== undefined) {
    const r = matcher.resolve({ namespace: e.namespace, ...(e.labels ? { labels: e.labels } : {}) });
    return r.kind === 'workload' ? { kind: 'workload', workload: r.workload } : undefined;
  }
  if (!e.ip && !e.names?.length) return undefined;
  return { kind: 'external', ...(e.ip ? { ip: e.ip } : {}), names: e.names ?? [] };
}

function endName(e: ConnectionEnd): string {
  return e.kind === 'workload' ? `${e.workload.namespace}/${e.workload.name}` : (e.names[0] ?? e.ip ?? '');
}

/** The NetworkPolicy peer that matches exactly this end (none for a name: NetworkPolicy cannot say one). */
function peerOf(e: ConnectionEnd): Record<string, unknown> | undefined {
  if (e.kind === 'workload') return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': e.workload.namespace } }, podSelector: { matchLabels: { ...e.workload.labels } } };
  const c = e.ip ? parseCidr(e.ip.includes(':') ? `${e.ip}/128` : `${e.ip}/32`) : undefined;
  return c ? { ipBlock: { cidr: c.canonical } } : undefined;
}

const matchers = new WeakMap<object, WorkloadMatcher>();

export const el117 = defineRule({
  id: 'EL117',
  name: 'observed-traffic-blocked',
  severity: 'warning',
  docs: {
    summary: 'A policy would block traffic that was observed in the cluster (flow logs loaded with Egress Lens: Load Observed Flows…, or passed as `observedFlows`).',
    why: 'Applying a policy that blocks connections the workloads make today breaks production. Replaying the flows the cluster recorded (Hubble, Calico flow logs, VPC flow logs) against the workspace shows which policy would cut which connection before it is applied.',
    bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\n  namespace: billing\nspec:\n  selector:\n    matchLabels: {app: ledger}\n  template:\n    metadata:\n      labels: {app: ledger}\n    spec:\n      containers:\n      - name: ledger\n        image: billing/ledger:1\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: billing\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n',
    good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\n  namespace: billing\nspec:\n  selector:\n    matchLabels: {app: ledger}\n  template:\n    metadata:\n      labels: {app: ledger}\n    spec:\n      containers:\n      - name: ledger\n        image: billing/ledger:1\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: billing\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 203.0.113.7/32}\n    ports:\n    - {protocol: TCP, port: 443}\n',
    fixSafety: 'Unsafe (offered one by one, never in fix-all): adds a rule allowing exactly the observed connections (that destination, those ports) to the narrowest NetworkPolicy that selects the pods (a namespace-wide default-deny only when no other does), which opens traffic; review that it is wanted. Not offered when the destination is known by name only, or no NetworkPolicy selects the pods.',
    config: { observedFlows: [{ from: { namespace: 'billing', labels: { app: 'ledger' } }, to: { ip: '203.0.113.7', names: ['api.stripe.com'] }, protocol: 'TCP', port: 443, flows: 3 }] },
  },
  check(ctx) {
    const records = ctx.config.observedFlows;
    if (!records || records.length === 0) return [];
    let matcher = matchers.get(ctx.reach);
    if (!matcher) matchers.set(ctx.reach, (matcher = new WorkloadMatcher(ctx.reach)));
    const groups = new Map<string, { ref: SourceRef; others: SourceRef[]; direction: 'egress' | 'ingress'; src: ConnectionEnd; dst: ConnectionEnd; ports: Map<string, { protocol: string; port: number }>; flows: number }>();
    for (const rec of records as ObservedConnectionRecord[]) {
      const src = endOf(matcher, rec.from);
      const dst = endOf(matcher, rec.to);
      if (!src || !dst || (src.kind === 'external' && dst.kind === 'external')) continue;
      const v = evaluateConnection(ctx.reach, { src, dst, protocol: rec.protocol, port: rec.port });
      if (v.allowed) continue;
      const deciding = v.because.find((b) => b.refs.length > 0);
      if (!deciding) continue;
      const ref = deciding.refs[0];
      const key = `${ref.uri}#${ref.span.start}#${endName(src)}#${endName(dst)}#${dst.kind === 'external' ? (dst.ip ?? '') : ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ref, others: deciding.refs.slice(1), direction: deciding.direction, src, dst, ports: new Map(), flows: 0 }));
      g.ports.set(`${rec.protocol}/${rec.port}`, { protocol: rec.protocol, port: rec.port });
      g.flows += rec.flows;
    }
    const out: RawFinding[] = [];
    for (const g of groups.values()) {
      const ports = [...g.ports.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
      const portText = ports.map((p) => (p.protocol === 'TCP' ? String(p.port) : `${p.port}/${p.protocol}`)).join(',');
      const peer = g.direction === 'egress' ? peerOf(g.dst) : peerOf(g.src);
      // The rule goes to the narrowest NetworkPolicy that selects the pod: allowing it in a namespace-wide
      // default-deny would open it to every pod of the namespace.
      const selecting = [g.ref, ...g.others].map((ref) => ctx.model.networkPolicies.find((np) => np.resource.uri === ref.uri && `NetworkPolicy ${np.resource.namespace}/${np.resource.name}` === ref.label.split(',')[0]));
      const target = selecting.find((np) => np && !isMatchAll(np.podSelector)) ?? selecting.find((np) => np !== undefined);
      out.push({
        uri: g.ref.uri,
        span: g.ref.span,
        message: `${g.ref.label.split(',')[0]} blocks ${g.flows} observed flow${g.flows === 1 ? '' : 's'} from ${endName(g.src)} to ${endName(g.dst)}:${portText}.`,
        related: g.others.map((r) => ({ uri: r.uri, span: r.span, message: `${r.label} also selects ${endName(g.direction === 'egress' ? g.src : g.dst)}` })),
        data: { direction: g.direction, ...(target ? { policy: { uri: target.resource.uri, namespace: target.resource.namespace, name: target.resource.name } } : {}), ...(peer ? { rule: { [g.direction === 'egress' ? 'to' : 'from']: [peer], ports: ports.map((p) => ({ protocol: p.protocol, port: p.port })) } } : {}) },
      });
    }
    return out;
  },
  fixes(ctx) {
    const rule = ctx.finding.data?.rule as Record<string, unknown> | undefined;
    const direction = ctx.finding.data?.direction as 'egress' | 'ingress' | undefined;
    const target = ctx.finding.data?.policy as { uri: string; namespace: string; name: string } | undefined;
    const r = target && ctx.model.networkPolicies.find((np) => np.resource.uri === target.uri && np.resource.namespace === target.namespace && np.resource.name === target.name)?.resource;
    const file = r && ctx.files.find((f) => f.uri === r.uri);
    if (!rule || !direction || !r || !file) return [];
    const doc = r.doc.doc;
    const base = [...r.path, 'spec'];
    const at = locate(doc, [...base, direction]);
    let edit;
    if (at.node && isSeq(at.node) && at.node.items.length > 0) edit = appendItem(file, at.node, rule);
    else if (at.key) edit = replaceWithList(file, at.key, at.node, rule);
    else {
      const spec = locate(doc, base).node;
      edit = spec && addKey(file, spec, direction, [rule]);
    }
    return edit ? [{ title: `Allow the observed connections in NetworkPolicy ${r.namespace}/${r.name}`, safety: 'unsafe', caution: 'opens traffic', edits: [edit] }] : [];
  },
});
