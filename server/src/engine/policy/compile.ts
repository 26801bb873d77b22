/**
 * Every policy family of a model compiled into the rules the reachability evaluates: NetworkPolicy, admin
 * policies, Antrea-native policies, Calico (in its tiers), Cilium, GKE's FQDNNetworkPolicy and OpenShift's
 * egress firewalls, against one workload index; and what cuts the external
 * address space (the CIDRs rules name) and the host names that are destinations.
 */
import type { Model } from '../model/model';
import type { WorkloadIndex, IndexReads } from '../model/index';
import { isRecord } from '../model/resources';
import { perObject } from '../memo';
import { serviceOfHost, type Mesh } from '../mesh/mesh';
import type { CompiledAdminPolicy, CompiledFirewall, CompiledPolicies } from '../reach/compiled';
import { normalizeHost } from '../sets/hosts';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import type { OrderedTier, TierPolicy } from '../reach/tiers';
import { compileAdminPolicy } from './compile-admin';
import { compileNetpol, ipBlockSet } from './compile-netpol';
import { calicoTiers, compileCalicoPolicy, isCalicoPolicy, readNetworkSet, type NetworkSet } from './calico';
import { compileCiliumPolicy, isCiliumPolicy } from './cilium';
import { compileGkeFqdnPolicy, isGkeFqdnPolicy } from './gke';
import { compileEgressFirewall, isEgressFirewall } from './openshift';
import { ANTREA_GROUP, antreaTiers, compileAntreaPolicy, isAntreaPolicy } from './antrea';

/** What was compiled from an object (a policy) with an index, and what it read there. */
const compiled = new WeakMap<object, { value: unknown; reads: IndexReads; settings: string }>();

/**
 * Compile once per policy object: kept while the workloads and namespaces it read from the index are the
 * same (an edit elsewhere changes neither the object nor what it selects).
 */
function compileOnce<V>(key: object, index: WorkloadIndex, compile: () => V, settings = ''): V {
  const hit = compiled.get(key);
  if (hit && hit.settings === settings && index.unchanged(hit.reads)) return hit.value as V;
  const { value, reads } = index.track(compile);
  compiled.set(key, { value, reads, settings });
  return value;
}

/** The IPv4 addresses of an ipBlock peer, once per peer object. */
const v4Block = perObject((p: { cidr: string; except: readonly string[] }) => ipBlockSet(p.cidr, p.except)?.intersect(IpRangeSet.allV4));

export function compilePolicies(model: Model, mesh: Pick<Mesh, 'serviceEntries'>, index: WorkloadIndex, options: { clusterCidrs?: readonly string[] } = {}): CompiledPolicies {
  const clusterCidrs = options.clusterCidrs ?? [];
  const netpols = model.networkPolicies.map((np) => compileOnce(np, index, () => compileNetpol(np, index)));
  const admin = model.adminPolicies.map((r) => compileOnce(r, index, () => compileAdminPolicy(r, index, clusterCidrs), clusterCidrs.join(','))).filter((p): p is CompiledAdminPolicy => p !== undefined);
  const services = model.policySources.filter((r) => r.kind === 'Service' && r.group === '');
  // Antrea-native policies: their tiers before NetworkPolicy (the admin layer), the baseline tier after it.
  const antrea = model.policySources.filter(isAntreaPolicy);
  if (antrea.length > 0) {
    const tiers = antreaTiers(model.policySources);
    const groups = new Map(model.policySources.filter((r) => r.group === ANTREA_GROUP && r.kind === 'ClusterGroup').map((r) => [r.name, r]));
    const settings = `${[...tiers].map(([n, p]) => `${n}=${p}`).join(',')}|${clusterCidrs.join(',')}`;
    for (const r of antrea) admin.push(...(compileOnce(r, index, () => compileAntreaPolicy(r, { index, services, groups, tiers, clusterCidrs }), settings) ?? []));
  }
  // Calico policies in their tiers (staged ones are shown, not enforced); Cilium policies in the default tier.
  const networkSets = model.policySources.map(readNetworkSet).filter((x): x is NetworkSet => x !== undefined);
  const tierDefs = calicoTiers(model.policySources);
  const inTier = new Map<string, TierPolicy[]>();
  const place = (tier: string, p: TierPolicy) => {
    if (!tierDefs.has(tier)) tierDefs.set(tier, { name: tier, order: Number.POSITIVE_INFINITY, defaultAction: 'deny' });
    let l = inTier.get(tier);
    if (!l) inTier.set(tier, (l = []));
    l.push(p);
  };
  const staged: TierPolicy[] = [];
  const firewalls: CompiledFirewall[] = [];
  for (const r of model.policySources) {
    if (isEgressFirewall(r)) {
      firewalls.push(compileOnce(r, index, () => compileEgressFirewall(r, index)));
      continue;
    }
    if (isCalicoPolicy(r)) {
      const c = compileCalicoPolicy(r, { index: index, networkSets, services });
      if (c.staged) staged.push(c.policy);
      else place(c.tier, c.policy);
    } else if (isCiliumPolicy(r)) for (const p of compileCiliumPolicy(r, { index: index, services })) place('default', p);
    else if (isGkeFqdnPolicy(r)) place('default', compileGkeFqdnPolicy(r, index));
  }
  const tiers: OrderedTier[] = [...tierDefs.values()].map((t) => ({ ...t, policies: inTier.get(t.name) ?? [] }));
  const dstSets: IpRangeSet[] = [];
  const srcSets: IpRangeSet[] = [];
  // Every CIDR counts, whether or not its policy selects anything or its direction is in effect.
  for (const np of model.networkPolicies) {
    for (const [dir, sink] of [['egress', dstSets], ['ingress', srcSets]] as const) {
      for (const rule of np.rules[dir]) {
        for (const p of rule.peers ?? []) {
          if (p.kind !== 'ipBlock') continue;
          const set = v4Block(p);
          if (set && !set.isEmpty) sink.push(set);
        }
      }
    }
  }
  for (const r of model.adminPolicies) {
    const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
    for (const rule of Array.isArray(spec.egress) ? spec.egress : []) {
      if (!isRecord(rule) || !Array.isArray(rule.to)) continue;
      for (const peer of rule.to) {
        if (!isRecord(peer) || !Array.isArray(peer.networks)) continue;
        for (const n of peer.networks) {
          const c = parseCidr(String(n));
          if (c?.family === 4) dstSets.push(c.set);
        }
      }
    }
  }
  const hosts = new Set<string>();
  for (const t of tiers) {
    for (const p of t.policies) {
      for (const dir of ['egress', 'ingress'] as const) {
        for (const r of p.rules[dir]) {
          const v = r.peers.ips.intersect(IpRangeSet.allV4);
          if (!r.peers.any && !v.isEmpty) (dir === 'egress' ? dstSets : srcSets).push(v);
          if (dir === 'egress') for (const h of r.peers.hosts ?? []) if (h !== '*') hosts.add(h);
        }
      }
    }
  }
  for (const c of admin) for (const r of c.rules.egress) for (const h of r.peers.hosts ?? []) if (h !== '*') hosts.add(h);
  // Antrea ipBlocks cut the external address space as every other family's CIDRs do.
  for (const c of admin) {
    if (!isAntreaPolicy(c.resource)) continue;
    for (const [dir, sink] of [['egress', dstSets], ['ingress', srcSets]] as const) {
      for (const r of c.rules[dir]) {
        const v = r.peers.ips.intersect(IpRangeSet.allV4);
        if (!r.peers.any && !v.isEmpty) sink.push(v);
      }
    }
  }
  for (const f of firewalls) {
    for (const r of f.rules) {
      const v = r.peers.ips.intersect(IpRangeSet.allV4);
      if (!v.isEmpty) dstSets.push(v);
      for (const h of r.peers.hosts ?? []) if (h !== '*') hosts.add(h);
    }
  }
  // Hosts the mesh registers as external are destinations too: one destination per name, whoever names it.
  for (const se of mesh.serviceEntries) {
    if (se.location !== 'MESH_EXTERNAL') continue;
    for (const h of se.hosts) if (h.value !== '*' && !serviceOfHost(h.value) && h.value.includes('.')) hosts.add(normalizeHost(h.value));
  }
  return { netpols, admin, tiers, firewalls, staged, destinationCuts: dstSets, sourceCuts: srcSets, hosts: [...hosts] };
}
