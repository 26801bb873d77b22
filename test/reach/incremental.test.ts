// The incremental engine must give exactly what a from-scratch analysis gives, after every edit of a
// randomized sequence: policies added, removed and changed, labels and ports changed, YAML broken and fixed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, formatConnlist, unrestrictedEgress, Workspace, type Connection, type Reachability, type SourceFile } from '../../server/src/engine';
import { int, rng } from '../support/random';

const TIERS = ['web', 'api', 'db'];

function deployment(ns: string, name: string, tier: string, port: number, portName: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}, tier: ${tier}}}\n    spec: {containers: [{name: c, image: i, ports: [{name: ${portName}, containerPort: ${port}}]}]}\n`;
}

function policy(r: () => number, ns: string, name: string): string {
  const kind = int(r, 0, 4);
  const sel = int(r, 0, 1) ? '{}' : `{matchLabels: {tier: ${TIERS[int(r, 0, 2)]}}}`;
  if (kind === 0) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {podSelector: ${sel}, policyTypes: [Ingress, Egress]}\n`;
  if (kind === 1) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  egress: [{to: [{podSelector: {matchLabels: {tier: ${TIERS[int(r, 0, 2)]}}}}], ports: [{port: ${int(r, 0, 1) ? 'http' : int(r, 1, 9000)}}]}]\n`;
  if (kind === 2) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: ${int(r, 0, 1) ? 'grpc' : 53}, protocol: UDP}]}, {to: [{ipBlock: {cidr: 10.${int(r, 0, 3)}.0.0/16}}]}]\n`;
  if (kind === 3) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: t${int(r, 0, 2)}}}}]}]\n`;
  return `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${ns}-${name}}\nspec:\n  priority: ${int(r, 0, 1000)}\n  subject: {namespaces: {matchLabels: {team: t${int(r, 0, 2)}}}}\n  egress: [{action: ${['Allow', 'Deny', 'Pass'][int(r, 0, 2)]}, to: [{namespaces: {}}], ports: [{portNumber: {port: ${int(r, 1, 100)}, protocol: TCP}}]}]\n`;
}

/** A workspace of three namespace files; each file is a list of documents we edit one at a time. */
function initial(r: () => number): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const ns of ['a', 'b', 'c']) {
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: t${int(r, 0, 2)}}}\n`];
    for (let i = 0; i < 3; i++) docs.push(deployment(ns, `d${i}`, TIERS[int(r, 0, 2)], 8000 + i, int(r, 0, 1) ? 'http' : 'grpc'));
    for (let i = 0; i < 2; i++) docs.push(policy(r, ns, `p${i}`));
    files.set(`file:///ws/${ns}.yaml`, docs);
  }
  return files;
}

function edit(r: () => number, files: Map<string, string[]>, step: number): void {
  const uri = [...files.keys()][int(r, 0, files.size - 1)];
  const docs = files.get(uri)!;
  const ns = uri.slice(-6, -5);
  switch (int(r, 0, 6)) {
    case 0: // add a policy
      docs.push(policy(r, ns, `p${step}`));
      break;
    case 1: {
      // remove a policy
      const i = docs.findIndex((d, k) => k > 0 && /Policy/.test(d));
      if (i > 0) docs.splice(i, 1);
      break;
    }
    case 2: {
      // change a policy in place
      const i = docs.findIndex((d) => /Policy/.test(d));
      if (i > 0) docs[i] = policy(r, ns, /name: ([\w-]+)/.exec(docs[i])![1]);
      break;
    }
    case 3: {
      // relabel a workload, or change its port
      const i = int(r, 1, 3);
      if (docs[i]?.includes('Deployment')) docs[i] = deployment(ns, `d${i - 1}`, TIERS[int(r, 0, 2)], 8000 + int(r, 0, 5), int(r, 0, 1) ? 'http' : 'grpc');
      break;
    }
    case 4: // relabel the namespace
      docs[0] = `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: t${int(r, 0, 2)}}}\n`;
      break;
    case 5: {
      // break a document's YAML
      const i = int(r, 0, docs.length - 1);
      docs[i] = docs[i].replace('}', '');
      break;
    }
    default: {
      // an edit that changes nothing the analysis sees (a comment)
      docs[0] = `# step ${step}\n${docs[0].replace(/^# step \d+\n/, '')}`;
    }
  }
}

test('incremental analysis equals from-scratch analysis after each of 500 random edits', () => {
  const r = rng(2024);
  const files = initial(r);
  const ws = new Workspace();
  const sources = (): SourceFile[] => [...files].map(([uri, docs]) => ({ uri, text: docs.join('---\n') }));
  for (const s of sources()) ws.set(s);
  let previous: { reach: Reachability; connections: Connection[] } | undefined;
  for (let step = 0; step < 500; step++) {
    edit(r, files, step);
    for (const s of sources()) ws.set(s);
    const inc = ws.analyze();
    const fresh = analyze(sources());
    const list = (a: typeof inc) => formatConnlist(a.reach.connections(), 'txt');
    assert.equal(list(inc), list(fresh), `connectivity differs after step ${step}`);
    // The list of the previous analysis, reused where the tables were: the same list.
    if (previous) assert.equal(formatConnlist(inc.reach.connections(previous), 'txt'), list(fresh), `reused connectivity differs after step ${step}`);
    previous = { reach: inc.reach, connections: inc.reach.connections() };
    const findings = (a: typeof inc) => a.findings.map((f) => `${f.uri}:${f.span.start}-${f.span.end} ${f.ruleId} ${f.message}`);
    assert.deepEqual(findings(inc), findings(fresh), `findings differ after step ${step}`);
  }
});

test('unrestricted-egress verdicts carry over to the next analysis while every destination they weigh is the same', () => {
  const allowAll = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: a}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}\n`;
  const narrow = (port: number) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: narrow, namespace: b}\nspec:\n  podSelector: {}\n  egress: [{to: [{podSelector: {}}], ports: [{port: ${port}}]}]\n`;
  const files = (port: number, extra = ''): SourceFile[] => [
    { uri: 'file:///ws/a.yaml', text: [deployment('a', 'd0', 'web', 8000, 'http'), allowAll].join('---\n') },
    { uri: 'file:///ws/b.yaml', text: [deployment('b', 'd0', 'api', 8000, 'http'), narrow(port)].join('---\n') + extra },
  ];
  const ws = new Workspace();
  for (const f of files(80)) ws.set(f);
  const a1 = ws.analyze();
  const w1 = a1.reach.workloads.find((w) => w.id === 'a/d0[Deployment]')!;
  const v1 = unrestrictedEgress(a1.reach, w1);
  assert.equal(v1?.cause, 'allows-all');
  // Another namespace's policy changes its port: the pods, addresses and hosts are the same, the verdict is kept.
  for (const f of files(81)) ws.set(f);
  const a2 = ws.analyze();
  const v2 = unrestrictedEgress(a2.reach, a2.reach.workloads.find((w) => w.id === 'a/d0[Deployment]')!);
  assert.equal(v2, v1, 'the same verdict object, not decided again');
  // A new pod is a new destination: decided again, and as a fresh analysis decides it.
  const more = files(81, `---\n${deployment('b', 'd1', 'db', 9000, 'grpc')}`);
  for (const f of more) ws.set(f);
  const a3 = ws.analyze();
  const v3 = unrestrictedEgress(a3.reach, a3.reach.workloads.find((w) => w.id === 'a/d0[Deployment]')!);
  assert.notEqual(v3, v1);
  const fresh = analyze(more);
  assert.deepEqual(v3, unrestrictedEgress(fresh.reach, fresh.reach.workloads.find((w) => w.id === 'a/d0[Deployment]')!));
});
