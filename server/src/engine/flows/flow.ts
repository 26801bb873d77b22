/**
 * Observed traffic, as flow logs record it: one connection attempt from a source to a destination, with
 * what the tool that recorded it knew about both ends. Readers of each format produce this one shape.
 */

export type FlowProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMP';

/**
 * One end of a flow, with what the flow log says about it (nothing guessed). Its address is the flow's
 * (`srcIp`/`dstIp`), so that one endpoint object serves every flow of a pod.
 */
export interface FlowEndpoint {
  /** The pod's namespace (cluster endpoints only). */
  namespace?: string;
  /** The pod's labels (Kubernetes labels only: Cilium's `k8s:` prefix removed, its own labels dropped). */
  labels?: Record<string, string>;
  /** The pod's name: a hint only, to tell workloads with the same labels apart. */
  pod?: string;
  /** The owning workload as the tool recorded it (Hubble `workloads`): a hint, like the pod name. */
  workload?: { name: string; kind?: string };
  /** Outside the cluster: Cilium's `reserved:world` identity, Calico's `pub`/`pvt` networks, an address no pod has. */
  external?: boolean;
  /** A cluster endpoint that is no pod (Cilium `reserved:host`, `kube-apiserver`, `remote-node`, Calico host endpoints). */
  reserved?: string;
}

/** What tells one endpoint from another for matching (the address aside): same key, same workload. */
export function endpointKey(ep: FlowEndpoint): string {
  const labels = ep.labels ? Object.keys(ep.labels).sort().map((k) => `${k}=${ep.labels![k]}`).join(',') : '';
  const hint = ep.workload ? `w:${ep.workload.name}` : ep.pod ? `p:${ep.pod}` : '';
  return `${ep.namespace ?? ''}\u0000${labels}\u0000${hint}\u0000${ep.external ? 'x' : ''}${ep.reserved ?? ''}`;
}

export type FlowVerdict = 'allowed' | 'denied' | 'other';

export interface ObservedFlow {
  src: FlowEndpoint;
  dst: FlowEndpoint;
  srcIp?: string;
  dstIp?: string;
  protocol: FlowProtocol;
  /** Destination port (absent for ICMP). */
  port?: number;
  /** DNS names the destination's address was learnt from (Hubble `destination_names`, Calico `dest_domains`). */
  names: string[];
  /** What the cluster did. */
  verdict: FlowVerdict;
  /** Policies the cluster says denied it (Hubble `egress_denied_by`/`ingress_denied_by`), as `namespace/name` or `name`. */
  deniedBy?: string[];
  /** A reply of an existing connection, not a new one (ignored by replay and synthesis). */
  reply: boolean;
  /**
   * The same connection seen a second time, at its destination (Hubble's ingress observation of a pod-to-pod
   * flow, Calico's `dst` reporter): counted once, at its source.
   */
  duplicate: boolean;
}

/** What reading one line gave: a flow, a line to skip (headers, empty), or a malformed line. */
export type LineResult = { kind: 'flow'; flow: ObservedFlow } | { kind: 'skip' } | { kind: 'error'; message: string };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `key=value` strings to a label map (Calico's `app=x`, Cilium's `k8s:app=x` with the source prefix removed). */
export function labelMap(items: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of items) {
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw : raw.slice(0, eq);
    out[key] = eq < 0 ? '' : raw.slice(eq + 1);
  }
  return out;
}

const IANA: Record<number, FlowProtocol> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMP', 132: 'SCTP' };

/** A protocol by name (`tcp`, `TCP`) or IANA number (6, "6"). */
export function protocolOf(v: unknown): FlowProtocol | undefined {
  if (typeof v === 'number') return IANA[v];
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) return IANA[Number(v)];
  const u = v.toUpperCase();
  if (u === 'TCP' || u === 'UDP' || u === 'SCTP') return u;
  if (u === 'ICMP' || u === 'ICMPV4' || u === 'ICMPV6' || u === 'ICMP6') return 'ICMP';
  return undefined;
}

export function validPort(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** A JSON line read by `read`; a line that is not JSON is malformed. */
export function jsonLine(line: string, read: (o: unknown) => LineResult): LineResult {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return { kind: 'error', message: `not JSON: ${(e as Error).message}` };
  }
  return read(o);
}
