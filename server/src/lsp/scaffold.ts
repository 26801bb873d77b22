/**
 * The palette's scaffolds: Add Default-Deny…, Allow Egress…, Route Host Through Egress Gateway…; each built by
 * the engine's one scaffold entry point and written in the style of the file it goes to.
 */
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { unrestrictedEgress, detectStyle, scaffold, scaffoldYaml, type Analysis } from '../engine';
import { Requests, ScaffoldRequests, type ScaffoldDefaultDenyParams, type ScaffoldResult, type AllowEgressParams, type AllowEgressResponse, type GatewayParams, type GatewayResponse, type WorkloadInfo } from './protocol';

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

  const styleOf = (uri: string | undefined) => detectStyle((uri && textOf(uri)) ?? '');

  connection.onRequest(Requests.scaffoldDefaultDeny, (p: ScaffoldDefaultDenyParams): ScaffoldResult => {
    const r = scaffold(current(), { kind: 'default-deny', namespace: p.namespace, allowDns: p.allowDns });
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidParams, r.error);
    return { text: scaffoldYaml(r.resources, styleOf(p.uri)) };
  });

  const allow = (p: AllowEgressParams): AllowEgressResponse => {
    const r = scaffold(current(), { kind: 'allow', from: p.from, to: p.to, ports: p.ports, mechanism: p.mechanism });
    return r.ok ? { ok: true, notes: r.notes, text: scaffoldYaml(r.resources, styleOf(p.uri)) } : r;
  };
  connection.onRequest(ScaffoldRequests.allowEgress, allow as (p: AllowEgressParams) => { ok: boolean });

  const gateway = (p: GatewayParams): GatewayResponse => {
    if (!p || typeof p.host !== 'string' || typeof p.namespace !== 'string') return { ok: false, error: 'A host and a namespace are needed.' };
    const r = scaffold(current(), { kind: 'gateway', host: p.host, port: p.port, protocol: p.protocol, namespace: p.namespace, style: p.style });
    return r.ok ? { ok: true, notes: r.notes, text: scaffoldYaml(r.resources, styleOf(p.uri)) } : r;
  };
  connection.onRequest(ScaffoldRequests.gateway, gateway as (p: GatewayParams) => { ok: boolean });
}
