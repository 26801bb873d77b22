import { spanAt } from '../../model/anchor';
import { matches, readSelector } from '../../model/selector';
import { defineRule, type RawFinding } from '../rule';
import { kindName } from './refs';

export const el204 = defineRule({
  id: 'EL204',
  name: 'gateway-selector-matches-nothing',
  severity: 'info',
  docs: {
    summary: 'A Gateway\'s `selector` matches no gateway pods in the workspace (reported when the workspace is declared complete).',
    why: 'A Gateway configures the pods its selector picks, in any namespace. When none carry those labels, the servers and every route bound to it exist nowhere. Only reported with `assumeCompleteWorkspace: true`, since the gateway pods usually come from Istio\'s installation rather than the repository.',
    bad: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: egress
  namespace: default
spec:
  selector: {istio: egress-gw}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [api.example.com]
    tls: {mode: PASSTHROUGH}
`,
    good: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: egress-gw
  namespace: istio-system
spec:
  selector:
    matchLabels: {istio: egress-gw}
  template:
    metadata:
      labels: {istio: egress-gw}
    spec:
      containers:
      - {name: istio-proxy, image: istio/proxyv2}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: egress
  namespace: default
spec:
  selector: {istio: egress-gw}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [api.example.com]
    tls: {mode: PASSTHROUGH}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the selector may be wrong, or the gateway deployment may be missing from the workspace.',
    config: { assumeCompleteWorkspace: true },
  },
  // Istio Gateways' selectors, against every pod's labels.
  reads: ['mesh', 'pods'],
  check(ctx) {
    if (!ctx.config.assumeCompleteWorkspace) return [];
    const out: RawFinding[] = [];
    for (const g of ctx.mesh.gateways) {
      if (!g.hasSelector || Object.keys(g.selector).length === 0) continue;
      const sel = readSelector({ matchLabels: g.selector });
      if (ctx.model.workloads.some((w) => matches(sel, w.labels))) continue;
      out.push({
        uri: g.r.uri,
        span: spanAt(g.r, ['spec', 'selector']),
        message: `No pods in the workspace carry ${Object.entries(g.selector).map(([k, v]) => `${k}=${v}`).join(', ')}: ${kindName(g.r)} configures no gateway.`,
      });
    }
    return out;
  },
});
