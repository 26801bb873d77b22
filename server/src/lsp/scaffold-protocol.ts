import type { Mechanism, Protocol } from '../engine/index';

/** Requests behind "Egress Lens: Allow Egress To…" (names and shapes shared with the client). */
export const ScaffoldRequests = {
  workloads: 'egressLens/workloads',
  allowEgress: 'egressLens/scaffoldAllow',
} as const;

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

