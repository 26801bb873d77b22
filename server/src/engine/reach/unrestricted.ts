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
import { anyApplied, appliedRules, evaluateApplied, type AppliedPolicies } from './evaluate';
import { IpRangeSet, partition } from '../sets/iprange';
import type { Reachability } from './reachability';
import { peerMatches, peerName, type Peer, type RuleOrigin } from './rules';
import { objectNumber, perObject, sameList } from '../memo';
import { resolveNamedPort } from './ports';
import type { Protocol } from '../sets/connections';

export type UnrestrictedEgress =
  /** No policy of any kind selects the workload for egress. */
  | { cause: 'no-policy' }
  /**
   * Policies select it, and what they decide allows everything. `rules`: those that allow every destination
   * on every port on their own, in evaluation order; when none does, `policies` are those whose Allow rules
   * together do (or, when no rule allows, the policies that select it and decide nothing).
   */
  | { cause: 'allows-all'; policies: Resource[]; rules: RuleOrigin[]; nothingAllows?: true };

/** A verdict on a set of policies in force, and whether the pods of the workspace weighed in it. */
interface Verdict {
  verdict: UnrestrictedEgress | null;
  /** Decided by a pod (restricted towards it, or unrestricted: every pod allowed), not by an address or host name. */
  podsMatter: boolean;
}

const cache = new WeakMap<Reachability, { byWorkload: Map<Workload, UnrestrictedEgress | null>; byPolicies: Map<string, Verdict> }>();

/** A number per compiled policy and tier object, to name a set of applied policies. */
const idOf = objectNumber;

/** The name of a set of applied policies (once per set object: the policy index keeps it while nothing in it changes). */
const keyOf = perObject((applied: AppliedPolicies): string =>
  [...applied.admin.map(idOf), '|', ...applied.tiers.flatMap((t) => [`t${idOf(t.tier)}`, ...t.policies.map(idOf)]), '|', ...applied.baseline.map(idOf), '|', ...applied.firewalls.map(idOf)].join(','),
);

/**
 * The verdicts of a reachability. Those of the one it took its tables from carry over, by the set of
 * applied policies in force now, when every destination a verdict weighs is the same: the external address
 * parts and the host names always; the pods (the same objects, so the same labels and ports) and the DNS
 * pods when the verdict weighed them. A policy that changed is a new compiled object, so its sets of
 * policies are decided again; sets no workload has any more are not carried.
 */
function verdictsOf(reach: Reachability): { byWorkload: Map<Workload, UnrestrictedEgress | null>; byPolicies: Map<string, Verdict> } {
  let c = cache.get(reach);
  if (c) return c;
  c = { byWorkload: new Map(), byPolicies: new Map() };
  const before = reach.takenOver;
  const kept = before && cache.get(before);
  if (
    before &&
    kept &&
    before.externalDestinations === reach.externalDestinations &&
    before.externalHosts.length === reach.externalHosts.length &&
    before.externalHosts.every((h, i) => peerName(h) === peerName(reach.externalHosts[i]))
  ) {
    const podsSame = sameList(before.workloads, reach.workloads) && sameList(before.dnsTargets, reach.dnsTargets);
    for (const w of reach.workloads) {
      const key = keyOf(reach.policies.of(w, 'egress'));
      if (c.byPolicies.has(key)) continue;
      const v = kept.byPolicies.get(key);
      if (v && (podsSame || !v.podsMatter)) c.byPolicies.set(key, v);
    }
  }
  cache.set(reach, c);
  return c;
}

/** Whether (and why) a workload's egress reaches every destination on every port; undefined when restricted. */
export function unrestrictedEgress(reach: Reachability, w: Workload): UnrestrictedEgress | undefined {
  const c = verdictsOf(reach);
  let hit = c.byWorkload.get(w);
  if (hit === undefined) {
    // An egress verdict depends on the policies that apply, not on the subject: workloads under the same policies share it.
    const applied = reach.policies.of(w, 'egress');
    const key = keyOf(applied);
    let v = c.byPolicies.get(key);
    if (!v) c.byPolicies.set(key, (v = decide(reach, applied)));
    hit = v.verdict;
    c.byWorkload.set(w, hit);
  }
  return hit ?? undefined;
}

function decide(reach: Reachability, applied: AppliedPolicies): Verdict {
  if (!anyApplied(applied)) return { verdict: { cause: 'no-policy' }, podsMatter: false };
  const rules = appliedRules(applied, 'egress');
  // Destinations: the pods of the workspace (and the cluster DNS it implies), the external partition (cut by
  // every CIDR of every policy), IPv6 cut by the rules that apply here, and the host names policies name.
  const pods = () => [...reach.workloads, ...reach.dnsTargets.filter((d) => !reach.workloads.includes(d))];
  function* peers(): Generator<Peer> {
    yield* reach.externalDestinations;
    const v6 = rules.map((r) => r.peers.ips.intersect(IpRangeSet.allV6)).filter((set) => !set.isEmpty);
    for (const ips of partition(IpRangeSet.allV6, v6)) yield { kind: 'ip', ips, name: '' };
    yield* reach.externalHosts;
    for (const workload of pods()) yield { kind: 'workload', workload };
  }
  // Peers that the same rules match (with the same named ports) get the same verdict: evaluate one of each.
  // (An egress verdict reads its subject only to find its policies, and those are given.)
  const subject = reach.workloads[0] ?? reach.dnsTargets[0];
  const seen = new Set<string>();
  // Rules for every peer match all of them alike: only the others (and named ports) tell peers apart.
  const specific = rules.flatMap((r, i) => (r.peers.any && !r.ports.hasNamedPorts ? [] : [i]));
  for (const peer of peers()) {
    let sig = '';
    for (const i of specific) {
      const r = rules[i];
      if (!peerMatches(r.peers, peer)) continue;
      sig += `${i},`;
      if (r.ports.hasNamedPorts && peer.kind === 'workload') for (const n of r.ports.namedPorts()) sig += `${resolvedName(peer.workload, n.name, n.protocol)},`;
    }
    if (seen.has(sig)) continue;
    seen.add(sig);
    if (!evaluateApplied(applied, 'egress', subject, peer).allowed.isAll) return { verdict: null, podsMatter: peer.kind === 'workload' };
  }
  // Why: the rules that allow everything on their own, or else every policy with an Allow rule (together they do).
  const alone = rules.filter((r) => r.action === 'allow' && r.ports.numeric.isAll && (r.peers.any || (r.peers.ips.contains(IpRangeSet.all) && pods().every((x) => r.peers.workloads.has(x)))));
  const allowing = rules.filter((r) => r.action === 'allow').map((r) => r.origin.policy);
  const deciding = [...applied.admin.map((p) => p.resource), ...applied.tiers.flatMap((t) => t.policies.map((p) => p.resource)), ...applied.baseline.map((p) => p.resource), ...applied.firewalls.map((f) => f.resource)];
  const policies = [...new Set(alone.length > 0 ? alone.map((r) => r.origin.policy) : allowing.length > 0 ? allowing : deciding)];
  const verdict: UnrestrictedEgress = allowing.length > 0 ? { cause: 'allows-all', policies, rules: alone.map((r) => r.origin) } : { cause: 'allows-all', policies, rules: [], nothingAllows: true };
  return { verdict, podsMatter: true };
}

/** Where a named port leads on a workload, in a few characters. */
function resolvedName(w: Workload, name: string, protocol: Protocol | undefined): string {
  const p = resolveNamedPort(w, name, protocol);
  return p ? `${p.protocol}${p.port}` : '-';
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
