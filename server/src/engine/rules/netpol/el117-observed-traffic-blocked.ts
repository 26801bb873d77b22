import { isSeq } from 'yaml';
import { addKey, appendItem, replaceWithList } from '../../fixes/yaml-edit';
import { endOf, matcherOf, type ObservedConnectionRecord } from '../../flows/observed';
import { evaluateConnection, type ConnectionEnd } from '../../flows/replay';
import { locate } from '../../parse/locate';
import type { SourceRef } from '../../reach/explain';
import { parseCidr } from '../../sets/iprange';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { isMatchAll } from '../../model/selector';
import type { Direction } from '../../types';

function endName(e: ConnectionEnd): string {
  return e.kind === 'workload' ? `${e.workload.namespace}/${e.workload.name}` : (e.names[0] ?? e.ip ?? '');
}

/** The NetworkPolicy peer that matches exactly this end (none for a name: NetworkPolicy cannot say one). */
function peerOf(e: ConnectionEnd): Record<string, unknown> | undefined {
  if (e.kind === 'workload') return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': e.workload.namespace } }, podSelector: { matchLabels: { ...e.workload.labels } } };
  const c = e.ip ? parseCidr(e.ip.includes(':') ? `${e.ip}/128` : `${e.ip}/32`) : undefined;
  return c ? { ipBlock: { cidr: c.canonical } } : undefined;
}

export const el117 = defineRule({
  id: 'EL117',
  name: 'observed-traffic-blocked',
  severity: 'warning',
  docs: {
    summary: 'A policy would block traffic that was observed in the cluster (flow logs loaded with Egress Lens: Load Observed Flows…, or passed as `observedFlows`).',
    why: 'Applying a policy that blocks connections the workloads make today breaks production. Replaying the flows the cluster recorded (Hubble, Calico flow logs, VPC flow logs) against the workspace shows which policy would cut which connection before it is applied.',
    bad: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ledger
  namespace: billing
spec:
  selector:
    matchLabels: {app: ledger}
  template:
    metadata:
      labels: {app: ledger}
    spec:
      containers:
      - name: ledger
        image: billing/ledger:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: billing
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    good: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ledger
  namespace: billing
spec:
  selector:
    matchLabels: {app: ledger}
  template:
    metadata:
      labels: {app: ledger}
    spec:
      containers:
      - name: ledger
        image: billing/ledger:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: billing
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 203.0.113.7/32}
    ports:
    - {protocol: TCP, port: 443}
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe (offered one by one, never in fix-all): adds a rule allowing exactly the observed connections (that destination, those ports) to the narrowest NetworkPolicy that selects the pods (a namespace-wide default-deny only when no other does), which opens traffic; review that it is wanted. Not offered when the destination is known by name only, or no NetworkPolicy selects the pods.',
    config: { observedFlows: [{ from: { namespace: 'billing', labels: { app: 'ledger' } }, to: { ip: '203.0.113.7', names: ['api.stripe.com'] }, protocol: 'TCP', port: 443, flows: 3 }] },
  },
  check(ctx) {
    const records = ctx.config.observedFlows;
    if (!records || records.length === 0) return [];
    const matcher = matcherOf(ctx.reach);
    // One finding per blocking policy; in it, each source and destination with their ports.
    const byPolicy = new Map<string, { ref: SourceRef; others: SourceRef[]; pairs: Map<string, Pair> }>();
    for (const rec of records as ObservedConnectionRecord[]) {
      const src = endOf(matcher, rec.from);
      const dst = endOf(matcher, rec.to);
      if (!src || !dst || (src.kind === 'external' && dst.kind === 'external')) continue;
      const v = evaluateConnection(ctx.reach, { src, dst, protocol: rec.protocol, port: rec.port });
      if (v.allowed) continue;
      const deciding = v.because.find((b) => b.refs.length > 0);
      if (!deciding) continue;
      const ref = deciding.refs[0];
      const pk = `${ref.uri}#${ref.span.start}`;
      let g = byPolicy.get(pk);
      if (!g) byPolicy.set(pk, (g = { ref, others: [], pairs: new Map() }));
      for (const o of deciding.refs.slice(1)) if (!g.others.some((x) => x.uri === o.uri && x.span.start === o.span.start)) g.others.push(o);
      const key = `${endName(src)}#${endName(dst)}#${dst.kind === 'external' ? (dst.ip ?? '') : ''}#${deciding.direction}`;
      let pair = g.pairs.get(key);
      if (!pair) g.pairs.set(key, (pair = { direction: deciding.direction, src, dst, refs: deciding.refs, ports: new Map(), flows: 0 }));
      pair.ports.set(`${rec.protocol}/${rec.port}`, { protocol: rec.protocol, port: rec.port });
      pair.flows += rec.flows;
    }
    const out: RawFinding[] = [];
    for (const g of byPolicy.values()) {
      const pairs = [...g.pairs.values()];
      const flows = pairs.reduce((n, p) => n + p.flows, 0);
      const texts = pairs.map((p) => {
        const ports = sortedPorts(p);
        return `from ${endName(p.src)} to ${endName(p.dst)}:${ports.map((x) => (x.protocol === 'TCP' ? String(x.port) : `${x.port}/${x.protocol}`)).join(',')}`;
      });
      const shown = texts.length > 3 ? `${texts.slice(0, 3).join('; ')}; and ${texts.length - 3} more` : texts.join('; ');
      const fixes = pairs.map((p) => fixOf(ctx, p)).filter((x): x is PairFix => x !== undefined);
      out.push({
        uri: g.ref.uri,
        span: g.ref.span,
        message: `${g.ref.label.split(',')[0]} blocks ${flows} observed flow${flows === 1 ? '' : 's'} ${shown}.`,
        related: g.others.map((r) => ({ uri: r.uri, span: r.span, message: `${r.label} also decides it` })),
        // Offered only when every blocked connection can be allowed by a NetworkPolicy rule.
        data: fixes.length === pairs.length ? { fixes } : {},
      });
    }
    return out;
  },
  fixes(ctx) {
    const wanted = ctx.finding.data?.fixes as PairFix[] | undefined;
    if (!wanted || wanted.length === 0) return [];
    // Rules for one policy and direction go in together (one edit per list).
    const byTarget = new Map<string, PairFix[]>();
    for (const f of wanted) {
      const k = `${f.policy.uri}#${f.policy.namespace}/${f.policy.name}#${f.direction}`;
      byTarget.set(k, [...(byTarget.get(k) ?? []), f]);
    }
    const edits = [];
    const names: string[] = [];
    for (const group of byTarget.values()) {
      const { policy, direction } = group[0];
      const r = ctx.model.networkPolicies.find((np) => np.resource.uri === policy.uri && np.resource.namespace === policy.namespace && np.resource.name === policy.name)?.resource;
      const file = r && ctx.files.find((f) => f.uri === r.uri);
      if (!r || !file) return [];
      const rules = group.map((g) => g.rule);
      const base = [...r.path, 'spec'];
      const at = locate(r.doc.doc, [...base, direction]);
      let edit;
      if (at.node && isSeq(at.node) && at.node.items.length > 0) {
        const parts = rules.map((rule) => appendItem(file, at.node!, rule));
        if (parts.some((x) => !x)) return [];
        edit = { ...parts[0]!, newText: parts.map((x) => x!.newText).join('') };
      } else if (at.key) edit = rules.length === 1 ? replaceWithList(file, at.key, at.node, rules[0]) : undefined;
      else {
        const spec = locate(r.doc.doc, base).node;
        edit = spec && addKey(file, spec, direction, rules);
      }
      if (!edit) return [];
      edits.push(edit);
      names.push(`${r.namespace}/${r.name}`);
    }
    return [{ title: `Allow the observed connections in NetworkPolicy ${names.join(', ')}`, safety: 'unsafe', caution: 'opens traffic', edits }];
  },
});

interface Pair {
  direction: Direction;
  src: ConnectionEnd;
  dst: ConnectionEnd;
  /** The policies that decide it. */
  refs: SourceRef[];
  ports: Map<string, { protocol: string; port: number }>;
  flows: number;
}

interface PairFix {
  policy: { uri: string; namespace: string; name: string };
  direction: Direction;
  rule: Record<string, unknown>;
}

function sortedPorts(p: Pair): { protocol: string; port: number }[] {
  return [...p.ports.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
}

/**
 * The rule allowing exactly one blocked pair, and the policy it goes to: the narrowest NetworkPolicy that
 * decides it (allowing it in a namespace-wide default-deny would open it to every pod of the namespace).
 */
function fixOf(ctx: RuleContext, p: Pair): PairFix | undefined {
  const peer = p.direction === 'egress' ? peerOf(p.dst) : peerOf(p.src);
  if (!peer) return undefined;
  const selecting = p.refs.map((ref) => ctx.model.networkPolicies.find((np) => np.resource.uri === ref.uri && `NetworkPolicy ${np.resource.namespace}/${np.resource.name}` === ref.label.split(',')[0]));
  const target = selecting.find((np) => np && !isMatchAll(np.podSelector)) ?? selecting.find((np) => np !== undefined);
  if (!target) return undefined;
  const rule = { [p.direction === 'egress' ? 'to' : 'from']: [peer], ports: sortedPorts(p).map((x) => ({ protocol: x.protocol, port: x.port })) };
  return { policy: { uri: target.resource.uri, namespace: target.resource.namespace, name: target.resource.name }, direction: p.direction, rule };
}
