// The incremental engine must give exactly what a from-scratch analysis gives, after every edit of a
// randomized sequence: policies added, removed and changed, labels and ports changed, YAML broken and fixed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, formatConnlist, unrestrictedEgress, Workspace, type Connection, type Reachability, type SourceFile } from '../../server/src/engine';
import { rng } from '../support/random';
import { deployment, initialWorkspace, randomEdit, sourcesOf } from '../support/random-workspace';

test('incremental analysis equals from-scratch analysis after each of 500 random edits', () => {
  const r = rng(2024);
  const files = initialWorkspace(r);
  const ws = new Workspace();
  const sources = (): SourceFile[] => sourcesOf(files);
  for (const s of sources()) ws.set(s);
  let previous: { reach: Reachability; connections: Connection[] } | undefined;
  for (let step = 0; step < 500; step++) {
    randomEdit(r, files, step);
    for (const s of sources()) ws.set(s);
    const inc = ws.analyze();
    const fresh = analyze(sources());
    const list = (a: typeof inc) => formatConnlist(a.reach.connections(), 'txt');
    assert.equal(list(inc), list(fresh), `connectivity differs after step ${step}`);
    // The list of the previous analysis, reused where the tables were: the same list.
    if (previous) assert.equal(formatConnlist(inc.reach.connections(previous), 'txt'), list(fresh), `reused connectivity differs after step ${step}`);
    previous = { reach: inc.reach, connections: inc.reach.connections() };
    // Everything a finding says, where it points and what it relates to: kept findings must have moved with their text.
    const findings = (a: typeof inc) => a.findings.map((f) => JSON.stringify([f.uri, f.span, f.ruleId, f.severity, f.message, f.related ?? null, f.data ?? null]));
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

test('unrestricted-egress verdicts that an address or the absence of any policy decided are kept when pods come and go, and agree with a fresh analysis', () => {
  // b/d0's egress reaches one private block only: restricted by the internet, whatever the pods.
  const podsOnly = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: private, namespace: b}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n`;
  const files = (extra = ''): SourceFile[] => [
    { uri: 'file:///ws/a.yaml', text: deployment('a', 'd0', 'web', 8000, 'http') + extra },
    { uri: 'file:///ws/b.yaml', text: [deployment('b', 'd0', 'api', 8000, 'http'), podsOnly].join('---\n') },
  ];
  const ws = new Workspace();
  for (const f of files()) ws.set(f);
  const a1 = ws.analyze();
  const b0 = (a: ReturnType<Workspace['analyze']>) => a.reach.workloads.find((w) => w.id === 'b/d0[Deployment]')!;
  const a0 = (a: ReturnType<Workspace['analyze']>) => a.reach.workloads.find((w) => w.id === 'a/d0[Deployment]')!;
  assert.equal(unrestrictedEgress(a1.reach, b0(a1)), undefined, 'restricted: no address is allowed');
  assert.equal(unrestrictedEgress(a1.reach, a0(a1))?.cause, 'no-policy');
  // A pod is added in another file: the pods changed, the addresses did not.
  const more = files(`---\n${deployment('a', 'd1', 'db', 9000, 'grpc')}`);
  for (const f of more) ws.set(f);
  const a2 = ws.analyze();
  assert.notEqual(a2.reach.workloads.length, a1.reach.workloads.length);
  const fresh = analyze(more);
  for (const id of ['a/d0[Deployment]', 'a/d1[Deployment]', 'b/d0[Deployment]']) {
    const w = (a: typeof a2) => a.reach.workloads.find((x) => x.id === id)!;
    assert.deepEqual(unrestrictedEgress(a2.reach, w(a2)), unrestrictedEgress(fresh.reach, w(fresh)), id);
  }
  // The case of a carried verdict: b/d0 and its set of policies are the same objects, the pods are not.
  assert.equal(b0(a2), b0(a1));
  assert.equal(a2.reach.policies.of(b0(a2), 'egress'), a1.reach.policies.of(b0(a1), 'egress'), 'the policy index kept the set');
});
