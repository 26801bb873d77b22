/**
 * "Explain Egress of Workload…" and "Export Reachability…": `egressLens/explainWorkload` (a Markdown report of
 * one workload's egress) and `egressLens/exportReachability` (the connectivity list in a file format).
 */
import type { Connection } from 'vscode-languageserver/node';
import { formatConnlist, type ConnlistFormat } from '../engine';
import { egressReport } from '../engine/lang/report';
import { linkTo } from './features/hover';
import type { FeatureHost } from './features/host';
import { ReportRequests, type ExplainWorkloadParams, type ExplainWorkloadResult, type ExportReachabilityParams } from './protocol';

const FORMATS: readonly ConnlistFormat[] = ['txt', 'json', 'csv', 'md', 'dot'];

export function registerReports(connection: Connection, host: FeatureHost): void {
  const explainWorkload = (p: ExplainWorkloadParams): ExplainWorkloadResult => {
    host.flush();
    const a = host.current();
    const w = a.reach.workloads.find((x) => x.id === p?.workload);
    if (!w) return { ok: false, error: `No workload ${String(p?.workload)} in the workspace.` };
    return { ok: true, markdown: egressReport(a, w, linkTo(host)) };
  };
  connection.onRequest(ReportRequests.explainWorkload, explainWorkload as (p: ExplainWorkloadParams) => { ok: boolean });
  connection.onRequest(ReportRequests.exportReachability, (p: ExportReachabilityParams): { text: string } => {
    host.flush();
    const format = FORMATS.includes(p?.format) ? p.format : 'txt';
    const a = host.current();
    return { text: formatConnlist(a.reach.connections(), format, a.reach.workloads) };
  });
}
