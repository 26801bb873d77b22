import { spanAt } from '../model/anchor';
import { isRecord } from '../model/resources';
import { networkPolicyOf } from '../model/model';
import { isNetworkPolicy } from '../policy/networkpolicy';
import { defineRule, type RawFinding } from './rule';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export const el111 = defineRule({
  id: 'EL111',
  name: 'invalid-port-range',
  severity: 'error',
  docs: {
    summary: 'A NetworkPolicy port is out of 1–65535, an `endPort` is below `port`, comes with a named port or without a port, or the protocol is not TCP, UDP or SCTP.',
    why: 'The API server rejects these policies, so none of their rules applies. `protocol: tcp` (lower case) or `HTTP` are common slips; `endPort` only works with a numeric `port` below it.',
    bad: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ports\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - port: 8080\n      endPort: 8000\n    - port: 443\n      protocol: HTTPS\n',
    good: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ports\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - port: 8000\n      endPort: 8080\n    - port: 443\n      protocol: TCP\n',
    fixSafety: 'No automatic fix: the intended port or protocol is not known.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    const spec = isRecord(np.resource.obj.spec) ? np.resource.obj.spec : {};
    for (const dir of ['egress', 'ingress'] as const) {
      const rules = Array.isArray(spec[dir]) ? spec[dir] : [];
      rules.forEach((rule, i) => {
        if (!isRecord(rule) || !Array.isArray(rule.ports)) return;
        rule.ports.forEach((p, k) => {
          if (!isRecord(p)) return;
          const at = (key: string) => spanAt(np.resource, ['spec', dir, i, 'ports', k, key]);
          const push = (key: string, message: string) => out.push({ uri: np.resource.uri, span: at(key), message });
          if (typeof p.protocol === 'string' && !PROTOCOLS.includes(p.protocol)) {
            const upper = p.protocol.toUpperCase();
            push('protocol', `Unknown protocol "${p.protocol}": NetworkPolicy ports use TCP, UDP or SCTP${PROTOCOLS.includes(upper) ? ` (write ${upper}, in capitals)` : ''}.`);
          }
          const port = p.port;
          if (typeof port === 'number' && (!Number.isInteger(port) || port < 1 || port > 65535)) push('port', `Port ${port} is outside 1-65535.`);
          if (p.endPort === undefined || p.endPort === null) return;
          if (typeof p.endPort !== 'number') return; // a type error: EL002 reports it
          if (port === undefined || port === null) push('endPort', 'endPort needs a numeric port: the range is port to endPort.');
          else if (typeof port === 'string') push('endPort', `endPort cannot follow a named port ("${port}"): a range needs numbers.`);
          else if (p.endPort > 65535) push('endPort', `endPort ${p.endPort} is outside 1-65535.`);
          else if (typeof port === 'number' && p.endPort < port) push('endPort', `endPort ${p.endPort} is below port ${port}: the range ${port}-${p.endPort} is empty (the API server rejects it).`);
        });
      });
    }
    return out;
  },
});
