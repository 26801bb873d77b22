/**
 * What "safe" means for a fix: it allows nothing less. Two analyses of the same sources, before and after
 * a fix, are compared connection by connection (the connectivity diff: workloads, external ranges, hosts,
 * and routes through the mesh), and every workload's path to the cluster DNS besides (the DNS pods may be
 * assumed rather than declared, and then are not among the listed connections).
 */
import type { Analysis } from '../analyze';
import { diffAnalyses, opensAndCloses } from '../diff/diff';
import type { Workload } from '../model/workloads';
import { isMeshed } from '../mesh/mesh';
import { egressPath } from '../mesh/paths';

/**
 * A host no resource names (the `.invalid` top-level domain is reserved): what the mesh does with the
 * rest of the internet, e.g. drop it under REGISTRY_ONLY.
 */
const UNNAMED_HOST = 'any-other-host.invalid';

/** One connection the later state no longer allows, as `src => dst: conns`. */
export type LostConnection = string;

/** The connections `before` allows that `after` does not (empty: nothing was cut). */
export function connectionsLost(before: Analysis, after: Analysis): LostConnection[] {
  const out: LostConnection[] = [];
  for (const c of diffAnalyses(before, after, { explain: false }).changes) {
    if (!opensAndCloses(c).closes) continue;
    const what = c.closed.isEmpty ? (c.routeAfter?.summary ?? 'route closed') : c.closed.toString();
    out.push(`${c.src.id} => ${c.dst.id}: ${what}`);
  }
  const listed = new Set(before.reach.workloads.map((w) => w.id));
  const afterById = new Map(after.reach.workloads.map((w) => [w.id, w]));
  const afterDns = new Map(after.reach.dnsTargets.map((w) => [w.id, w]));
  for (const dns of before.reach.dnsTargets) {
    if (listed.has(dns.id)) continue; // a declared DNS workload: the diff compared it already
    const dnsAfter: Workload | undefined = afterDns.get(dns.id);
    for (const w of before.reach.workloads) {
      const was = before.reach.between({ kind: 'workload', workload: w }, { kind: 'workload', workload: dns }).allowed;
      if (was.isEmpty) continue;
      const wAfter = afterById.get(w.id);
      const now = wAfter && dnsAfter ? after.reach.between({ kind: 'workload', workload: wAfter }, { kind: 'workload', workload: dnsAfter }).allowed : undefined;
      if (!now || !now.contains(was)) out.push(`${w.id} => ${dns.id}: ${now ? was.subtract(now).toString() : was.toString()}`);
    }
  }
  // The rest of the internet, through each meshed workload's sidecar.
  if (before.mesh.istioPresent) {
    for (const w of before.reach.workloads) {
      if (!isMeshed(w, before.model.namespaces)) continue;
      const was = egressPath(before.mesh, before.reach, w, UNNAMED_HOST);
      if (was.outcome !== 'direct' && was.outcome !== 'via-gateway') continue;
      const wAfter = afterById.get(w.id);
      const now = wAfter && isMeshed(wAfter, after.model.namespaces) ? egressPath(after.mesh, after.reach, wAfter, UNNAMED_HOST) : undefined;
      if (now && now.outcome !== 'direct' && now.outcome !== 'via-gateway') out.push(`${w.id} => hosts no resource names: ${now.summary}`);
    }
  }
  return out;
}
