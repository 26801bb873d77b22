import { PortSet } from './portset';

/** Protocols with ports, in the order they are printed. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export function isProtocol(p: string): p is Protocol {
  return (PROTOCOLS as readonly string[]).includes(p);
}

/**
 * A set of connections: for each port protocol, a set of ports; and whether ICMP is in it (ICMP has
 * no ports; Calico rules can name it, Kubernetes rules without ports include it). Immutable.
 */
export class ConnectionSet {
  private constructor(
    private readonly ports: Readonly<Record<Protocol, PortSet>>,
    readonly icmp: boolean,
  ) {}

  static readonly none = new ConnectionSet({ SCTP: PortSet.empty, TCP: PortSet.empty, UDP: PortSet.empty }, false);
  static readonly all = new ConnectionSet({ SCTP: PortSet.all, TCP: PortSet.all, UDP: PortSet.all }, true);
  static readonly icmpOnly = new ConnectionSet({ SCTP: PortSet.empty, TCP: PortSet.empty, UDP: PortSet.empty }, true);

  static of(protocol: Protocol, ports: PortSet): ConnectionSet {
    if (ports.isEmpty) return ConnectionSet.none;
    return new ConnectionSet({ ...ConnectionSet.none.ports, [protocol]: ports }, false);
  }

  static from(parts: Partial<Record<Protocol, PortSet>>, icmp = false): ConnectionSet {
    return new ConnectionSet({ ...ConnectionSet.none.ports, ...parts }, icmp);
  }

  portsOf(protocol: Protocol): PortSet {
    return this.ports[protocol];
  }

  get isEmpty(): boolean {
    return !this.icmp && PROTOCOLS.every((p) => this.ports[p].isEmpty);
  }

  get isAll(): boolean {
    return this.icmp && this.allPorts;
  }

  /** Every port of every port protocol (ICMP aside). */
  get allPorts(): boolean {
    return PROTOCOLS.every((p) => this.ports[p].isAll);
  }

  private combine(o: ConnectionSet, f: (a: PortSet, b: PortSet) => PortSet, g: (a: boolean, b: boolean) => boolean): ConnectionSet {
    const next = { SCTP: f(this.ports.SCTP, o.ports.SCTP), TCP: f(this.ports.TCP, o.ports.TCP), UDP: f(this.ports.UDP, o.ports.UDP) };
    const icmp = g(this.icmp, o.icmp);
    if (icmp === this.icmp && PROTOCOLS.every((p) => next[p] === this.ports[p])) return this;
    if (icmp === o.icmp && PROTOCOLS.every((p) => next[p] === o.ports[p])) return o;
    return new ConnectionSet(next, icmp);
  }

  union(o: ConnectionSet): ConnectionSet {
    if (o.isEmpty || this.isAll) return this;
    if (this.isEmpty || o.isAll) return o;
    return this.combine(o, (a, b) => a.union(b), (a, b) => a || b);
  }

  intersect(o: ConnectionSet): ConnectionSet {
    if (this.isEmpty || o.isAll) return this;
    if (o.isEmpty || this.isAll) return o;
    return this.combine(o, (a, b) => a.intersect(b), (a, b) => a && b);
  }

  subtract(o: ConnectionSet): ConnectionSet {
    if (this.isEmpty || o.isEmpty) return this;
    if (o.isAll) return ConnectionSet.none;
    return this.combine(o, (a, b) => a.subtract(b), (a, b) => a && !b);
  }

  contains(o: ConnectionSet): boolean {
    return o.subtract(this).isEmpty;
  }

  has(protocol: Protocol, port: number): boolean {
    return this.ports[protocol].has(port);
  }

  equals(o: ConnectionSet): boolean {
    return this === o || (this.icmp === o.icmp && PROTOCOLS.every((p) => this.ports[p].equals(o.ports[p])));
  }

  /** `All Connections`, `No Connections`, or `ICMP,TCP 80,443,UDP 53`. */
  toString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const items = PROTOCOLS.filter((p) => !this.ports[p].isEmpty).map((p) => `${p} ${this.ports[p].toString()}`);
    return [...(this.icmp ? ['ICMP'] : []), ...items].join(',');
  }

  /**
   * np-guard/netpol-analyzer's rendering, which knows TCP, UDP and SCTP only: `All Connections` when
   * those are complete; ICMP is not shown.
   */
  toConnlistString(): string {
    if (this.allPorts) return 'All Connections';
    const items = PROTOCOLS.filter((p) => !this.ports[p].isEmpty).map((p) => `${p} ${this.ports[p].toString()}`);
    return items.length > 0 ? items.join(',') : this.icmp ? 'ICMP' : 'No Connections';
  }
}
