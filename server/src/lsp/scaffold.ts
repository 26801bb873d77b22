import type { Connection } from 'vscode-languageserver/node';
import { allowEgress, unrestrictedEgress, renderYaml, detectStyle, routeThroughGateway, type Analysis, type EgressDestination } from '../engine';
import { ScaffoldRequests, type AllowEgressParams, type AllowEgressResponse, type GatewayParams, type GatewayResponse, type WorkloadInfo } from './scaffold-protocol';

export function registerScaffoldRequests(connection: Connection, current: () => Analysis, textOf: (uri: string) => string | undefined): void {
  connection.onRequest(ScaffoldRequests.workloads, (): WorkloadInfo[] => {
    const a = current();
    return a.reach.workloads.map((w) => ({
      id: w.id,
      namespace: w.namespace,
      name: w.name,
      kind: w.kind,
      labels: w.labels,
      restricted: !unrestrictedEgress(a.reach, w),
      ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    }));
  });

  const allow = (p: AllowEgressParams): AllowEgressResponse => {
    const a = current();
    const src = a.reach.workloads.find((w) => w.id === p.from);
    if (!src) return { ok: false, error: `No workload ${p.from} in the workspace.` };
    let to: EgressDestination;
    if (p.to.kind === 'workload') {
      const id = p.to.id;
      const dst = a.reach.workloads.find((w) => w.id === id);
      if (!dst) return { ok: false, error: `No workload ${id} in the workspace.` };
      to = { kind: 'workload', namespace: dst.namespace, name: dst.name, labels: dst.labels };
    } else to = p.to;
    const r = allowEgress({
      from: { namespace: src.namespace, name: src.name, labels: src.labels },
      to,
      ports: p.ports,
      mechanism: p.mechanism,
      dns: a.config.dns,
      taken: new Set(a.model.resources.filter((x) => x.namespace === src.namespace).map((x) => x.name)),
    });
    if (!r.ok) return { ok: false, error: r.error };
    const style = detectStyle((p.uri && textOf(p.uri)) ?? '');
    return { ok: true, notes: r.notes, text: r.resources.map((x) => renderYaml(x, style)).join('---\n') };
  };
  connection.onRequest(ScaffoldRequests.allowEgress, allow as (p: AllowEgressParams) => { ok: boolean });

  const gateway = (p: GatewayParams): GatewayResponse => {
    const a = current();
    if (!p || typeof p.host !== 'string' || typeof p.namespace !== 'string') return { ok: false, error: 'A host and a namespace are needed.' };
    const r = routeThroughGateway({ ...p, dns: a.config.dns, taken: new Set(a.model.resources.filter((x) => x.namespace === p.namespace).map((x) => x.name)) });
    if (!r.ok) return r;
    const style = detectStyle((p.uri && textOf(p.uri)) ?? '');
    return { ok: true, notes: r.notes, text: r.resources.map((x) => renderYaml(x, style)).join('---\n') };
  };
  connection.onRequest(ScaffoldRequests.gateway, gateway as (p: GatewayParams) => { ok: boolean });
}
