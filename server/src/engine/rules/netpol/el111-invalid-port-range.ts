import { spanAt } from '../../model/anchor';
import { isRecord } from '../../model/resources';
import { networkPolicyOf } from '../../model/model';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { defineRule, type RawFinding } from '../rule';
import { replaceScalar } from '../../fixes/yaml-edit';
import { resourceAt } from '../lookup';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export const el111 = defineRule({
  id: 'EL111',
  name: 'invalid-port-range',
  severity: 'error',
  docs: {
    summary: 'A NetworkPolicy port is out of 1–65535, an `endPort` is below `port`, comes with a named port or without a port, or the protocol is not TCP, UDP or SCTP.',
    why: 'The API server rejects these policies, so none of their rules applies. `protocol: tcp` (lower case) or `HTTP` are common slips; `endPort` only works with a numeric `port` below it.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ports
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - port: 8080
      endPort: 8000
    - port: 443
      protocol: HTTPS
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ports
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - port: 8000
      endPort: 8080
    - port: 443
      protocol: TCP
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: where the message knows the answer (an `endPort` below `port`: swap the two; a protocol in lower case: write it in capitals), the fix writes it, and the policy, which the API server rejected, starts to apply: its pods may lose connections. No fix where the intended port or protocol is not known.',
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
          const path = (key: string) => ['spec', dir, i, 'ports', k, key];
          const push = (key: string, message: string, data?: Record<string, unknown>) => out.push({ uri: np.resource.uri, span: at(key), message, ...(data ? { data } : {}) });
          if (typeof p.protocol === 'string' && !PROTOCOLS.includes(p.protocol)) {
            const upper = p.protocol.toUpperCase();
            const known = PROTOCOLS.includes(upper);
            push('protocol', `Unknown protocol "${p.protocol}": NetworkPolicy ports use TCP, UDP or SCTP${known ? ` (write ${upper}, in capitals)` : ''}.`, known ? { write: upper, path: path('protocol') } : undefined);
          }
          const port = p.port;
          if (typeof port === 'number' && (!Number.isInteger(port) || port < 1 || port > 65535)) push('port', `Port ${port} is outside 1-65535.`);
          if (p.endPort === undefined || p.endPort === null) return;
          if (typeof p.endPort !== 'number') return; // a type error: EL002 reports it
          if (port === undefined || port === null) push('endPort', 'endPort needs a numeric port: the range is port to endPort.');
          else if (typeof port === 'string') push('endPort', `endPort cannot follow a named port ("${port}"): a range needs numbers.`);
          else if (p.endPort > 65535) push('endPort', `endPort ${p.endPort} is outside 1-65535.`);
          else if (typeof port === 'number' && p.endPort < port && p.endPort >= 1) push('endPort', `endPort ${p.endPort} is below port ${port}: the range ${port}-${p.endPort} is empty (the API server rejects it).`, { swap: [path('port'), path('endPort')] });
          else if (typeof port === 'number' && p.endPort < port) push('endPort', `endPort ${p.endPort} is below port ${port}: the range ${port}-${p.endPort} is empty (the API server rejects it).`);
        });
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || !isNetworkPolicy(r)) return [];
    const { write, path, swap } = ctx.finding.data ?? {};
    const text = ctx.file.text;
    if (typeof write === 'string' && Array.isArray(path)) {
      return [{ title: `Write the protocol as ${write}`, safety: 'unsafe', edits: [replaceScalar(ctx.file, spanAt(r, path as (string | number)[]), write)] }];
    }
    if (Array.isArray(swap) && swap.length === 2) {
      const [a, b] = (swap as (string | number)[][]).map((p) => spanAt(r, p));
      const [ta, tb] = [text.slice(a.start, a.end), text.slice(b.start, b.end)];
      return [
        {
          title: `Swap port and endPort (${tb}-${ta})`,
          safety: 'unsafe',
          edits: [
            { uri: r.uri, start: a.start, end: a.end, newText: tb },
            { uri: r.uri, start: b.start, end: b.end, newText: ta },
          ],
        },
      ];
    }
    return [];
  },
});
