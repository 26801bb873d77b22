/**
 * Observed connections as plain data, independent of one analysis: endpoints by namespace and pod labels
 * (or address and names), so that they can be kept in the configuration and matched again after every edit.
 * Connections the cluster only ever dropped are left out.
 */
import type { Reachability } from '../reach/reachability';
import { WorkloadMatcher } from './match';
import type { ConnectionEnd, ObservedConnection } from './replay';
import { deniedByCluster } from './synthesize';
import type { ObservedConnectionRecord, ObservedEndpointRecord } from '../types';

export type { ObservedConnectionRecord, ObservedEndpointRecord };

/** At most this many connections are kept for the editor (the busiest first). */
export const MAX_OBSERVED_RECORDS = 20_000;

export function recordsOf(connections: Iterable<ObservedConnection>): ObservedConnectionRecord[] {
  const out: ObservedConnectionRecord[] = [];
  for (const c of connections) {
    // What the cluster only ever dropped is not traffic a policy could break.
    if (c.port === undefined || c.protocol === 'ICMP' || deniedByCluster(c)) continue;
    const end = (e: ObservedConnection['src']): ObservedEndpointRecord =>
      e.kind === 'workload' ? { namespace: e.workload.namespace, labels: { ...e.workload.labels } } : { ...(e.ip ? { ip: e.ip } : {}), ...(e.names.length > 0 ? { names: [...e.names] } : {}) };
    out.push({ from: end(c.src), to: end(c.dst), protocol: c.protocol, port: c.port, flows: c.flows || c.seenAtDestination });
  }
  out.sort((a, b) => b.flows - a.flows);
  return out.slice(0, MAX_OBSERVED_RECORDS);
}

const matchers = new WeakMap<Reachability, WorkloadMatcher>();

/** The workload matcher of a reachability, built once. */
export function matcherOf(reach: Reachability): WorkloadMatcher {
  let m = matchers.get(reach);
  if (!m) matchers.set(reach, (m = new WorkloadMatcher(reach)));
  return m;
}

/** A record's end in the workspace: the workload its namespace and labels match, an address, or nothing (unknown). */
export function endOf(matcher: WorkloadMatcher, e: ObservedEndpointRecord): ConnectionEnd | undefined {
  if (e.namespace !== undefined) {
    const r = matcher.resolve({ namespace: e.namespace, ...(e.labels ? { labels: e.labels } : {}) });
    return r.kind === 'workload' ? { kind: 'workload', workload: r.workload } : undefined;
  }
  if (!e.ip && !e.names?.length) return undefined;
  return { kind: 'external', ...(e.ip ? { ip: e.ip } : {}), names: e.names ?? [] };
}
