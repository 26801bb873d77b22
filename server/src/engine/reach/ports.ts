import type { Workload } from '../model/workloads';
import { ConnectionSet, isProtocol, type Protocol } from '../sets/connections';
import { PortSet } from '../sets/portset';

/**
 * What one `ports` entry of a rule allows, before the destination is known.
 * Named ports resolve against the destination workload's container ports, protocol included.
 */
export type PortSpec =
  | { kind: 'all' }
  | { kind: 'numbers'; conns: ConnectionSet }
  | { kind: 'named'; name: string; protocol?: Protocol };

export const ALL_PORTS: PortSpec = { kind: 'all' };

/** A rule's ports: the union of its entries. An empty list means every port. */
export class PortMatcher {
  private readonly fixed: ConnectionSet;
  private readonly named: { name: string; protocol?: Protocol }[];

  constructor(specs: readonly PortSpec[]) {
    let fixed = ConnectionSet.none;
    const named: { name: string; protocol?: Protocol }[] = [];
    if (specs.length === 0) fixed = ConnectionSet.all;
    for (const s of specs) {
      if (s.kind === 'all') fixed = ConnectionSet.all;
      else if (s.kind === 'numbers') fixed = fixed.union(s.conns);
      else named.push({ name: s.name, protocol: s.protocol });
    }
    this.fixed = fixed;
    this.named = named;
  }

  static readonly all = new PortMatcher([]);

  get hasNamedPorts(): boolean {
    return this.named.length > 0;
  }

  /**
   * The connections allowed towards a destination (undefined: an IP, where names mean nothing).
   * A name resolves to the first container port of that name; when the rule states a protocol,
   * the container port must use it.
   */
  resolve(dst?: Workload): ConnectionSet {
    if (this.named.length === 0 || !dst) return this.fixed;
    let out = this.fixed;
    for (const n of this.named) {
      const p = resolveNamedPort(dst, n.name, n.protocol);
      if (p) out = out.union(ConnectionSet.of(p.protocol, PortSet.port(p.port)));
    }
    return out;
  }

  /** The numeric part only (what the rule allows to any destination regardless of port names). */
  get numeric(): ConnectionSet {
    return this.fixed;
  }

  namedPorts(): readonly { name: string; protocol?: Protocol }[] {
    return this.named;
  }
}

/** The container port a name refers to on a workload, or undefined when it does not resolve. */
export function resolveNamedPort(w: Workload, name: string, protocol?: Protocol): { port: number; protocol: Protocol } | undefined {
  const p = w.ports.find((x) => x.name === name);
  if (!p || (protocol !== undefined && p.protocol !== protocol)) return undefined;
  return { port: p.port, protocol: p.protocol };
}

/** A NetworkPolicy port entry: protocol (TCP by default), number or name, endPort. */
export function netpolPortSpec(protocol: string, port: number | string | undefined, endPort: number | undefined): PortSpec | undefined {
  const proto = protocol.toUpperCase();
  if (!isProtocol(proto)) return undefined;
  if (port === undefined) return { kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.all) };
  if (typeof port === 'string' && !/^\d+$/.test(port)) return { kind: 'named', name: port, protocol: proto };
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return undefined;
  // endPort below port: the API server rejects the entry; it allows nothing (never just `port`).
  if (endPort !== undefined && endPort < n) return undefined;
  const end = endPort ?? n;
  return { kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.range(n, end)) };
}

/**
 * A Kubernetes-style `ports` list (`{protocol, port, endPort}`, protocol TCP when absent), as GKE, Antrea and
 * OpenShift policies write it: no list, every port; entries none of which is valid, nothing.
 */
export function portListMatcher(list: unknown): PortMatcher {
  if (!Array.isArray(list) || list.length === 0) return PortMatcher.all;
  const specs: PortSpec[] = [];
  for (const p of list) {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) continue;
    const e = p as Record<string, unknown>;
    const port = typeof e.port === 'number' || typeof e.port === 'string' ? e.port : undefined;
    const s = netpolPortSpec(typeof e.protocol === 'string' ? e.protocol : 'TCP', port, typeof e.endPort === 'number' ? e.endPort : undefined);
    if (s) specs.push(s);
  }
  return new PortMatcher(specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs);
}
