import { spanAt } from '../../model/anchor';
import { defineRule, type RawFinding } from '../rule';
import { deadEndLegs, kindName, missingGateways, relatedTo } from './refs';

export const el203 = defineRule({
  id: 'EL203',
  name: 'gateway-not-found',
  severity: 'error',
  docs: {
    summary: 'A VirtualService `gateways:` entry (or a route match\'s) names no Gateway in the workspace (an Istio Gateway, or a Gateway API Gateway: Istio accepts both).',
    why: 'Istio binds the route to nothing: traffic meant to go through that gateway is never routed. A short name means a Gateway in the VirtualService\'s own namespace; a Gateway elsewhere must be written `namespace/name`. `mesh` is reserved for the sidecars. Each missing Gateway is reported once, where it is first named; the other places that name it, and what follows from it (sidecars sending a host to an egress gateway that has no route onward for it), are related information rather than findings of their own.',
    bad: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, egressgateway]
  http:
  - route:
    - destination: {host: edition.cnn.com}
`,
    good: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: default
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-egressgateway]
  http:
  - route:
    - destination: {host: edition.cnn.com}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the intended Gateway cannot be guessed; the message lists the Gateways that exist.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    const known = [...mesh.gateways, ...mesh.gwGateways].map((g) => `${g.r.namespace}/${g.r.name}`);
    for (const vs of mesh.virtualServices) {
      const missing = missingGateways(mesh, vs);
      if (missing.length === 0) continue;
      // What follows from the missing Gateway is said here, once, rather than by rules of its own (EL205).
      const deadEnds = deadEndLegs(mesh, vs);
      for (const { full, refs } of missing) {
        const name = full.slice(full.indexOf('/') + 1);
        const elsewhere = [...mesh.gateways, ...mesh.gwGateways].filter((g) => g.r.name === name);
        const hint = elsewhere.length ? ` A Gateway of that name is in ${elsewhere.map((g) => g.r.namespace).join(', ')}: write ${elsewhere[0].r.namespace}/${name}.` : known.length ? ` Gateways in the workspace: ${known.slice(0, 5).join(', ')}.` : '';
        out.push({
          uri: vs.r.uri,
          span: spanAt(vs.r, refs[0].path),
          message: `${kindName(vs.r)} is bound to Gateway ${full}, which is not in the workspace: its routes for that gateway are never used.${hint}`,
          related: [
            ...elsewhere.map((g) => relatedTo(g.r, `${kindName(g.r)}`)),
            ...refs.slice(1).map((ref) => relatedTo(vs.r, `the same missing Gateway ${full}, named again`, ref.path)),
            ...deadEnds.map((d) => relatedTo(vs.r, `so the sidecars send ${d.host.value} to egress gateway ${d.gateway.label}, where no route forwards it: requests fail there`, d.destination.hostPath)),
          ],
        });
      }
    }
    return out;
  },
});
