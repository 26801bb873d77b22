import type { WorkloadIndex } from '../model/index';
import { isRecord, type Resource } from '../model/resources';
import { readSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import { ConnectionSet, isProtocol, type Protocol } from './connections';
import { IpRangeSet, parseCidr } from './iprange';
import { PortMatcher, type PortSpec } from './ports';
import { PortSet } from './portset';
import type { Action, CompiledRule, Direction, PeerMatch } from './rules';

/**
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2)
 * share one model: a tier, a priority, subjects, and ordered rules with Allow/Deny/Pass.
 */
export type Tier = 'admin' | 'baseline';

export interface CompiledAdminPolicy {
  resource: Resource;
  tier: Tier;
  priority: number;
  subjects: ReadonlySet<Workload>;
  rules: Record<Direction, CompiledRule[]>;
}


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

function peerMatch(list: unknown, index: WorkloadIndex): PeerMatch {
  const workloads = new Set<Workload>();
  let ips = IpRangeSet.empty;
  const hosts: string[] = [];
  if (Array.isArray(list)) {
    for (const p of list) {
      if (!isRecord(p)) continue;
      if ('namespaces' in p || isRecord(p.pods)) for (const w of subjectWorkloads(p, index)) workloads.add(w);
      if (Array.isArray(p.networks)) {
        for (const n of p.networks) {
          const c = parseCidr(String(n));
          if (c) ips = ips.union(c.set);
        }
      }
      // `domainNames` (egress): host names, destinations of their own. `nodes` name nothing the model holds.
      if (Array.isArray(p.domainNames)) for (const d of p.domainNames) if (typeof d === 'string' && d.trim()) hosts.push(d.trim().toLowerCase());
    }
  }
  return hosts.length > 0 ? { any: false, workloads, ips, hosts } : { any: false, workloads, ips };
}

function portSpecs(rule: Record<string, unknown>): PortSpec[] | undefined {
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

export function compileAdminPolicy(r: Resource, index: WorkloadIndex): CompiledAdminPolicy | undefined {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  let tier: Tier;
  if (r.kind === 'AdminNetworkPolicy') tier = 'admin';
  else if (r.kind === 'BaselineAdminNetworkPolicy') tier = 'baseline';
  else tier = spec.tier === 'Baseline' ? 'baseline' : 'admin';
  const priority = typeof spec.priority === 'number' ? spec.priority : r.kind === 'BaselineAdminNetworkPolicy' ? 0 : NaN;
  if (Number.isNaN(priority)) return undefined;
  const subjects = new Set(subjectWorkloads(spec.subject, index));
  const rules = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    if (!Array.isArray(list)) continue;
    list.forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const action = actionOf(raw.action);
      if (!action) return;
      const specs = portSpecs(raw);
      rules[dir].push({
        origin: { policy: r, direction: dir, ruleIndex: i, path: ['spec', dir, i], name: typeof raw.name === 'string' ? raw.name : undefined },
        action,
        peers: peerMatch(raw[dir === 'egress' ? 'to' : 'from'], index),
        ports: specs === undefined ? PortMatcher.all : new PortMatcher(specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs),
      });
    });
  }
  return { resource: r, tier, priority, subjects, rules };
}
