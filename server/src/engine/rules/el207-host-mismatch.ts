import { spanAt } from '../model/anchor';
import { gatewayByRef, serverAdmits } from '../mesh/mesh';
import { defineRule, type RawFinding } from './rule';
import { kindName, relatedTo } from './mesh-refs';

export const el207 = defineRule({
  id: 'EL207',
  name: 'host-mismatch',
  severity: 'error',
  docs: {
    summary: 'A VirtualService bound to a Gateway names a host that none of the Gateway\'s servers accepts.',
    why: 'A Gateway only takes traffic for the hosts its servers list (`host`, `*.domain`, `ns/host`); a VirtualService host outside them is silently not applied on that gateway, so the route the egress path depends on does not exist there.',
    bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: istio-egressgateway\n  namespace: default\nspec:\n  selector: {istio: egressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: httpbin\n  namespace: default\nspec:\n  hosts: [httpbin.org]\n  gateways: [istio-egressgateway]\n  http:\n  - route:\n    - destination: {host: httpbin.org}\n',
    good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: istio-egressgateway\n  namespace: default\nspec:\n  selector: {istio: egressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com, httpbin.org]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: httpbin\n  namespace: default\nspec:\n  hosts: [httpbin.org]\n  gateways: [istio-egressgateway]\n  http:\n  - route:\n    - destination: {host: httpbin.org}\n',
    fixSafety: 'No automatic fix: either the Gateway should list the host, or the VirtualService is bound to the wrong Gateway.',
  },
  check(ctx) {
    const mesh = ctx.model.mesh;
    const out: RawFinding[] = [];
    for (const vs of mesh.virtualServices) {
      const refs = new Set([...vs.gateways.map((g) => g.value), ...vs.routes.flatMap((r) => r.matches.flatMap((m) => (m.gateways ?? []).map((g) => g.value)))]);
      for (const ref of refs) {
        if (ref === 'mesh') continue;
        const g = gatewayByRef(mesh, ref, vs.r.namespace);
        if (!g || g.servers.length === 0) continue;
        for (const h of vs.hosts) {
          if (g.servers.some((s) => serverAdmits(s, g.r.namespace, vs.r.namespace, h.value))) continue;
          const listed = [...new Set(g.servers.flatMap((s) => s.hosts.map((x) => (x.namespace ? `${x.namespace}/${x.host}` : x.host))))];
          out.push({
            uri: vs.r.uri,
            span: spanAt(vs.r, h.path),
            message: `Host ${h.value} is not among the hosts of ${kindName(g.r)} (${listed.join(', ') || 'none'}): on that gateway this VirtualService does not apply.`,
            related: [relatedTo(g.r, `${kindName(g.r)} servers accept: ${listed.join(', ') || 'no host'}`, g.servers[0].path)],
          });
        }
      }
    }
    return out;
  },
});
