import { spanAt } from '../../model/anchor';
import type { Workload } from '../../model/workloads';
import { resolveNamedPort } from '../../reach/ports';
import { defineRule, type RawFinding } from '../rule';
import { compiledIn } from '../scoped';
import { replaceScalar } from '../../fixes/yaml-edit';
import { ruleName } from './paths';
import { resourceAt } from '../lookup';
import { isNetworkPolicy } from '../../model/networkpolicy';
import type { Protocol } from '../../sets/connections';

/**
 * The name the entry was meant to use, when the pods leave no doubt: none of them declares the name with
 * another protocol, and together they declare exactly one port name with this protocol.
 */
function onlyName(candidates: readonly Workload[], name: string, protocol: Protocol): { name: string; port: number } | undefined {
  if (candidates.some((w) => w.ports.some((p) => p.name === name))) return undefined;
  const names = new Map<string, number>();
  for (const w of candidates) for (const p of w.ports) if (p.name && p.protocol === protocol) names.set(p.name, p.port);
  if (names.size !== 1) return undefined;
  const [[only, port]] = [...names];
  return { name: only, port };
}

function portsOf(w: Workload): string {
  const named = w.ports.filter((p) => p.name);
  return named.length === 0 ? 'no named ports' : named.map((p) => `${p.name} ${p.port}/${p.protocol}`).join(', ');
}

export const el112 = defineRule({
  id: 'EL112',
  name: 'unresolved-named-port',
  severity: 'warning',
  docs: {
    summary: 'A named port in a rule that no destination container declares with that protocol, or a named port in an egress rule to an ipBlock (names never match addresses).',
    why: 'Named ports are looked up in the destination pod’s container ports, protocol included. When no destination declares the name (a typo, a renamed port, a UDP port named in a TCP entry), the entry allows nothing, and the connection it was written for is silently denied.',
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
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-to-api
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels: {app: api}
    ports:
    - port: https
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
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-to-api
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels: {app: api}
    ports:
    - port: http
`,
    fix: 'depends',
    fixSafety: 'Safe only when the workspace is complete (`assumeCompleteWorkspace`): when the pods the entry names declare exactly one port name with its protocol (and not the unresolved name with another), the fix writes that name; the entry allowed nothing, so it can only add connections. With a workspace that may be incomplete, pods it does not hold may declare the old name, so the fix is unsafe. No fix when the intended port is not known (several names, or a port name with an ipBlock).',
  },
  // Its policies' named ports, against the pods their peers select (any pod, for a peer open to all).
  reads: ['compiled', 'ports'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    for (const c of compiledIn(ctx.reach, ns)) {
      const np = c.policy;
      for (const dir of ['egress', 'ingress'] as const) {
        for (const rule of c.rules[dir]) {
          const named = rule.ports.namedPorts();
          if (named.length === 0) continue;
          const source = np.rules[dir][rule.origin.ruleIndex];
          // Egress names the destination's ports; ingress names the selected pods' own ports.
          const candidates = dir === 'egress' ? (rule.peers.any ? ctx.model.workloads : [...rule.peers.workloads]) : c.subjects;
          const hasIpBlock = dir === 'egress' && (source.peers ?? []).some((p) => p.kind === 'ipBlock');
          for (const n of named) {
            // Located only when reported: most names resolve.
            const pathOf = () => {
              const entry = (source.ports ?? []).find((p) => p.port === n.name && (n.protocol === undefined || p.protocol === n.protocol));
              return ['spec', dir, rule.origin.ruleIndex, 'ports', entry?.index ?? 0, 'port'];
            };
            const at = () => spanAt(np.resource, pathOf());
            const proto = n.protocol ?? 'TCP';
            if (hasIpBlock) {
              out.push({ uri: np.resource.uri, span: at(), message: `Port name "${n.name}" never matches an ipBlock destination: names belong to pod containers. Write the port number.` });
              continue;
            }
            if (candidates.length === 0 && !ctx.config.assumeCompleteWorkspace) continue;
            if (candidates.some((w) => resolveNamedPort(w, n.name, n.protocol) !== undefined)) continue;
            const span = at();
            const suggestion = onlyName(candidates, n.name, proto);
            const shown = candidates.slice(0, 3).map((w) => `${w.id} has ${portsOf(w)}`);
            const more = candidates.length > 3 ? ` and ${candidates.length - 3} more` : '';
            out.push({
              uri: np.resource.uri,
              span,
              message:
                candidates.length === 0
                  ? `No workload declares a ${proto} port named "${n.name}": this entry of the ${ruleName(np, dir, rule.origin.ruleIndex)} allows nothing.`
                  : `No ${dir === 'egress' ? 'destination' : 'selected'} pod declares a ${proto} port named "${n.name}" (${shown.join('; ')}${more}): this entry of the ${ruleName(np, dir, rule.origin.ruleIndex)} allows nothing.`,
              // Assumed workloads (the cluster DNS when the workspace does not declare it) have no YAML to point at.
              related: candidates
                .filter((w) => w.resources.length > 0)
                .slice(0, 3)
                .map((w) => ({ uri: w.resources[0].uri, span: spanAt(w.resources[0], ['metadata', 'name']), message: `${w.id}: ${portsOf(w)}` })),
              ...(suggestion ? { data: { use: suggestion.name, port: suggestion.port, protocol: proto, path: pathOf() } } : {}),
            });
          }
        }
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const { use, port, protocol, path } = ctx.finding.data ?? {};
    if (!r || !isNetworkPolicy(r) || typeof use !== 'string' || !Array.isArray(path)) return [];
    const edit = replaceScalar(ctx.file, spanAt(r, path as (string | number)[]), use);
    return [{ title: `Use the port name "${use}" (${port}/${protocol} on the pods it names)`, safety: ctx.config.assumeCompleteWorkspace ? 'safe' : 'unsafe', edits: [edit] }];
  },
});
