import { spanAt } from '../../model/anchor';
import type { Workload } from '../../model/workloads';
import { addResource } from '../../fixes/new-resource';
import { freeName } from '../../scaffold/default-deny';
import { egressViaGatewayOnly } from '../../scaffold/gateway-only';
import { directAllowed, meshLegs } from '../../mesh/paths';
import { isExternalHost, isMeshed, qualifyHost, visibleFrom, type GatewayDeployment } from '../../mesh/mesh';
import { resourceAt } from '../lookup';
import { perObject } from '../../memo';
import type { AppliedPolicies } from '../../reach/evaluate';
import type { Reachability } from '../../reach/reachability';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from './refs';

/** The pods that could send traffic for a host: every workload (assumed ones for empty namespaces), gateways and DNS aside. */
function sources(all: readonly Workload[], gateways: readonly GatewayDeployment[], representatives: ReadonlySet<string>, assumed: readonly Workload[]): Workload[] {
  const gw = new Set(gateways.flatMap((g) => g.workloads.map((w) => w.id)));
  return [...all, ...assumed.filter((w) => representatives.has(w.id))].filter((w) => !gw.has(w.id));
}

/**
 * Per set of policies in force on egress, whether they let a pod reach a host directly (by host and port):
 * towards a host the verdict does not depend on which pod asks, and the policy index keeps the set object
 * while none of its policies changed, so the next analysis asks again only for the sets that changed.
 */
const directBySet = perObject((_: AppliedPolicies) => new Map<string, boolean>());

function direct(reach: Reachability, w: Workload, host: string, port: number | undefined): boolean {
  const known = directBySet(reach.policies.of(w, 'egress'));
  const key = `${host}:${port ?? ''}`;
  let v = known.get(key);
  if (v === undefined) known.set(key, (v = directAllowed(reach, w, host, port)));
  return v;
}

export const el202 = defineRule({
  id: 'EL202',
  name: 'egress-gateway-bypassable',
  severity: 'warning',
  docs: {
    summary: 'Traffic to a host is routed through an egress gateway, but the pods can still reach that host directly: no policy restricts their egress, or their policies allow the host.',
    why: 'An egress gateway only enforces anything if pods cannot go around it. Istio says so itself: a pod without a sidecar, or one that bypasses it, can connect to the host directly unless NetworkPolicy allows egress only to the gateway (and DNS). This rule checks the pods the route is for (those of its namespace, and the meshed pods of every namespace it is exported to) against the NetworkPolicies in force.',
    bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: default
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [edition.cnn.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-egressgateway]
  tls:
  - match:
    - gateways: [mesh]
      port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        port: {number: 443}
  - match:
    - gateways: [istio-egressgateway]
      port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination:
        host: edition.cnn.com
        port: {number: 443}
`,
    good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: default
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [edition.cnn.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-egressgateway]
  tls:
  - match:
    - gateways: [mesh]
      port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        port: {number: 443}
  - match:
    - gateways: [istio-egressgateway]
      port: 443
      sniHosts: [edition.cnn.com]
    route:
    - destination:
        host: edition.cnn.com
        port: {number: 443}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: egress-via-gateway-only
  namespace: default
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: istio-system}
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: kube-system}
      podSelector:
        matchLabels: {k8s-app: kube-dns}
    ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: the added NetworkPolicy restricts the namespace\'s egress to the gateway, istiod and DNS, which cuts every other connection its pods make. Review what else they need first. Not offered for a namespace where another policy already lets the pods reach the host: policies add up, so that policy has to be narrowed instead.',
  },
  check(ctx) {
    const mesh = ctx.mesh;
    if (mesh.deployments.length === 0) return [];
    const out: RawFinding[] = [];
    const reach = ctx.reach;
    const pods = sources(ctx.model.workloads, mesh.deployments, mesh.representatives, mesh.assumedWorkloads);
    const seen = new Set<string>();
    // Every host that a mesh leg sends to a gateway, once per place it is named.
    const hosts = [...mesh.virtualServices.flatMap((vs) => vs.hosts.map((h) => qualifyHost(h.value, vs.r.namespace))), ...mesh.serviceEntries.flatMap((se) => se.hosts.map((h) => qualifyHost(h.value, se.r.namespace)))];
    const legs = [...new Set(hosts)].flatMap((host) => meshLegs(mesh, host, undefined).map((leg) => ({ host, leg })));
    for (const { host: asked, leg } of legs) {
      const key = `${leg.resource.key}#${leg.hostPath.join('.')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Name the host as the route names it (a wildcard stays a wildcard).
      const host = leg.vs ? qualifyHost(leg.vs.vs.hosts[leg.vs.hostIndex].value, leg.resource.namespace) : asked;
      const ns = leg.resource.namespace;
      if (!isExternalHost(mesh, host, ns)) continue;
      // The pods the route is for: those of its own namespace, and meshed pods of the namespaces that see it.
      const exportTo = leg.vs?.vs.exportTo ?? [];
      const sees = (w: Workload) => (leg.gw ? leg.gw.route.r.namespace === leg.gw.route.parentRefs[leg.gw.parentIndex].namespace : visibleFrom(exportTo, ns, w.namespace));
      const applies = (w: Workload) => w.namespace === ns || (sees(w) && isMeshed(w, ctx.model.namespaces));
      const port = leg.ports?.length === 1 ? leg.ports[0] : undefined;
      const bypass = pods.filter((w) => applies(w) && direct(reach, w, host, port));
      if (bypass.length === 0) continue;
      // Said as it is: pods that no policy restricts, and pods whose egress policies still allow the host.
      const who = (ws: Workload[]) => `${ws.slice(0, 3).map((w) => (mesh.representatives.has(w.id) ? `any pod in namespace ${w.namespace}` : w.id)).join(', ')}${ws.length > 3 ? ` and ${ws.length - 3} more` : ''}`;
      const unrestricted = bypass.filter((w) => !reach.egressRestricted(w));
      const allowedBy = bypass.filter((w) => reach.egressRestricted(w));
      const causes = [
        ...(unrestricted.length ? [`no policy restricts the egress of ${who(unrestricted)}`] : []),
        ...(allowedBy.length ? [`the egress policies of ${who(allowedBy)} still allow it`] : []),
      ];
      const namespaces = [...new Set(bypass.map((w) => w.namespace))].sort();
      // Policies add up: a new policy restricts pods no policy restricts yet, but cannot take back what
      // another policy already allows. The fix is for namespaces whose bypassing pods are all unrestricted.
      const fixNamespaces = namespaces.filter((ns) => bypass.every((w) => w.namespace !== ns || !reach.egressRestricted(w)));
      const gwRes = leg.gateway.istio[0]?.r ?? leg.gateway.gwApi?.r;
      out.push({
        uri: leg.resource.uri,
        span: spanAt(leg.resource, leg.hostPath),
        message: `Traffic to ${host}${port ? `:${port}` : ''} is routed through egress gateway ${leg.gateway.label}, but ${causes.join(', and ')}: ${bypass.length === 1 ? 'it' : 'they'} can connect to it directly, so the gateway can be bypassed. Allow egress only to the gateway and DNS.`,
        related: [
          ...(gwRes ? [relatedTo(gwRes, `${kindName(gwRes)}: the egress gateway`)] : []),
          ...bypass.slice(0, 3).flatMap((w) => (w.resources[0] ? [relatedTo(w.resources[0], `${w.id} can reach ${host} directly`)] : [])),
        ],
        data: { namespaces, fixNamespaces, gatewayNamespace: leg.gateway.namespace, gatewayPodLabels: leg.gateway.gwApi ? leg.gateway.workloads[0]?.labels ?? {} : null },
      });
    }
    return out;
  },
  fixes(ctx) {
    const d = ctx.finding.data;
    const r = resourceAt(ctx, ctx.finding);
    if (!d || !r || !Array.isArray(d.fixNamespaces)) return [];
    const gatewayNamespace = String(d.gatewayNamespace);
    const podLabels = d.gatewayPodLabels && typeof d.gatewayPodLabels === 'object' ? (d.gatewayPodLabels as Record<string, string>) : undefined;
    return (d.fixNamespaces as string[]).map((ns) => {
      const taken = new Set(ctx.model.networkPolicies.filter((p) => p.namespace === ns).map((p) => p.name));
      const policy = egressViaGatewayOnly({ namespace: ns, gatewayNamespace, gatewayPodLabels: podLabels, dns: ctx.config.dns, name: freeName('egress-via-gateway-only', taken) });
      return {
        title: `Add a NetworkPolicy allowing namespace ${ns} egress only to the gateway${gatewayNamespace !== 'istio-system' ? ', istiod' : ''} and DNS`,
        safety: 'unsafe' as const,
        edits: [addResource(ctx.file, r, policy, ctx.config)],
      };
    });
  },
});
