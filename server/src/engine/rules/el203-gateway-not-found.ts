import { spanAt } from '../model/anchor';
import { gatewayByRef } from '../mesh/mesh';
import { defineRule, type RawFinding } from './rule';
import { kindName, relatedTo } from './mesh-refs';

export const el203 = defineRule({
  id: 'EL203',
  name: 'gateway-not-found',
  severity: 'error',
  docs: {
    summary: 'A VirtualService `gateways:` entry (or a route match\'s) names no Gateway in the workspace.',
    why: 'Istio binds the route to nothing: traffic meant to go through that gateway is never routed. A short name means a Gateway in the VirtualService\'s own namespace; a Gateway elsewhere must be written `namespace/name`. `mesh` is reserved for the sidecars.',
    bad: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: cnn\n  namespace: default\nspec:\n  hosts: [edition.cnn.com]\n  gateways: [mesh, egressgateway]\n  http:\n  - route:\n    - destination: {host: edition.cnn.com}\n',
    good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: istio-egressgateway\n  namespace: default\nspec:\n  selector: {istio: egressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: cnn\n  namespace: default\nspec:\n  hosts: [edition.cnn.com]\n  gateways: [mesh, istio-egressgateway]\n  http:\n  - route:\n    - destination: {host: edition.cnn.com}\n',
    fixSafety: 'No automatic fix: the intended Gateway cannot be guessed; the message lists the Gateways that exist.',
  },
  check(ctx) {
    const mesh = ctx.model.mesh;
    const out: RawFinding[] = [];
    const known = mesh.gateways.map((g) => `${g.r.namespace}/${g.r.name}`);
    for (const vs of mesh.virtualServices) {
      const refs = [...vs.gateways, ...vs.routes.flatMap((r) => r.matches.flatMap((m) => m.gateways ?? []))];
      for (const ref of refs) {
        if (ref.value === 'mesh' || gatewayByRef(mesh, ref.value, vs.r.namespace)) continue;
        const full = ref.value.includes('/') ? ref.value : `${vs.r.namespace}/${ref.value}`;
        const elsewhere = mesh.gateways.filter((g) => g.r.name === ref.value);
        const hint = elsewhere.length ? ` A Gateway of that name is in ${elsewhere.map((g) => g.r.namespace).join(', ')}: write ${elsewhere[0].r.namespace}/${ref.value}.` : known.length ? ` Gateways in the workspace: ${known.slice(0, 5).join(', ')}.` : '';
        out.push({
          uri: vs.r.uri,
          span: spanAt(vs.r, ref.path),
          message: `${kindName(vs.r)} is bound to Gateway ${full}, which is not in the workspace: its routes for that gateway are never used.${hint}`,
          related: elsewhere.map((g) => relatedTo(g.r, `${kindName(g.r)}`)),
        });
      }
    }
    return out;
  },
});
