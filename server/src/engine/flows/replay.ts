/**
 * Replay: observed traffic, reduced to its distinct connections (source workload, destination, protocol
 * and port; counted), each evaluated under the workspace's policies as `explain` evaluates a pair.
 */
import type { Protocol } from '../sets/connections';
import { explainPair, type SourceRef } from '../reach/explain';
import { parseCidr } from '../sets/iprange';
import type { Reachability } from '../reach/reachability';
import { hostPeer, type Peer } from '../reach/rules';
import type { Workload } from '../model/workloads';
import type { FlowProtocol, LineResult, ObservedFlow } from './flow';
import { WorkloadMatcher, type ResolvedEndpoint } from './match';
import type { Direction } from '../types';

/** A side of a connection: a workload of the workspace, or an address outside the cluster (with its DNS names). */
export type ConnectionEnd = { kind: 'workload'; workload: Workload } | { kind: 'external'; ip?: string; names: string[] };

export interface ObservedConnection {
  src: ConnectionEnd;
  dst: ConnectionEnd;
  protocol: FlowProtocol;
  port?: number;
  /** Flows of this connection counted at its source. */
  flows: number;
  /** Observations at the destination of flows also seen (or not recorded) at the source. */
  seenAtDestination: number;
  /** What the cluster did with them. */
  cluster: { allowed: number; denied: number };
  /** Policies the cluster said denied it. */
  deniedBy: string[];
}

export interface UnknownEndpoint {
  name: string;
  reason: string;
  flows: number;
}

export interface MalformedLine {
  file?: string;
  line: number;
  message: string;
}

/** Limits that keep memory bounded however long the log. */
export const MAX_REPORTED_ERRORS = 100;
export const MAX_UNKNOWN = 1000;
export const MAX_CONNECTIONS = 1_000_000;

function endName(e: ConnectionEnd): string {
  if (e.kind === 'workload') return e.workload.id;
  if (e.names.length > 0) return e.ip ? `${e.names.join(',')} (${e.ip})` : e.names.join(',');
  return e.ip ?? '(no address)';
}

export function connectionName(c: { src: ConnectionEnd; dst: ConnectionEnd; protocol: FlowProtocol; port?: number }): string {
  return `${endName(c.src)} => ${endName(c.dst)} ${c.port !== undefined ? `${c.port}/${c.protocol}` : c.protocol}`;
}

/** Flows, read line by line, reduced to what replay, explain and synthesis need; memory grows with distinct connections only. */
export class ObservedTraffic {
  readonly matcher: WorkloadMatcher;
  lines = 0;
  flows = 0;
  replies = 0;
  /** Flows of other protocols than TCP, UDP and SCTP (ICMP): policies of the workspace say nothing of them here. */
  icmp = 0;
  /** Flows with an unknown end (not counted as connections). */
  unknownFlows = 0;
  malformed = 0;
  readonly errors: MalformedLine[] = [];
  readonly unknown = new Map<string, UnknownEndpoint>();
  unknownDropped = 0;
  readonly connections = new Map<string, ObservedConnection>();
  connectionsDropped = 0;
  /** The connections by source, destination, then port and protocol. */
  private readonly index = new Map<Workload | string, Map<Workload | string, Map<number, ObservedConnection>>>();

  constructor(readonly reach: Reachability) {
    this.matcher = new WorkloadMatcher(reach);
  }

  /** One line's result; `line` is its 1-based number in `file`. */
  addLine(result: LineResult, line: number, file?: string): void {
    this.lines++;
    if (result.kind === 'skip') return;
    if (result.kind === 'error') {
      this.malformed++;
      if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ ...(file !== undefined ? { file } : {}), line, message: result.message });
      return;
    }
    this.add(result.flow);
  }

  private noteUnknown(r: ResolvedEndpoint): void {
    if (r.kind !== 'unknown') return;
    const key = `${r.name}\u0000${r.reason}`;
    const u = this.unknown.get(key);
    if (u) u.flows++;
    else if (this.unknown.size < MAX_UNKNOWN) this.unknown.set(key, { name: r.name, reason: r.reason, flows: 1 });
    else this.unknownDropped++;
  }

  add(f: ObservedFlow): void {
    this.flows++;
    if (f.reply) {
      this.replies++;
      return;
    }
    if (f.protocol === 'ICMP') {
      this.icmp++;
      return;
    }
    const rs = this.matcher.resolve(f.src);
    const rd = this.matcher.resolve(f.dst);
    const srcIp = f.srcIp;
    const dstIp = f.dstIp;
    const srcOut = rs.kind === 'external';
    const dstOut = rd.kind === 'external';
    // Outside the cluster with neither an address nor a name (Calico's aggregated pub/pvt): nothing to evaluate.
    const srcBare = srcOut && srcIp === undefined;
    const dstBare = dstOut && dstIp === undefined && f.names.length === 0;
    if (rs.kind === 'unknown' || rd.kind === 'unknown' || (srcOut && dstOut) || srcBare || dstBare) {
      this.unknownFlows++;
      this.noteUnknown(srcBare ? UNADDRESSED : rs);
      this.noteUnknown(dstBare ? UNADDRESSED : rd);
      return;
    }
    // Found by the ends' identities (a workload object, an address and names), not by a key string built for
    // every flow: the key and the connection's ends are built once, for a new connection.
    const bySrc = at(this.index, rs.kind === 'workload' ? rs.workload : `ip:${srcIp}`, () => new Map<Workload | string, Map<number, ObservedConnection>>());
    const byDst = at(bySrc, rd.kind === 'workload' ? rd.workload : f.names.length > 0 ? `${f.names.join(',')}|${dstIp ?? ''}` : `|${dstIp}`, () => new Map<number, ObservedConnection>());
    const portKey = (f.port ?? 0) * 4 + PROTOCOL_INDEX[f.protocol];
    let c = byDst.get(portKey);
    if (!c) {
      if (this.connections.size >= MAX_CONNECTIONS) {
        this.connectionsDropped++;
        return;
      }
      const key = `${rs.kind === 'workload' ? rs.workload.id : `ip:${srcIp}`}\u0000${rd.kind === 'workload' ? rd.workload.id : f.names.length > 0 ? `${f.names.join(',')}|${dstIp ?? ''}` : `|${dstIp}`}\u0000${f.protocol}${f.port}`;
      const src: ConnectionEnd = rs.kind === 'workload' ? { kind: 'workload', workload: rs.workload } : { kind: 'external', ...(srcIp ? { ip: srcIp } : {}), names: [] };
      const dst: ConnectionEnd = rd.kind === 'workload' ? { kind: 'workload', workload: rd.workload } : { kind: 'external', ...(dstIp ? { ip: dstIp } : {}), names: f.names };
      c = { src, dst, protocol: f.protocol, ...(f.port !== undefined ? { port: f.port } : {}), flows: 0, seenAtDestination: 0, cluster: { allowed: 0, denied: 0 }, deniedBy: [] };
      this.connections.set(key, c);
      byDst.set(portKey, c);
    }
    if (f.duplicate) c.seenAtDestination++;
    else c.flows++;
    if (f.verdict === 'allowed') c.cluster.allowed++;
    else if (f.verdict === 'denied') c.cluster.denied++;
    for (const p of f.deniedBy ?? []) if (!c.deniedBy.includes(p) && c.deniedBy.length < 10) c.deniedBy.push(p);
  }

  /** Connections in a stable order: source, destination, protocol, port. */
  sorted(): ObservedConnection[] {
    return [...this.connections.values()].sort((a, b) => compare(connectionName(a), connectionName(b)));
  }
}

const PROTOCOL_INDEX: Record<FlowProtocol, number> = { TCP: 0, UDP: 1, SCTP: 2, ICMP: 3 };

function at<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

const UNADDRESSED: ResolvedEndpoint = { kind: 'unknown', name: '(outside the cluster)', reason: 'the flow log records neither its address nor its name (aggregated)' };

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The peers of the engine a connection end stands for: an address, and each DNS name it was reached by. */
export function peersOf(e: ConnectionEnd): Peer[] {
  if (e.kind === 'workload') return [{ kind: 'workload', workload: e.workload }];
  const out: Peer[] = [];
  if (e.ip) {
    const c = parseCidr(e.ip.includes(':') ? `${e.ip}/128` : `${e.ip}/32`);
    if (c) out.push({ kind: 'ip', ips: c.set, name: `${e.ip}[External]` });
  }
  for (const n of e.names) out.push(hostPeer(n));
  return out;
}

export interface ReplayVerdict {
  allowed: boolean;
  /** The rules that allow it, or the policies and rules that block it. */
  because: { text: string; refs: SourceRef[]; direction: Direction }[];
}

/**
 * Whether the workspace allows one connection, and why (as `explain` says it). An address reached by a DNS
 * name is allowed when its address or one of its names is: the cluster knows both (Cilium's FQDN identities).
 */
export function evaluateConnection(reach: Reachability, c: { src: ConnectionEnd; dst: ConnectionEnd; protocol: FlowProtocol; port?: number }): ReplayVerdict {
  if (c.protocol === 'ICMP' || c.port === undefined) return { allowed: true, because: [{ text: 'ICMP: not evaluated', refs: [], direction: 'egress' }] };
  const protocol = c.protocol as Protocol;
  const query = { protocol, port: c.port };
  let last: ReplayVerdict | undefined;
  for (const s of peersOf(c.src)) {
    for (const d of peersOf(c.dst)) {
      const e = explainPair(reach, s, d, query);
      const allowed = e.query!.allowed;
      const because = e.sides.flatMap((side) => side.decisions.filter((x) => x.verdict === (allowed ? 'allow' : 'deny')).map((x) => ({ text: x.text, refs: x.refs, direction: side.direction })));
      const v: ReplayVerdict = { allowed, because };
      if (allowed) return v;
      last ??= v;
    }
  }
  return last ?? { allowed: false, because: [{ text: 'no address or name recorded for the destination', refs: [], direction: 'egress' }] };
}
