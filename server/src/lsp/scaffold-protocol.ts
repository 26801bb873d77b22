import type { ConnlistFormat, GatewayProtocol, GatewayStyle, Mechanism, Protocol } from '../engine/index';

/** Requests behind "Egress Lens: Allow Egress To…" (names and shapes shared with the client). */
export const ScaffoldRequests = {
  workloads: 'egressLens/workloads',
  allowEgress: 'egressLens/scaffoldAllow',
  gateway: 'egressLens/scaffoldGateway',
} as const;

/** "Egress Lens: Route Host Through Egress Gateway…" */
export interface GatewayParams {
  host: string;
  port?: number;
  protocol: GatewayProtocol;
  /** The namespace of the calling workloads. */
  namespace: string;
  style: GatewayStyle;
  /** The file it will go into, so that it matches its style. */
  uri?: string;
}

export type GatewayResponse = { ok: true; text: string; notes: string[] } | { ok: false; error: string };

export interface WorkloadInfo {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  /** Whether any policy restricts its egress now. */
  restricted: boolean;
  ports: { name?: string; port: number; protocol: string }[];
}

export interface AllowEgressParams {
  /** The source workload's id (`ns/name[Kind]`). */
  from: string;
  to: { kind: 'workload'; id: string } | { kind: 'cidr'; cidr: string } | { kind: 'host'; host: string };
  ports: { protocol: Protocol; port: number }[];
  mechanism: Mechanism;
  /** The file the policy will go into, so that it matches its style. */
  uri?: string;
}

export type AllowEgressResponse = { ok: true; text: string; notes: string[] } | { ok: false; error: string };

/** "Explain Egress of Workload…" and "Export Reachability…". */
export const ReportRequests = {
  explainWorkload: 'egressLens/explainWorkload',
  exportReachability: 'egressLens/exportReachability',
} as const;

export interface ExplainWorkloadParams {
  /** `ns/name[Kind]` */
  workload: string;
}

export type ExplainWorkloadResult = { ok: true; markdown: string } | { ok: false; error: string };

export interface ExportReachabilityParams {
  format: ConnlistFormat;
}

