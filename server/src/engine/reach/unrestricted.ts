/**
 * What "unrestricted egress" means, decided in one place: a workload is unrestricted when its egress
 * reaches every destination (every workload, every address, IPv4 and IPv6, every host name) on every port.
 * Pods are the workspace's (and the cluster DNS its settings imply). Either no policy selects it for egress, or what selects it allows everything (a NetworkPolicy
 * `egress: [{}]`, a Calico `Allow` without destination, Cilium `toEntities: [all]`, an admin-tier Allow to
 * everything, or policies whose rules together leave every connection to the default allow).
 *
 * EL101, the status bar, the panel, the hover and the code lens all ask this function.
 */
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import { appliedRules, evaluate } from './evaluate';
import { IpRangeSet, partition } from './iprange';
import type { Reachability } from './reachability';
import type { Peer, RuleOrigin } from './rules';

export type UnrestrictedEgress =
  /** No policy of any kind selects the workload for egress. */
  | { cause: 'no-policy' }
  /**
   * Policies select it, and what they decide allows everything. `rules`: those that allow every destination
   * on every port on their own, in evaluation order; when none does, `policies` are those whose Allow rules
   * together do (or, when no rule allows, the policies that select it and decide nothing).
   */
  | { cause: 'allows-all'; policies: Resource[]; rules: RuleOrigin[]; nothingAllows?: true };

const cache = new WeakMap<Reachability, Map<Workload, UnrestrictedEgress | null>>();

/** Whether (and why) a workload's egress reaches every destination on every port; undefined when restricted. */
export function unrestrictedEgress(reach: Reachability, w: Workload): UnrestrictedEgress | undefined {
  let m = cache.get(reach);
  if (!m) cache.set(reach, (m = new Map()));
  let hit = m.get(w);
  if (hit === undefined) m.set(w, (hit = decide(reach, w) ?? null));
  return hit ?? undefined;
}

function decide(reach: Reachability, w: Workload): UnrestrictedEgress | undefined {
  const applied = reach.policies.of(w, 'egress');
  if (applied.admin.length + applied.tiers.length + applied.baseline.length === 0) return { cause: 'no-policy' };
  // Pods are those of the workspace (and the cluster DNS it implies); addresses are the external partition
  // (cut by every CIDR of every policy) and IPv6, cut by the rules that apply here.
  const pods = [...reach.workloads, ...reach.dnsTargets.filter((d) => !reach.workloads.includes(d))].filter((x) => x !== w);
  const parts = reach.externalDestinations;
  // The cheap questions first, each a necessary condition: one pod and one address. Most restricted workloads stop here.
  const probe = (peer: Peer) => evaluate(reach.policies, 'egress', w, peer);
  const probes = [probe(parts[0]), ...(pods.length > 0 ? [probe({ kind: 'workload', workload: pods[0] })] : [])];
  if (probes.some((v) => !v.allowed.isAll)) return undefined;
  // Then every pod, every part and every host name, from the workload's egress table.
  const table = reach.table(w, 'egress');
  for (const c of table.hosts.values()) if (!c.isAll) return undefined;
  for (const part of parts) if (!table.getIp(part).isAll) return undefined;
  for (const x of pods) if (!table.get(x).isAll) return undefined;
  const v6 = appliedRules(applied, 'egress')
    .filter((r) => !r.peers.any)
    .map((r) => r.peers.ips.intersect(IpRangeSet.allV6))
    .filter((set) => !set.isEmpty);
  if (v6.length > 0) for (const part of partition(IpRangeSet.allV6, v6)) if (!probe({ kind: 'ip', ips: part, name: '' }).allowed.isAll) return undefined;
  // Why: the rules that allow everything on their own, or else every policy with an Allow rule (together they do).
  const rules = appliedRules(applied, 'egress');
  const alone = rules.filter((r) => r.action === 'allow' && r.ports.numeric.isAll && (r.peers.any || (r.peers.ips.contains(IpRangeSet.all) && pods.every((x) => r.peers.workloads.has(x)))));
  const allowing = rules.filter((r) => r.action === 'allow').map((r) => r.origin.policy);
  const deciding = [...applied.admin.map((p) => p.resource), ...applied.tiers.flatMap((t) => t.policies.map((p) => p.resource)), ...applied.baseline.map((p) => p.resource)];
  const policies = [...new Set(alone.length > 0 ? alone.map((r) => r.origin.policy) : allowing.length > 0 ? allowing : deciding)];
  return allowing.length > 0 ? { cause: 'allows-all', policies, rules: alone.map((r) => r.origin) } : { cause: 'allows-all', policies, rules: [], nothingAllows: true };
}

/** How many workloads of a reachability have unrestricted egress (host-network pods included: no policy applies to them either). */
export function countUnrestricted(reach: Reachability, workloads: readonly Workload[]): number {
  let n = 0;
  for (const w of workloads) if (unrestrictedEgress(reach, w)) n++;
  return n;
}

/** `GlobalNetworkPolicy allow-all`, `NetworkPolicy shop/open` (cluster-scoped kinds have no namespace). */
export function policyLabel(r: Resource): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** `spec.egress[0]`, `specs[1].egress[2]`. */
function rulePath(o: RuleOrigin): string {
  return o.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** Why it is unrestricted, in one clause: "no policy selects them for egress", "GlobalNetworkPolicy allow-all allows all egress (spec.egress[0])". */
export function unrestrictedReason(u: UnrestrictedEgress): string {
  if (u.cause === 'no-policy') return 'no policy selects them for egress';
  if (u.rules.length === 0) {
    const names = u.policies.map(policyLabel);
    if (u.nothingAllows) return `${names.join(', ')} select${names.length === 1 ? 's' : ''} them, but no rule decides anything and every connection falls through to the default allow`;
    return `together, the rules of ${names.join(', ')} allow every destination on every port`;
  }
  const first = u.rules[0];
  const where = `${rulePath(first)}${first.name ? ` "${first.name}"` : ''}`;
  const more = u.rules.length > 1 ? ` and ${u.rules.length - 1} more rule${u.rules.length === 2 ? '' : 's'}` : '';
  return `${policyLabel(first.policy)} allows all egress (${where}${more}: every destination, every port)`;
}
