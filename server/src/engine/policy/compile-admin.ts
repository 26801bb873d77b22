import type { WorkloadIndex } from '../model/index';
import { isRecord, type Resource } from '../model/resources';
import { readSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import { ConnectionSet, isProtocol, type Protocol } from '../sets/connections';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { PortMatcher, type PortSpec } from '../reach/ports';
import { PortSet } from '../sets/portset';
import type { Action, CompiledRule, Direction, PeerMatch } from '../reach/rules';
import type { CompiledAdminPolicy, Tier } from '../reach/compiled';

export type { CompiledAdminPolicy, Tier };

/**
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2)
 * share one model: a tier, a priority, subjects, and ordered rules with Allow/Deny/Pass.
 */
/**
 * A namespace selector of an admin policy: a LabelSelector, or, in the first v1alpha1 releases,
 * `{namespaceSelector: …}` (with sameLabels / notSameLabels, which are not modelled).
 */
export function namespaceSelectorOf(raw: unknown) {
  return isRecord(raw) && isRecord(raw.namespaceSelector) && raw.matchLabels === undefined && raw.matchExpressions === undefined ? readSelector(raw.namespaceSelector) : readSelector(raw);
}

function subjectWorkloads(raw: unknown, index: WorkloadIndex): Workload[] {
  if (!isRecord(raw)) return [];
  if ('namespaces' in raw) {
    return index.selectNamespaces(namespaceSelectorOf(raw.namespaces)).flatMap((ns) => [...index.inNamespace(ns.name)]);
  }
  if (isRecord(raw.pods)) {
    const nsSel = raw.pods.namespaces !== undefined ? namespaceSelectorOf(raw.pods.namespaces) : readSelector(raw.pods.namespaceSelector);
    const podSel = readSelector(raw.pods.podSelector);
    return index.selectNamespaces(nsSel).flatMap((ns) => index.select(ns.name, podSel));
  }
  return [];
}

function actionOf(raw: unknown): Action | undefined {
  switch (raw) {
    case 'Allow':
    case 'Accept':
      return 'allow';
    case 'Deny':
      return 'deny';
    case 'Pass':
      return 'pass';
    default:
      return undefined;
  }
}

/** Private ranges where pods usually live: what a CIDR may cover of them when `clusterCidrs` is not configured. */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].reduce((set, c) => set.union(parseCidr(c)!.set), IpRangeSet.empty);

/**
 * What a `networks` CIDR means for pods. The API: a CIDR peer covers pod IPs too ("Accept or Deny to
 * 0.0.0.0/0 allows or denies all IPv4 pod-to-pod traffic"). Pods have no address in manifests, so a CIDR
 * covers every pod when it contains every configured cluster CIDR (or, unconfigured, is all of IPv4 or
 * IPv6); which pods a narrower one covers depends on IP allocation when it overlaps the cluster CIDRs
 * (unconfigured: a private range): undecidable. Otherwise it covers no pod.
 */
export function networkCoversPods(cidr: IpRangeSet, clusterCidrs: readonly string[]): 'all' | 'undecidable' | 'none' {
  const cluster = clusterCidrs.map((c) => parseCidr(c)?.set).filter((s): s is IpRangeSet => s !== undefined);
  if (cluster.length > 0) {
    if (cluster.every((c) => cidr.contains(c))) return 'all';
    return cluster.some((c) => cidr.overlaps(c)) ? 'undecidable' : 'none';
  }
  if (cidr.contains(IpRangeSet.allV4) || cidr.contains(IpRangeSet.allV6)) return 'all';
  return cidr.overlaps(PRIVATE) ? 'undecidable' : 'none';
}

function peerMatch(list: unknown, index: WorkloadIndex, clusterCidrs: readonly string[]): PeerMatch {
  const workloads = new Set<Workload>();
  let ips = IpRangeSet.empty;
  const hosts: string[] = [];
  const unmodelled: string[] = [];
  if (Array.isArray(list)) {
    for (const p of list) {
      if (!isRecord(p)) continue;
      if ('namespaces' in p || isRecord(p.pods)) for (const w of subjectWorkloads(p, index)) workloads.add(w);
      if (Array.isArray(p.networks)) {
        for (const n of p.networks) {
          const c = parseCidr(String(n));
          if (!c) continue;
          ips = ips.union(c.set);
          const pods = networkCoversPods(c.set, clusterCidrs);
          if (pods === 'all') for (const w of subjectWorkloads({ namespaces: {} }, index)) workloads.add(w);
          else if (pods === 'undecidable') unmodelled.push(`networks ${String(n)} overlaps the pod addresses${clusterCidrs.length > 0 ? ` (clusterCidrs ${clusterCidrs.join(', ')})` : ' (clusterCidrs is not configured)'} without containing them: which pods it covers depends on IP allocation, so it is taken to match none`);
        }
      }
      // `nodes`: node addresses and host-network pods, which the model does not hold.
      if ('nodes' in p) unmodelled.push('nodes: node addresses and host-network pods are not modelled, so it is taken to match none');
      // `domainNames` (egress): host names, destinations of their own.
      if (Array.isArray(p.domainNames)) for (const d of p.domainNames) if (typeof d === 'string' && d.trim()) hosts.push(d.trim().toLowerCase());
    }
  }
  return { any: false, workloads, ips, ...(hosts.length > 0 ? { hosts } : {}), ...(unmodelled.length > 0 ? { unmodelled } : {}) };
}

export function adminPortSpecs(rule: Record<string, unknown>): PortSpec[] | undefined {
  const specs: PortSpec[] = [];
  if (Array.isArray(rule.ports)) {
    // v1alpha1: portNumber / portRange / namedPort
    for (const p of rule.ports) {
      if (!isRecord(p)) continue;
      if (isRecord(p.portNumber)) {
        const proto = String(p.portNumber.protocol ?? 'TCP').toUpperCase();
        const port = Number(p.portNumber.port);
        if (isProtocol(proto) && Number.isInteger(port)) specs.push({ kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.port(port)) });
      } else if (isRecord(p.portRange)) {
        const proto = String(p.portRange.protocol ?? 'TCP').toUpperCase();
        const start = Number(p.portRange.start);
        const end = Number(p.portRange.end);
        if (isProtocol(proto) && Number.isInteger(start) && Number.isInteger(end)) specs.push({ kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.range(start, end)) });
      } else if (typeof p.namedPort === 'string') specs.push({ kind: 'named', name: p.namedPort });
    }
    return specs;
  }
  if (Array.isArray(rule.protocols)) {
    // v1alpha2: tcp/udp/sctp destinationPort number|range, destinationNamedPort
    for (const p of rule.protocols) {
      if (!isRecord(p)) continue;
      for (const key of ['tcp', 'udp', 'sctp'] as const) {
        const v = p[key];
        if (!isRecord(v)) continue;
        const proto = key.toUpperCase() as Protocol;
        const dp = isRecord(v.destinationPort) ? v.destinationPort : undefined;
        if (!dp) specs.push({ kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.all) });
        else if (typeof dp.number === 'number') specs.push({ kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.port(dp.number)) });
        else if (isRecord(dp.range)) specs.push({ kind: 'numbers', conns: ConnectionSet.of(proto, PortSet.range(Number(dp.range.start), Number(dp.range.end))) });
      }
      if (typeof p.destinationNamedPort === 'string') specs.push({ kind: 'named', name: p.destinationNamedPort });
    }
    return specs;
  }
  return undefined;
}

export function compileAdminPolicy(r: Resource, index: WorkloadIndex, clusterCidrs: readonly string[] = []): CompiledAdminPolicy | undefined {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  let tier: Tier;
  if (r.kind === 'AdminNetworkPolicy') tier = 'admin';
  else if (r.kind === 'BaselineAdminNetworkPolicy') tier = 'baseline';
  else tier = spec.tier === 'Baseline' ? 'baseline' : 'admin';
  const priority = typeof spec.priority === 'number' ? spec.priority : r.kind === 'BaselineAdminNetworkPolicy' ? 0 : NaN;
  if (Number.isNaN(priority)) return undefined;
  const subjects = new Set(subjectWorkloads(spec.subject, index));
  const rules = actionRules(r, spec, actionOf, (raw, dir) => {
    const specs = adminPortSpecs(raw);
    return {
      peers: peerMatch(raw[dir === 'egress' ? 'to' : 'from'], index, clusterCidrs),
      ports: specs === undefined ? PortMatcher.all : new PortMatcher(specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs),
    };
  });
  return { resource: r, tier, priority, subjects, rules };
}

/**
 * The rules of a policy whose `spec.ingress` / `spec.egress` entries each carry an `action` (admin policies,
 * Antrea's): in order, with their names; entries without a known action are left out (the API refuses them).
 */
export function actionRules(
  r: Resource,
  spec: Record<string, unknown>,
  actionOf: (raw: unknown) => Action | undefined,
  compile: (raw: Record<string, unknown>, dir: Direction) => Pick<CompiledRule, 'peers' | 'ports'>,
): Record<Direction, CompiledRule[]> {
  const rules = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    if (!Array.isArray(list)) continue;
    list.forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const action = actionOf(raw.action);
      if (!action) return;
      rules[dir].push({ origin: { policy: r, direction: dir, ruleIndex: i, path: ['spec', dir, i], name: typeof raw.name === 'string' ? raw.name : undefined }, action, ...compile(raw, dir) });
    });
  }
  return rules;
}
