/**
 * Antrea-native policies (crd.antrea.io): ClusterNetworkPolicy (ACNP) and the namespaced NetworkPolicy (ANNP),
 * with their Tiers. https://github.com/antrea-io/antrea/blob/main/docs/antrea-network-policy.md
 *
 * Order: the tiers by priority (emergency 50, securityops 100, networkops 150, platform 200, application 250 —
 * the tier of a policy that names none —, custom Tier objects below 250), then, within a tier, the policies by
 * `priority` (lower first), then each policy's rules as written; the first rule that matches decides: Allow,
 * Drop or Reject, or Pass (on to Kubernetes NetworkPolicy). Kubernetes NetworkPolicies come after every tier
 * but `baseline` (253), which comes last. Selecting a pod does not isolate it. They compile to the admin and
 * baseline layers the engine already evaluates in that order (`reach/evaluate.ts`).
 *
 * Peers: `podSelector` (in an ACNP, in every namespace; in an ANNP, in its own), `namespaceSelector`, both
 * (AND), `namespaces: {match: Self}` (the subject's own namespace: the policy is compiled once per namespace of
 * its subjects), `ipBlock` (`cidr` only), `fqdn` (egress: a host name destination), `group` (a ClusterGroup:
 * selectors, `serviceReference`, `ipBlocks`, `childGroups`), `serviceAccount`, and egress `toServices` (the
 * Service's pods). `nodeSelector` peers (node addresses are not in manifests) and rule-level `appliedTo` are not
 * modelled: such a policy applies to no pod here.
 */
import type { WorkloadIndex } from '../model/index';
import { isRecord, stringMap, type Resource } from '../model/resources';
import { readSelector, type LabelSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import { normalizeHost } from '../sets/hosts';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { portListMatcher, type PortMatcher } from '../reach/ports';
import { ANY_PEER, type Action, type Direction, type PeerMatch } from '../reach/rules';
import type { CompiledAdminPolicy } from '../reach/compiled';
import { actionRules, networkCoversPods } from './compile-admin';

export const ANTREA_GROUP = 'crd.antrea.io';

/** The tiers Antrea creates at start-up, by name (lower case), with their priorities. */
export const STATIC_TIERS: Readonly<Record<string, number>> = { emergency: 50, securityops: 100, networkops: 150, platform: 200, application: 250, baseline: 253 };

export function isAntreaPolicy(r: Resource): boolean {
  return r.group === ANTREA_GROUP && (r.kind === 'ClusterNetworkPolicy' || r.kind === 'NetworkPolicy');
}

/** Tier priorities: the static tiers and the workspace's Tier objects (by lower-case name). */
export function antreaTiers(definitions: readonly Resource[]): Map<string, number> {
  const tiers = new Map(Object.entries(STATIC_TIERS));
  for (const r of definitions) {
    if (r.group !== ANTREA_GROUP || r.kind !== 'Tier') continue;
    const p = isRecord(r.obj.spec) ? r.obj.spec.priority : undefined;
    if (typeof p === 'number') tiers.set(r.name.toLowerCase(), p);
  }
  return tiers;
}

export interface AntreaContext {
  index: WorkloadIndex;
  services: readonly Resource[];
  /** ClusterGroups (crd.antrea.io) by name. */
  groups: ReadonlyMap<string, Resource>;
  tiers: ReadonlyMap<string, number>;
  /** The pod address ranges (setting `clusterCidrs`): what an ipBlock covers of the pods. */
  clusterCidrs: readonly string[];
}

function serviceAccountOf(w: Workload): string {
  const r = w.resources[0];
  const tmpl = r?.kind === 'Pod' ? r.obj.spec : isRecord(r?.obj.spec) && isRecord(r.obj.spec.template) ? (r.obj.spec.template as Record<string, unknown>).spec : undefined;
  return isRecord(tmpl) && typeof tmpl.serviceAccountName === 'string' ? tmpl.serviceAccountName : 'default';
}

/** The pods behind a Service (by its selector). */
function servicePods(ns: string, name: string, ctx: AntreaContext): Workload[] {
  const svc = ctx.services.find((s) => s.namespace === ns && s.name === name);
  const spec = svc && isRecord(svc.obj.spec) ? svc.obj.spec : undefined;
  if (!spec || !isRecord(spec.selector)) return [];
  const want = stringMap(spec.selector);
  return ctx.index.inNamespace(ns).filter((w) => Object.entries(want).every(([k, v]) => w.labels[k] === v));
}

/**
 * The workloads of a selector pair: pods by `podSelector` in the namespaces `namespaceSelector` selects, or,
 * without one, in `scope` (the policy's own namespace for an ANNP, the given one for `match: Self`, every
 * namespace for an ACNP).
 */
function selectPods(pod: unknown, nsSel: unknown, scope: string | undefined, index: WorkloadIndex): Workload[] {
  const pods: LabelSelector | undefined = pod === undefined ? undefined : readSelector(pod);
  const namespaces = nsSel !== undefined ? index.selectNamespaces(readSelector(nsSel)).map((n) => n.name) : scope !== undefined ? [scope] : index.selectNamespaces(readSelector({})).map((n) => n.name);
  return namespaces.flatMap((ns) => (pods ? index.select(ns, pods) : [...index.inNamespace(ns)]));
}

/** What one `to`/`from` entry (or a ClusterGroup) adds to a rule's peers. */
function addPeer(p: Record<string, unknown>, acc: { workloads: Set<Workload>; ips: IpRangeSet; hosts: string[]; unmodelled: string[] }, scope: { policyNs?: string; self?: string }, ctx: AntreaContext, depth = 0): void {
  const self = isRecord(p.namespaces) && String(p.namespaces.match ?? '').toLowerCase() === 'self';
  if (p.podSelector !== undefined || p.namespaceSelector !== undefined || self) {
    for (const w of selectPods(p.podSelector, p.namespaceSelector, self ? scope.self : scope.policyNs, ctx.index)) acc.workloads.add(w);
  }
  const blocks = [...(isRecord(p.ipBlock) ? [p.ipBlock] : []), ...(Array.isArray(p.ipBlocks) ? p.ipBlocks : [])];
  for (const b of blocks) {
    const c = isRecord(b) && typeof b.cidr === 'string' ? parseCidr(b.cidr) : undefined;
    if (!c) continue;
    acc.ips = acc.ips.union(c.set);
    // Antrea matches an ipBlock on addresses, pods' included (as the admin policies' networks).
    const pods = networkCoversPods(c.set, ctx.clusterCidrs);
    if (pods === 'all') for (const w of selectPods(undefined, {}, undefined, ctx.index)) acc.workloads.add(w);
    else if (pods === 'undecidable') acc.unmodelled.push(`ipBlock ${String((b as Record<string, unknown>).cidr)} overlaps the pod addresses without containing them: which pods it covers depends on IP allocation, so it is taken to match none`);
  }
  if (typeof p.fqdn === 'string' && p.fqdn.trim()) acc.hosts.push(normalizeHost(p.fqdn));
  if (isRecord(p.serviceAccount) && typeof p.serviceAccount.name === 'string') {
    const ns = String(p.serviceAccount.namespace ?? scope.policyNs ?? '');
    for (const w of ctx.index.inNamespace(ns)) if (serviceAccountOf(w) === p.serviceAccount.name) acc.workloads.add(w);
  }
  if (isRecord(p.serviceReference) && typeof p.serviceReference.name === 'string') {
    for (const w of servicePods(String(p.serviceReference.namespace ?? scope.policyNs ?? 'default'), p.serviceReference.name, ctx)) acc.workloads.add(w);
  }
  if (typeof p.group === 'string') {
    const g = ctx.groups.get(p.group);
    if (g && isRecord(g.obj.spec) && depth < 2) addPeer(g.obj.spec, acc, scope, ctx, depth + 1);
    else if (!g) acc.unmodelled.push(`group ${p.group}: no ClusterGroup of that name in the workspace, so it is taken to match none`);
  }
  if (Array.isArray(p.childGroups) && depth < 2) {
    for (const name of p.childGroups) {
      const g = ctx.groups.get(String(name));
      if (g && isRecord(g.obj.spec)) addPeer(g.obj.spec, acc, scope, ctx, depth + 1);
    }
  }
  if (p.nodeSelector !== undefined) acc.unmodelled.push('nodeSelector: node addresses are not in the manifests, so it is taken to match none');
}

function rulePeers(rule: Record<string, unknown>, dir: Direction, scope: { policyNs?: string; self?: string }, ctx: AntreaContext): PeerMatch {
  const list = rule[dir === 'egress' ? 'to' : 'from'];
  const services = dir === 'egress' && Array.isArray(rule.toServices) ? rule.toServices : [];
  // No peers at all: the rule matches every peer.
  if ((!Array.isArray(list) || list.length === 0) && services.length === 0) return ANY_PEER;
  const acc = { workloads: new Set<Workload>(), ips: IpRangeSet.empty, hosts: [] as string[], unmodelled: [] as string[] };
  for (const p of Array.isArray(list) ? list : []) if (isRecord(p)) addPeer(p, acc, scope, ctx);
  for (const s of services) {
    if (isRecord(s) && typeof s.name === 'string') for (const w of servicePods(String(s.namespace ?? scope.policyNs ?? 'default'), s.name, ctx)) acc.workloads.add(w);
  }
  return { any: false, workloads: acc.workloads, ips: acc.ips, ...(acc.hosts.length > 0 ? { hosts: acc.hosts } : {}), ...(acc.unmodelled.length > 0 ? { unmodelled: acc.unmodelled } : {}) };
}

function rulePorts(rule: Record<string, unknown>): PortMatcher {
  return portListMatcher(rule.ports);
}

function actionOf(raw: unknown): Action | undefined {
  switch (raw) {
    case 'Allow':
      return 'allow';
    case 'Drop':
    case 'Reject':
      return 'deny';
    case 'Pass':
      return 'pass';
    default:
      return undefined;
  }
}

/** The pods a policy applies to (its policy-level `appliedTo`). */
function appliedTo(r: Resource, spec: Record<string, unknown>, ctx: AntreaContext): Workload[] {
  const policyNs = r.kind === 'NetworkPolicy' ? r.namespace : undefined;
  const acc = { workloads: new Set<Workload>(), ips: IpRangeSet.empty, hosts: [] as string[], unmodelled: [] as string[] };
  for (const p of Array.isArray(spec.appliedTo) ? spec.appliedTo : []) if (isRecord(p)) addPeer({ ...p, ipBlock: undefined, ipBlocks: undefined }, acc, { policyNs }, ctx);
  return [...acc.workloads];
}

/**
 * An Antrea policy as admin-layer (or, in the baseline tier, baseline-layer) policies: one, or one per namespace
 * of its subjects when a rule names `namespaces: {match: Self}`. Undefined when Antrea would refuse it (no
 * priority, or a tier that does not exist).
 */
export function compileAntreaPolicy(r: Resource, ctx: AntreaContext): CompiledAdminPolicy[] | undefined {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const tierName = typeof spec.tier === 'string' ? spec.tier.toLowerCase() : 'application';
  const tierPriority = ctx.tiers.get(tierName);
  if (tierPriority === undefined || typeof spec.priority !== 'number') return undefined;
  const baseline = tierName === 'baseline';
  // Tier first, then the policy's priority (1 to 10000): one number, lower first.
  const priority = baseline ? spec.priority : tierPriority * 100_000 + spec.priority;
  const policyNs = r.kind === 'NetworkPolicy' ? r.namespace : undefined;
  const subjects = appliedTo(r, spec, ctx);
  const usesSelf = (['ingress', 'egress'] as const).some((dir) => (Array.isArray(spec[dir]) ? spec[dir] : []).some((rule) => isRecord(rule) && (Array.isArray(rule.to) ? rule.to : Array.isArray(rule.from) ? rule.from : []).some((p) => isRecord(p) && isRecord(p.namespaces))));
  const groups = usesSelf ? [...new Set(subjects.map((w) => w.namespace))].map((ns) => ({ self: ns, subjects: subjects.filter((w) => w.namespace === ns) })) : [{ self: undefined, subjects }];
  return groups.map(({ self, subjects: members }) => {
    const rules = actionRules(r, spec, actionOf, (raw, dir) => ({ peers: rulePeers(raw, dir, { policyNs, self }, ctx), ports: rulePorts(raw) }));
    return { resource: r, tier: baseline ? 'baseline' : 'admin', priority, subjects: new Set(members), rules };
  });
}
