import type { WorkloadIndex } from '../model/index';
import type { Workload } from '../model/workloads';
import type { NetpolPeer, NetpolRule, NetworkPolicy } from '../model/networkpolicy';
import { ConnectionSet } from '../sets/connections';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { netpolPortSpec, PortMatcher, type PortSpec } from '../reach/ports';
import { ANY_PEER, type CompiledRule, type PeerMatch } from '../reach/rules';
import { NETWORK_POLICY_ORDER, type TierPolicy } from '../reach/tiers';
import type { CompiledNetpol } from '../reach/compiled';

export type { CompiledNetpol };

/** Addresses of an ipBlock: cidr minus except (undefined when the CIDR does not parse). */
export function ipBlockSet(cidr: string, except: readonly string[]): IpRangeSet | undefined {
  const c = parseCidr(cidr);
  if (!c) return undefined;
  let set = c.set;
  for (const e of except) {
    const x = parseCidr(e);
    if (x) set = set.subtract(x.set);
  }
  return set;
}

function peerWorkloads(p: Extract<NetpolPeer, { kind: 'selector' }>, np: NetworkPolicy, index: WorkloadIndex): Workload[] {
  const pods = p.podSelector;
  if (!p.namespaceSelector) return pods ? index.select(np.namespace, pods) : [];
  const out: Workload[] = [];
  for (const ns of index.selectNamespaces(p.namespaceSelector)) {
    out.push(...(pods ? index.select(ns.name, pods) : index.inNamespace(ns.name)));
  }
  return out;
}

function compilePeers(rule: NetpolRule, np: NetworkPolicy, index: WorkloadIndex): PeerMatch {
  if (!rule.peers) return ANY_PEER;
  const workloads = new Set<Workload>();
  let ips = IpRangeSet.empty;
  for (const p of rule.peers) {
    if (p.kind === 'selector') for (const w of peerWorkloads(p, np, index)) workloads.add(w);
    else if (p.kind === 'ipBlock') {
      const set = ipBlockSet(p.cidr, p.except);
      if (set) ips = ips.union(set);
    }
  }
  return { any: false, workloads, ips };
}

function compilePorts(rule: NetpolRule): PortMatcher {
  if (!rule.ports) return PortMatcher.all;
  const specs: PortSpec[] = [];
  for (const p of rule.ports) {
    const s = netpolPortSpec(p.protocol, p.port, p.endPort);
    if (s) specs.push(s);
  }
  // Every entry invalid: the rule allows nothing (the API server would reject it).
  return new PortMatcher(specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs);
}

export function compileNetpol(np: NetworkPolicy, index: WorkloadIndex): CompiledNetpol {
  const subjects = index.select(np.namespace, np.podSelector);
  const rules = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
  for (const dir of ['ingress', 'egress'] as const) {
    if (!np.affects[dir]) continue;
    for (const r of np.rules[dir]) {
      rules[dir].push({
        origin: { policy: np.resource, direction: dir, ruleIndex: r.index, path: ['spec', dir, r.index] },
        action: 'allow',
        peers: compilePeers(r, np, index),
        ports: compilePorts(r),
      });
    }
  }
  const tierPolicy: TierPolicy = {
    resource: np.resource,
    order: NETWORK_POLICY_ORDER,
    name: `${np.namespace}/${np.name}`,
    subjects: new Set(subjects),
    rules,
    isolates: { ...np.affects },
    family: 'netpol',
  };
  return { policy: np, subjects, rules, tierPolicy };
}
