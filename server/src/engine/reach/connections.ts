import { PortSet } from './portset';

/** Protocols of Kubernetes network policy, in the order they are printed. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export function isProtocol(p: string): p is Protocol {
  return (PROTOCOLS as readonly string[]).includes(p);
}

/** A set of connections: for each protocol, a set of ports. Immutable. */
export class ConnectionSet {
  private constructor(private readonly ports: Readonly<Record<Protocol, PortSet>>) {}

  static readonly none = new ConnectionSet({ SCTP: PortSet.empty, TCP: PortSet.empty, UDP: PortSet.empty });
  static readonly all = new ConnectionSet({ SCTP: PortSet.all, TCP: PortSet.all, UDP: PortSet.all });

  static of(protocol: Protocol, ports: PortSet): ConnectionSet {
    if (ports.isEmpty) return ConnectionSet.none;
    return new ConnectionSet({ ...ConnectionSet.none.ports, [protocol]: ports });
  }

  static from(parts: Partial<Record<Protocol, PortSet>>): ConnectionSet {
    return new ConnectionSet({ ...ConnectionSet.none.ports, ...parts });
  }

  portsOf(protocol: Protocol): PortSet {
    return this.ports[protocol];
  }

  get isEmpty(): boolean {
    return PROTOCOLS.every((p) => this.ports[p].isEmpty);
  }

  get isAll(): boolean {
    return PROTOCOLS.every((p) => this.ports[p].isAll);
  }

  private combine(o: ConnectionSet, f: (a: PortSet, b: PortSet) => PortSet): ConnectionSet {
    const next = { SCTP: f(this.ports.SCTP, o.ports.SCTP), TCP: f(this.ports.TCP, o.ports.TCP), UDP: f(this.ports.UDP, o.ports.UDP) };
    if (PROTOCOLS.every((p) => next[p] === this.ports[p])) return this;
    if (PROTOCOLS.every((p) => next[p] === o.ports[p])) return o;
    return new ConnectionSet(next);
  }

  union(o: ConnectionSet): ConnectionSet {
    if (o.isEmpty || this.isAll) return this;
    if (this.isEmpty || o.isAll) return o;
    return this.combine(o, (a, b) => a.union(b));
  }

  intersect(o: ConnectionSet): ConnectionSet {
    if (this.isEmpty || o.isAll) return this;
    if (o.isEmpty || this.isAll) return o;
    return this.combine(o, (a, b) => a.intersect(b));
  }

  subtract(o: ConnectionSet): ConnectionSet {
    if (this.isEmpty || o.isEmpty) return this;
    if (o.isAll) return ConnectionSet.none;
    return this.combine(o, (a, b) => a.subtract(b));
  }

  contains(o: ConnectionSet): boolean {
    return o.subtract(this).isEmpty;
  }

  has(protocol: Protocol, port: number): boolean {
    return this.ports[protocol].has(port);
  }

  equals(o: ConnectionSet): boolean {
    return this === o || PROTOCOLS.every((p) => this.ports[p].equals(o.ports[p]));
  }

  /** netpol-analyzer's rendering: `All Connections`, `No Connections`, or `TCP 80,443,UDP 53`. */
  toString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    return PROTOCOLS.filter((p) => !this.ports[p].isEmpty)
      .map((p) => `${p} ${this.ports[p].toString()}`)
      .join(',');
  }
}
