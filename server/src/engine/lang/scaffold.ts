/**
 * The one entry point of every scaffold the editor and the CLI offer: what is asked, checked and built
 * against the workspace's analysis (names taken in the namespace, where DNS runs), so that both surfaces
 * give the same resources for the same request.
 */
import type { Analysis } from '../analyze';
import { renderYaml } from '../fixes/render';
import type { YamlStyle } from '../fixes/style';
import type { Protocol } from '../sets/connections';
import { allowEgress, type EgressDestination, type Mechanism, type ScaffoldResult } from '../scaffold/allow-egress';
import { defaultDenyEgress, freeName } from '../scaffold/default-deny';
import { routeThroughGateway, type GatewayProtocol, type GatewayStyle } from '../scaffold/gateway';
import { namespaceProblem } from '../scaffold/names';
import { gatewayAccessLogs, rateLimitHost, trafficPolicyForHost } from '../scaffold/gateway-traffic';
import { gatewayHosts, meshLegs } from '../mesh/paths';

export type ScaffoldRequest =
  | { kind: 'default-deny'; namespace: string; /** Keep DNS to the cluster DNS pods (default: yes). */ allowDns?: boolean }
  | {
      kind: 'allow';
      /** The source workload's id (`ns/name[Kind]`). */
      from: string;
      to: { kind: 'workload'; id: string } | { kind: 'cidr'; cidr: string } | { kind: 'host'; host: string };
      ports: { protocol: Protocol; port: number }[];
      mechanism: Mechanism;
    }
  | { kind: 'gateway'; host: string; port?: number; protocol: GatewayProtocol; namespace: string; style: GatewayStyle; networkPolicy?: boolean }
  /** Connection pool and outlier detection for an external host (a DestinationRule in `namespace`). */
  | { kind: 'traffic-policy'; host: string; namespace: string }
  /** Access logs for an egress gateway (its label, `istio-system/istio-egressgateway`; optional when one gateway routes hosts). */
  | { kind: 'gateway-access-logs'; gateway?: string }
  /** A local rate limit for a host at the egress gateway that routes it (requests per minute, default 600). */
  | { kind: 'rate-limit'; host: string; perMinute?: number };

/** The names resources already have in a namespace: a scaffold never takes one. */
function takenIn(a: Analysis, namespace: string): Set<string> {
  return new Set(a.model.resources.filter((x) => x.namespace === namespace).map((x) => x.name));
}

export function scaffold(a: Analysis, r: ScaffoldRequest): ScaffoldResult {
  const dns = a.config.dns;
  switch (r.kind) {
    case 'default-deny': {
      // Kubernetes refuses an object in a namespace whose name is not an RFC 1123 label: say so now.
      const problem = namespaceProblem(r.namespace);
      if (problem) return { ok: false, error: problem };
      const allowDns = r.allowDns !== false;
      const name = freeName(allowDns ? 'default-deny-egress' : 'deny-all-egress', takenIn(a, r.namespace));
      return { ok: true, resources: [defaultDenyEgress({ namespace: r.namespace, allowDns, dns, name })], notes: [] };
    }
    case 'allow': {
      const src = a.reach.workloads.find((w) => w.id === r.from);
      if (!src) return { ok: false, error: `No workload ${r.from} in the workspace.` };
      let to: EgressDestination;
      if (r.to.kind === 'workload') {
        const id = r.to.id;
        const dst = a.reach.workloads.find((w) => w.id === id);
        if (!dst) return { ok: false, error: `No workload ${id} in the workspace.` };
        to = { kind: 'workload', namespace: dst.namespace, name: dst.name, labels: dst.labels };
      } else to = r.to;
      return allowEgress({ from: { namespace: src.namespace, name: src.name, labels: src.labels }, to, ports: r.ports, mechanism: r.mechanism, dns, taken: takenIn(a, src.namespace) });
    }
    case 'gateway':
      return routeThroughGateway({ ...r, dns, taken: takenIn(a, r.namespace) });
    case 'traffic-policy': {
      const problem = namespaceProblem(r.namespace);
      if (problem) return { ok: false, error: problem };
      return trafficPolicyForHost({ host: r.host, namespace: r.namespace, taken: takenIn(a, r.namespace), existing: a.mesh.destinationRules.map((d) => ({ host: d.host, name: `${d.r.namespace}/${d.r.name}` })) });
    }
    case 'gateway-access-logs': {
      const gateways = [...new Set(gatewayHosts(a.mesh).filter((g) => g.hosts.length > 0).map((g) => g.gateway))];
      const g = r.gateway ? gateways.find((x) => x.label === r.gateway) : gateways.length === 1 ? gateways[0] : undefined;
      if (!g) {
        const names = gateways.map((x) => x.label).join(', ');
        return { ok: false, error: r.gateway ? `No egress gateway ${r.gateway} routes hosts in the workspace${names ? ` (there is ${names})` : ''}.` : gateways.length === 0 ? 'No egress gateway routes hosts in the workspace.' : `Several egress gateways route hosts: name one (${names}).` };
      }
      return { ok: true, resources: [gatewayAccessLogs(g, takenIn(a, g.namespace))], notes: [`Envoy's access log of ${g.label}'s pods, written to their standard output: one line per connection or request, with the host, the response and the time.`] };
    }
    case 'rate-limit': {
      const host = r.host.trim().toLowerCase();
      const routes = meshLegs(a.mesh, host, undefined).map((l) => ({ gateway: l.gateway, host, port: l.gatewayPort, protocol: l.vs ? l.vs.route.protocol : l.gw?.route.kind === 'HTTPRoute' ? ('http' as const) : ('tls' as const) }));
      return rateLimitHost({ host: r.host, perMinute: r.perMinute, routes, taken: (ns) => takenIn(a, ns) });
    }
  }
}

/** A scaffold's resources as one YAML stream in a file's style. */
export function scaffoldYaml(resources: readonly Record<string, unknown>[], style: YamlStyle): string {
  return resources.map((x) => renderYaml(x, style)).join('---\n');
}
