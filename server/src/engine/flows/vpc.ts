/**
 * AWS VPC flow logs, version 2 (the default format): space-separated
 * `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status`.
 * Addresses are matched to pods with a map read from `kubectl get pods -A -o json`; addresses not in it are
 * outside the cluster. VPC flow logs have no reply flag: a record is a reply when its source is a pod sending
 * from one of its container ports, or when it goes to a pod on a port the pod does not listen on.
 */
import { isRecord, protocolOf, str, validPort, type FlowEndpoint, type FlowProtocol, type LineResult } from './flow';

export interface PodAddress {
  namespace: string;
  pod: string;
  labels: Record<string, string>;
  /** The owner's name (a ReplicaSet, StatefulSet, …): a hint. */
  owner?: string;
  /** `8080/TCP` for each container port. */
  ports: Set<string>;
}

export type PodAddressMap = ReadonlyMap<string, PodAddress>;

/** The pod address map from `kubectl get pods -A -o json` (a List); host-network pods are left out (their address is the node's). */
export function readPodAddresses(json: unknown): { map: Map<string, PodAddress>; error?: string } {
  const map = new Map<string, PodAddress>();
  if (!isRecord(json) || !Array.isArray(json.items)) return { map, error: 'not the output of kubectl get pods -o json (no items list)' };
  for (const item of json.items) {
    if (!isRecord(item) || !isRecord(item.metadata)) continue;
    const meta = item.metadata;
    const spec = isRecord(item.spec) ? item.spec : {};
    const status = isRecord(item.status) ? item.status : {};
    if (spec.hostNetwork === true) continue;
    const ips = new Set<string>();
    if (str(status.podIP)) ips.add(String(status.podIP));
    for (const x of Array.isArray(status.podIPs) ? status.podIPs : []) if (isRecord(x) && str(x.ip)) ips.add(String(x.ip));
    const labels: Record<string, string> = {};
    if (isRecord(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
    const ports = new Set<string>();
    for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
      for (const p of isRecord(c) && Array.isArray(c.ports) ? c.ports : []) {
        if (isRecord(p) && typeof p.containerPort === 'number') ports.add(`${p.containerPort}/${String(p.protocol ?? 'TCP').toUpperCase()}`);
      }
    }
    const owner = Array.isArray(meta.ownerReferences) && isRecord(meta.ownerReferences[0]) ? str(meta.ownerReferences[0].name) : undefined;
    const entry: PodAddress = { namespace: str(meta.namespace) ?? 'default', pod: str(meta.name) ?? '', labels, ...(owner ? { owner } : {}), ports };
    for (const ip of ips) map.set(ip, entry);
  }
  return { map };
}

const EXTERNAL: FlowEndpoint = { external: true };

const HEADER = /^version\s+account-id\s+interface-id\b/;

export class VpcReader {
  private readonly endpoints = new Map<PodAddress, FlowEndpoint>();
  constructor(private readonly pods: PodAddressMap) {}

  private endpoint(ip: string): FlowEndpoint {
    const p = this.pods.get(ip);
    if (!p) return EXTERNAL;
    let ep = this.endpoints.get(p);
    if (!ep) {
      ep = { namespace: p.namespace, labels: p.labels, pod: p.pod, ...(p.owner ? { workload: { name: p.owner } } : {}) };
      this.endpoints.set(p, ep);
    }
    return ep;
  }

  read(line: string): LineResult {
    const t = line.trim();
    if (HEADER.test(t)) return { kind: 'skip' };
    const f = t.split(/\s+/);
    if (f.length < 14) return { kind: 'error', message: `${f.length} fields, a version 2 record has 14` };
    if (f[0] !== '2') return { kind: 'error', message: `version ${JSON.stringify(f[0])}: only version 2 records are read` };
    // NODATA / SKIPDATA records carry no flow.
    if (f[13] !== 'OK') return f[13] === 'NODATA' || f[13] === 'SKIPDATA' ? { kind: 'skip' } : { kind: 'error', message: `unknown log-status ${JSON.stringify(f[13])}` };
    const protocol: FlowProtocol | undefined = protocolOf(f[7]);
    if (!protocol) return /^\d+$/.test(f[7]) ? { kind: 'skip' } : { kind: 'error', message: `protocol ${JSON.stringify(f[7])} is not an IANA number` };
    const srcPort = validPort(f[5]);
    const port = validPort(f[6]);
    if (protocol !== 'ICMP' && (port === undefined || srcPort === undefined)) return { kind: 'error', message: `ports ${f[5]} → ${f[6]} are not 1-65535` };
    if (!/^[0-9a-f.:]+$/i.test(f[3]) || !/^[0-9a-f.:]+$/i.test(f[4])) return { kind: 'error', message: `addresses ${f[3]} → ${f[4]} are not IP addresses` };
    if (f[12] !== 'ACCEPT' && f[12] !== 'REJECT') return { kind: 'error', message: `action ${JSON.stringify(f[12])} is neither ACCEPT nor REJECT` };
    const srcPod = this.pods.get(f[3]);
    const dstPod = this.pods.get(f[4]);
    const reply =
      protocol !== 'ICMP' &&
      ((srcPod !== undefined && srcPod.ports.has(`${srcPort}/${protocol}`) && !(dstPod?.ports.has(`${port}/${protocol}`) ?? false)) ||
        (dstPod !== undefined && !dstPod.ports.has(`${port}/${protocol}`) && srcPod === undefined));
    return {
      kind: 'flow',
      flow: {
        src: this.endpoint(f[3]),
        dst: this.endpoint(f[4]),
        srcIp: f[3],
        dstIp: f[4],
        protocol,
        ...(protocol !== 'ICMP' ? { port } : {}),
        names: [],
        verdict: f[12] === 'ACCEPT' ? 'allowed' : 'denied',
        reply,
        duplicate: false,
      },
    };
  }
}
