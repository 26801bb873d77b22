/**
 * What the reachability panel shows of one analysis, as its parts (the graph, the observed-traffic
 * overlay, compare mode) share it: the view's shape, the internet node, address ranges, connections.
 */
import type { Workload } from '../../model/workloads';
import type { Peer } from '../../reach/rules';
import type { Connection, Reachability } from '../../reach/reachability';
import { PROTOCOLS, type ConnectionSet } from '../../sets/connections';
import { parseV4 } from '../../sets/iprange';
import type { ExposureLine, ExposureMemo } from '../../exposure/exposure';
import type { ReachConns, ReachEdge, ReachNamespace, ReachNode } from './types';

export const INTERNET = 'internet';


/** What the panel needs of one analysis, derived once and kept with it. */
export interface ReachabilityView {
  nodes: ReachNode[];
  conns: ReachConns[];
  edges: ReachEdge[];
  namespaces: ReachNamespace[];
  /** Node id -> index. */
  index: Map<string, number>;
  /** The peers behind external nodes, per role (a range is cut differently as a source and as a destination). */
  asDestination: Map<string, Peer>;
  asSource: Map<string, Peer>;
  workloads: Map<string, Workload>;
  unrestrictedWorkloads: number;
  /** Exposure edges (`src-id>dst-id`) and the exposure they draw: its rules, its pods in words. */
  exposure?: ReadonlyMap<string, ExposureLine>;
  /** The reachability's connection list the edges come from, and the reachability: a later view copies its unchanged pairs. */
  connections?: { reach: Reachability; connections: readonly Connection[] };
  /** What exposure found per set of policies in force: a later view takes it over where it still holds. */
  exposureMemo?: ExposureMemo;
}

/** IPv4 `a.b.c.d-e.f.g.h` (or one address) as numbers (undefined: IPv6 or not a range). */
function v4Range(range: string): [number, number] | undefined {
  const [a, b] = range.split('-');
  const lo = parseV4(a);
  const hi = parseV4(b ?? a);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

/** Whether address ranges (`first-last`, IPv4) hold a range or one address; undefined when it is not IPv4. */
export function rangesHold(ranges: readonly string[], range: string): boolean | undefined {
  const r = v4Range(range);
  if (!r) return undefined;
  return ranges.some((x) => {
    const y = v4Range(x);
    return y !== undefined && y[0] <= r[0] && r[1] <= y[1];
  });
}

export function toConns(c: ConnectionSet): ReachConns {
  const out: ReachConns = { all: c.isAll, text: c.toString() };
  for (const p of PROTOCOLS) {
    const ports = c.portsOf(p);
    if (!ports.isEmpty) out[p] = [...ports.intervals()];
  }
  return out;
}
