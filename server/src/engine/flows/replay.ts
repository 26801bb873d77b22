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
import type { FlowEndpoint, FlowProtocol, LineResult, ObservedFlow } from './flow';
import { WorkloadMatcher, type ResolvedEndpoint } from './match';
import type { Direction } from '../types';
import { TextMemo } from '../memo';

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
  /** What each endpoint object of the readers is (they share one between the flows of a pod): resolved, with its end's number when it is a workload. */
  private readonly ends = new WeakMap<FlowEndpoint, { resolved: ResolvedEndpoint; id: number }>();
  /** Numbers of connection ends: workloads, and addresses outside the cluster by their names then address. */
  private readonly workloadIds = new Map<Workload, number>();
  private readonly externalIds = new Map<string, Map<string, number>>();
  private readonly namesKeys = new WeakMap<string[], string>();
  private readonly endList: ConnectionEnd[] = [];
  /** The connections by their ends' numbers, port and protocol. */
  private readonly table = new ConnectionTable();

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
    const es = this.ends.get(f.src) ?? this.endEntry(f.src);
    const ed = this.ends.get(f.dst) ?? this.endEntry(f.dst);
    const rs = es.resolved;
    const rd = ed.resolved;
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
    // Found by numbers given to the ends (a workload object, an address and names), not by a key string built
    // for every flow: the key and the connection's ends are built once, for a new connection.
    const srcId = es.id >= 0 ? es.id : this.externalId(NO_NAMES, srcIp ?? '');
    const dstId = ed.id >= 0 ? ed.id : this.externalId(f.names, dstIp ?? '');
    const portKey = (f.port ?? 0) * 4 + PROTOCOL_INDEX[f.protocol];
    let c = this.table.get(srcId, dstId, portKey);
    if (!c) {
      if (this.connections.size >= MAX_CONNECTIONS) {
        this.connectionsDropped++;
        return;
      }
      const src = this.endList[srcId];
      const dst = this.endList[dstId];
      const key = `${rs.kind === 'workload' ? rs.workload.id : `ip:${srcIp}`}\u0000${rd.kind === 'workload' ? rd.workload.id : f.names.length > 0 ? `${f.names.join(',')}|${dstIp ?? ''}` : `|${dstIp}`}\u0000${f.protocol}${f.port}`;
      c = { src, dst, protocol: f.protocol, ...(f.port !== undefined ? { port: f.port } : {}), flows: 0, seenAtDestination: 0, cluster: { allowed: 0, denied: 0 }, deniedBy: [] };
      this.connections.set(key, c);
      this.table.add(srcId, dstId, portKey, c);
    }
    if (f.duplicate) c.seenAtDestination++;
    else c.flows++;
    if (f.verdict === 'allowed') c.cluster.allowed++;
    else if (f.verdict === 'denied') c.cluster.denied++;
    for (const p of f.deniedBy ?? []) if (!c.deniedBy.includes(p) && c.deniedBy.length < 10) c.deniedBy.push(p);
  }

  private endEntry(ep: FlowEndpoint): { resolved: ResolvedEndpoint; id: number } {
    const resolved = this.matcher.resolve(ep);
    const e = { resolved, id: resolved.kind === 'workload' ? this.workloadId(resolved.workload) : -1 };
    this.ends.set(ep, e);
    return e;
  }

  private workloadId(w: Workload): number {
    let id = this.workloadIds.get(w);
    if (id === undefined) {
      id = this.endList.length;
      this.endList.push({ kind: 'workload', workload: w });
      this.workloadIds.set(w, id);
    }
    return id;
  }

  /** The number of an address outside the cluster with the names it was reached by. */
  private externalId(names: string[], ip: string): number {
    let key = names.length === 0 ? '' : this.namesKeys.get(names);
    if (key === undefined) this.namesKeys.set(names, (key = names.join(',')));
    let byIp = this.externalIds.get(key);
    if (!byIp) this.externalIds.set(key, (byIp = new Map()));
    let id = byIp.get(ip);
    if (id === undefined) {
      id = this.endList.length;
      this.endList.push({ kind: 'external', ...(ip ? { ip } : {}), names });
      byIp.set(ip, id);
    }
    return id;
  }

  /** Connections in a stable order: source, destination, protocol, port. */
  sorted(): ObservedConnection[] {
    return [...this.connections.values()].sort((a, b) => compare(connectionName(a), connectionName(b)));
  }
}

/** Connections by three numbers (their ends' and their port's), in a flat open-addressed table. */
class ConnectionTable {
  /** Entry index + 1 by hash; 0 is empty. */
  private slots = new Int32Array(1 << 12);
  private keys = new Int32Array(3 << 11);
  private readonly values: ObservedConnection[] = [];

  private static hash(a: number, b: number, c: number): number {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  get(a: number, b: number, c: number): ObservedConnection | undefined {
    const slots = this.slots;
    const keys = this.keys;
    const mask = slots.length - 1;
    for (let s = ConnectionTable.hash(a, b, c) & mask; ; s = (s + 1) & mask) {
      const e = slots[s] - 1;
      if (e < 0) return undefined;
      const k = e * 3;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c) return this.values[e];
    }
  }

  add(a: number, b: number, c: number, v: ObservedConnection): void {
    const e = this.values.length;
    if ((e + 1) * 3 > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set([a, b, c], e * 3);
    this.values.push(v);
    if ((e + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i < this.values.length; i++) this.place(i);
    } else this.place(e);
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    const k = e * 3;
    let s = ConnectionTable.hash(this.keys[k], this.keys[k + 1], this.keys[k + 2]) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }
}

const NO_NAMES: string[] = [];

const PROTOCOL_INDEX: Record<FlowProtocol, number> = { TCP: 0, UDP: 1, SCTP: 2, ICMP: 3 };

const UNADDRESSED: ResolvedEndpoint = { kind: 'unknown', name: '(outside the cluster)', reason: 'the flow log records neither its address nor its name (aggregated)' };

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Peers of single addresses, built once per address (replay evaluates many connections to the same ones). */
const addressPeers = new TextMemo<Peer | null>('replay: the peer of each observed address', 10_000);

function addressPeer(ip: string): Peer | undefined {
  return (
    addressPeers.get(ip, () => {
      const c = parseCidr(ip.includes(':') ? `${ip}/128` : `${ip}/32`);
      return c ? { kind: 'ip', ips: c.set, name: `${ip}[External]` } : null;
    }) ?? undefined
  );
}

/** The peers of the engine a connection end stands for: an address, and each DNS name it was reached by. */
export function peersOf(e: ConnectionEnd): Peer[] {
  if (e.kind === 'workload') return [{ kind: 'workload', workload: e.workload }];
  const out: Peer[] = [];
  if (e.ip) {
    const p = addressPeer(e.ip);
    if (p) out.push(p);
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
