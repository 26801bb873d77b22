// The per-workload tables behind connections() must agree with evaluating every pair directly,
// on randomized workspaces (NetworkPolicy with named ports and ipBlocks, admin and baseline tiers).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, type Peer } from '../../server/src/engine';
import { int, rng } from '../support/random';

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[int(r, 0, xs.length - 1)];
}

const LABELS = ['a', 'b', 'c'];
const NAMES = ['http', 'dns', 'grpc'];
const CIDRS = ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/24', '0.0.0.0/0', '172.16.0.0/12'];

function selector(r: () => number): string {
  const k = int(r, 0, 3);
  if (k === 0) return '{}';
  if (k === 1) return `{matchLabels: {app: ${pick(r, LABELS)}}}`;
  if (k === 2) return `{matchExpressions: [{key: app, operator: ${pick(r, ['In', 'NotIn'])}, values: [${pick(r, LABELS)}]}]}`;
  return `{matchExpressions: [{key: tier, operator: ${pick(r, ['Exists', 'DoesNotExist'])}}]}`;
}

function ports(r: () => number): string {
  const n = int(r, 0, 2);
  if (n === 0) return '';
  const list = Array.from({ length: n }, () => {
    const proto = pick(r, ['TCP', 'UDP', 'SCTP']);
    const k = int(r, 0, 2);
    if (k === 0) return `{protocol: ${proto}, port: ${pick(r, NAMES)}}`;
    if (k === 1) return `{protocol: ${proto}, port: ${int(r, 1, 100)}, endPort: ${int(r, 100, 200)}}`;
    return `{protocol: ${proto}, port: ${int(r, 1, 100)}}`;
  });
  return `, ports: [${list.join(', ')}]`;
}

function peers(r: () => number, dir: 'to' | 'from'): string {
  if (int(r, 0, 4) === 0) return '';
  const list = Array.from({ length: int(r, 1, 2) }, () => {
    const k = int(r, 0, 3);
    if (k === 0) return `{podSelector: ${selector(r)}}`;
    if (k === 1) return `{namespaceSelector: {matchLabels: {team: ${pick(r, LABELS)}}}}`;
    if (k === 2) return `{namespaceSelector: {}, podSelector: ${selector(r)}}`;
    return `{ipBlock: {cidr: ${pick(r, CIDRS)}${int(r, 0, 1) ? ', except: [10.1.2.0/24]' : ''}}}`;
  });
  return `${dir}: [${list.join(', ')}]`;
}

function workspace(seed: number): string {
  const r = rng(seed);
  const docs: string[] = [];
  for (const ns of ['x', 'y']) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: ${pick(r, LABELS)}}}`);
  for (let i = 0; i < 5; i++) {
    const ns = pick(r, ['x', 'y']);
    const tier = int(r, 0, 1) ? ', tier: t' : '';
    const cports = NAMES.filter(() => int(r, 0, 1)).map((n) => `{name: ${n}, containerPort: ${int(r, 1, 150)}, protocol: ${pick(r, ['TCP', 'UDP', 'SCTP'])}}`);
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ${ns}, labels: {app: ${pick(r, LABELS)}${tier}}}\nspec: {containers: [{name: c, image: i, ports: [${cports.join(', ')}]}]}`);
  }
  for (let i = 0; i < int(r, 1, 4); i++) {
    const types = pick(r, ['[Egress]', '[Ingress]', '[Ingress, Egress]', '']);
    const rules = (dir: 'egress' | 'ingress') =>
      Array.from({ length: int(r, 0, 2) }, () => `{${[peers(r, dir === 'egress' ? 'to' : 'from'), ports(r).slice(2)].filter(Boolean).join(', ')}}`);
    docs.push(
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np${i}, namespace: ${pick(r, ['x', 'y'])}}\nspec:\n  podSelector: ${selector(r)}\n${types ? `  policyTypes: ${types}\n` : ''}  egress: [${rules('egress').join(', ')}]\n  ingress: [${rules('ingress').join(', ')}]`,
    );
  }
  if (int(r, 0, 1)) {
    const action = () => pick(r, ['Allow', 'Deny', 'Pass']);
    docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: anp}\nspec:\n  priority: 3\n  subject: {namespaces: {matchLabels: {team: ${pick(r, LABELS)}}}}\n  egress:\n  - {action: ${action()}, to: [{networks: [${pick(r, CIDRS)}]}]}\n  - {action: ${action()}, to: [{pods: {namespaceSelector: {}, podSelector: ${selector(r)}}}], ports: [{namedPort: ${pick(r, NAMES)}}, {portRange: {protocol: TCP, start: 1, end: 80}}]}\n  ingress:\n  - {action: ${action()}, from: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP, port: ${int(r, 1, 100)}}}]}`);
  }
  if (int(r, 0, 2) === 0) {
    const act = () => pick(r, ['Allow', 'Deny', 'Pass', 'Log']);
    docs.push(`apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: ${int(r, 1, 2000000)}${int(r, 0, 1) ? ', defaultAction: Pass' : ''}}`);
    docs.push(
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: sec.g}\nspec:\n  tier: sec\n  order: ${int(r, 1, 100)}\n  selector: app == '${pick(r, LABELS)}' || has(tier)\n  types: [Egress${int(r, 0, 1) ? ', Ingress' : ''}]\n  egress:\n  - {action: ${act()}, protocol: TCP, destination: {ports: [${int(r, 1, 100)}, "${int(r, 100, 120)}:${int(r, 120, 150)}"]}}\n  - {action: ${act()}, destination: {selector: "app in {'${pick(r, LABELS)}'}"}}\n  - {action: ${act()}, destination: {nets: [${pick(r, CIDRS)}]}}\n  - {action: ${act()}, protocol: UDP, destination: {ports: [${pick(r, NAMES)}]}}\n  ingress:\n  - {action: ${act()}, source: {namespaceSelector: "team == '${pick(r, LABELS)}'"}}`,
    );
    docs.push(`apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: ${pick(r, ['x', 'y'])}}\nspec:\n  order: ${int(r, 500, 1500)}\n  selector: all()\n  egress:\n  - {action: ${act()}, protocol: ${pick(r, ['TCP', 'ICMP', 'UDP'])}, destination: {notNets: [10.0.0.0/8]}}`);
  }
  if (int(r, 0, 2) === 0) {
    docs.push(
      `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: cnp, namespace: ${pick(r, ['x', 'y'])}}\nspec:\n  endpointSelector: ${selector(r)}\n${int(r, 0, 1) ? '  enableDefaultDeny: {egress: false}\n' : ''}  egress:\n  - toEndpoints: [${selector(r)}]\n    toPorts: [{ports: [{port: "${pick(r, ['0', '53', String(int(r, 1, 100)), pick(r, NAMES)])}", protocol: ${pick(r, ['ANY', 'TCP', 'UDP'])}}]}]\n  - toFQDNs: [{matchName: api.example.com}, {matchPattern: "*.svc.example.com"}]\n  - toEntities: [${pick(r, ['world', 'cluster', 'host'])}]\n    toPorts: [{ports: [{port: "443", protocol: TCP}]}]\n  egressDeny:\n  - toCIDRSet: [{cidr: ${pick(r, CIDRS)}, except: [10.1.2.0/24]}]`,
    );
  }
  if (int(r, 0, 1)) {
    docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  egress:\n  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}\n  - {action: ${pick(r, ['Allow', 'Deny'])}, to: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: ${int(r, 1, 100)}}}]}`);
  }
  return docs.join('\n---\n') + '\n';
}

let hostsSeen = 0;

test('connections() equals pairwise evaluation on 300 random workspaces (NetworkPolicy, ANP/BANP, Calico tiers, Cilium)', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const text = workspace(seed);
    const a = analyze([{ uri: 'file:///w.yaml', text }]);
    assert.deepEqual(a.findings.filter((f) => f.ruleId === 'EL001').map((f) => f.message), [], `seed ${seed}: generated YAML parses`);
    const r = a.reach;
    const fast = r.connections().map((c) => `${name(c.src)} => ${name(c.dst)} : ${c.conns}`);
    const slow: string[] = [];
    const wl: Peer[] = r.workloads.map((w) => ({ kind: 'workload', workload: w }));
    for (const src of [...r.externalSources, ...wl]) {
      for (const dst of [...wl, ...r.externalDestinations, ...(src.kind === 'workload' ? r.externalHosts : [])]) {
        if (src.kind !== 'workload' && dst.kind !== 'workload') continue;
        if (src.kind === 'workload' && dst.kind === 'workload' && src.workload === dst.workload) continue;
        const allowed = r.between(src, dst).allowed;
        if (!allowed.isEmpty) slow.push(`${name(src)} => ${name(dst)} : ${allowed}`);
      }
    }
    slow.sort((x, y) => (x.split(' : ')[0] < y.split(' : ')[0] ? -1 : 1));
    if (text.includes('CiliumNetworkPolicy')) hostsSeen += r.externalHosts.length;
    assert.deepEqual(fast, slow, `seed ${seed}:\n${text}`);
  }
  assert.ok(hostsSeen > 0, 'host destinations were exercised');
});

function name(p: Peer): string {
  return p.kind === 'workload' ? p.workload.id : p.name;
}
