import { spanAt } from '../model/anchor';
import type { Workload } from '../model/workloads';
import { resolveNamedPort } from '../reach/ports';
import { defineRule, type RawFinding } from './rule';
import { ruleName } from './netpol-paths';

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
    bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: shop/api:1\n        ports:\n        - {name: http, containerPort: 8080}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-to-api\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: web}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector:\n        matchLabels: {app: api}\n    ports:\n    - port: https\n',
    good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: shop/api:1\n        ports:\n        - {name: http, containerPort: 8080}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-to-api\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: web}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector:\n        matchLabels: {app: api}\n    ports:\n    - port: http\n',
    fixSafety: 'No automatic fix: the intended port is not known.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const c of ctx.reach.policies.netpols) {
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
            const at = () => {
              const entry = (source.ports ?? []).find((p) => p.port === n.name && (n.protocol === undefined || p.protocol === n.protocol));
              return spanAt(np.resource, ['spec', dir, rule.origin.ruleIndex, 'ports', entry?.index ?? 0, 'port']);
            };
            const proto = n.protocol ?? 'TCP';
            if (hasIpBlock) {
              out.push({ uri: np.resource.uri, span: at(), message: `Port name "${n.name}" never matches an ipBlock destination: names belong to pod containers. Write the port number.` });
              continue;
            }
            if (candidates.length === 0 && !ctx.config.assumeCompleteWorkspace) continue;
            if (candidates.some((w) => resolveNamedPort(w, n.name, n.protocol) !== undefined)) continue;
            const span = at();
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
            });
          }
        }
      }
    }
    return out;
  },
});
