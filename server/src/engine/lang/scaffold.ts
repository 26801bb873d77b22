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
  | { kind: 'gateway'; host: string; port?: number; protocol: GatewayProtocol; namespace: string; style: GatewayStyle; networkPolicy?: boolean };

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
  }
}

/** A scaffold's resources as one YAML stream in a file's style. */
export function scaffoldYaml(resources: readonly Record<string, unknown>[], style: YamlStyle): string {
  return resources.map((x) => renderYaml(x, style)).join('---\n');
}
