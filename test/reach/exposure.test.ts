// Exposure to workloads that do not exist yet: representative peers from the policies' selectors, the whole
// cluster, what no policy protects, named ports kept as names, and the admin tiers. The byte-for-byte
// comparison with netpol-analyzer is test/conformance/netpol-analyzer-exposure.ts; these say why each line is there.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, exposureAnalysis, exposureChanges, formatExposure, Workspace, type SourceFile } from '../../server/src/engine';
import { rng } from '../support/random';
import { initialWorkspace, randomEdit, sourcesOf } from '../support/random-workspace';

const uri = 'file:///ws/shop.yaml';

function deployment(ns: string, name: string, labels: Record<string, string>, ports = '        - containerPort: 8080\n'): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `      ${k}: ${v}`)
    .join('\n');
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector:
    matchLabels:
${l.replace(/^ {6}/gm, '      ')}
  template:
    metadata:
      labels:
${l.replace(/^ {6}/gm, '        ')}
    spec:
      containers:
      - name: main
        image: registry.example/app:1
        ports:
${ports}`;
}

const checkoutEgress = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: checkout-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
    - {port: 53, protocol: UDP}
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports:
    - {port: postgres, protocol: TCP}
`;

function lines(text: string) {
  const a = analyze([{ uri, text }]);
  const x = exposureAnalysis(a.model, a.reach);
  const show = (l: (typeof x.egress)[number], arrow: string) => `${l.workload.id} ${arrow} ${l.peer} : ${l.conn}`;
  return { a, x, egress: x.egress.map((l) => show(l, '=>')), ingress: x.ingress.map((l) => show(l, '<=')), unprotected: x.unprotected.map((u) => `${u.workload.id} ${u.direction}`) };
}

test('egress to pods no manifest holds yet: a representative peer per selector, a named port kept as its name', () => {
  const r = lines([deployment('shop', 'checkout', { app: 'checkout' }), checkoutEgress].join('---\n'));
  assert.deepEqual(r.egress, [
    'shop/checkout[Deployment] => [all namespaces]/[pod with {k8s-app=kube-dns}] : UDP 53',
    // The pod the rule names is not in the manifests: which port "postgres" is depends on the pod that comes.
    'shop/checkout[Deployment] => shop/[pod with {app=db}] : TCP postgres',
  ]);
  // Nothing restricts who may connect to checkout: the whole cluster and every address.
  assert.deepEqual(r.ingress, ['shop/checkout[Deployment] <= 0.0.0.0-255.255.255.255[External] : All Connections', 'shop/checkout[Deployment] <= entire-cluster : All Connections']);
  assert.deepEqual(r.unprotected, ['shop/checkout[Deployment] ingress']);
});

test('a workload of the manifests that matches a selector stands for it: no representative peer, a connection instead', () => {
  const r = lines([deployment('shop', 'checkout', { app: 'checkout' }), deployment('shop', 'db', { app: 'db' }, '        - {name: postgres, containerPort: 5432}\n'), checkoutEgress].join('---\n'));
  assert.ok(!r.egress.some((l) => l.includes('[pod with {app=db}]')), r.egress.join('\n'));
  const conns = r.x.connections.map((c) => `${c.src.kind === 'workload' ? c.src.workload.id : c.src.name} => ${c.dst.kind === 'workload' ? c.dst.workload.id : c.dst.name} : ${c.conns.toConnlistString()}`);
  assert.ok(conns.includes('shop/checkout[Deployment] => shop/db[Deployment] : TCP 5432'), conns.join('\n'));
  // "any namespace" is never stood for: a DNS pod may come in any namespace.
  assert.ok(r.egress.includes('shop/checkout[Deployment] => [all namespaces]/[pod with {k8s-app=kube-dns}] : UDP 53'));
});

test('selectors that require the same labels are one peer, printed as first written', () => {
  const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {role: monitoring}}
    ports: [{port: 9090}]
  egress:
  - to:
    - podSelector:
        matchExpressions: [{key: role, operator: In, values: [monitoring]}]
    ports: [{port: 9091}]
`;
  const r = lines([deployment('shop', 'api', { app: 'api' }), policies].join('---\n'));
  assert.deepEqual(r.x.representatives.map((p) => p.name), ['shop/[pod with {role=monitoring}]']);
  assert.deepEqual(r.egress, ['shop/api[Deployment] => shop/[pod with {role=monitoring}] : TCP 9091']);
  assert.deepEqual(r.ingress, ['shop/api[Deployment] <= shop/[pod with {role=monitoring}] : TCP 9090']);
  assert.deepEqual(r.unprotected, []);
});

test('an admin Deny to labelled namespaces under an Allow to the whole cluster: exposed to the cluster, not to them', () => {
  const anp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-legacy}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  egress:
  - {name: deny-legacy, action: Deny, to: [{namespaces: {matchLabels: {zone: legacy}}}]}
  - {name: deny-legacy-dns, action: Deny, to: [{namespaces: {matchLabels: {zone: dmz}}}], ports: [{portNumber: {port: 53, protocol: UDP}}]}
  - {name: cluster, action: Allow, to: [{namespaces: {}}]}
`;
  const r = lines([deployment('shop', 'api', { app: 'api' }), anp].join('---\n'));
  assert.deepEqual(
    r.egress.filter((l) => !l.includes('[External]')),
    [
      'shop/api[Deployment] => [namespace with {zone=dmz}]/[all pods] : SCTP 1-65535,TCP 1-65535,UDP 1-52,54-65535',
      'shop/api[Deployment] => [namespace with {zone=legacy}]/[all pods] : No Connections',
      'shop/api[Deployment] => entire-cluster : All Connections',
    ],
  );
  assert.deepEqual(r.unprotected, ['shop/api[Deployment] ingress']);
});

test('every format holds the same lines; txt pads the workload column and ends with the unprotected list', () => {
  const text = [deployment('shop', 'checkout', { app: 'checkout' }), deployment('shop', 'cart-service', { app: 'cart' }), checkoutEgress].join('---\n');
  const a = analyze([{ uri, text }]);
  const x = exposureAnalysis(a.model, a.reach);
  const txt = formatExposure(x, 'txt', a.reach.workloads);
  assert.match(txt, /\nExposure Analysis Result:\nEgress Exposure:\n/);
  assert.ok(txt.includes('shop/checkout[Deployment]     \t=> \tshop/[pod with {app=db}] : TCP postgres\n'), txt);
  assert.ok(txt.endsWith('Workloads not protected by network policies:\nshop/cart-service[Deployment] is not protected on Egress\nshop/cart-service[Deployment] is not protected on Ingress\nshop/checkout[Deployment] is not protected on Ingress\n'), txt);
  const json = JSON.parse(formatExposure(x, 'json', a.reach.workloads)) as { exposure_results: { egress_exposure: { src: string; dst: string; conn: string }[] } };
  assert.equal(json.exposure_results.egress_exposure.length, x.egress.length);
  assert.ok(formatExposure(x, 'csv', a.reach.workloads).includes('\nEgress Exposure:,,\nsrc,dst,conn\n'));
  assert.ok(formatExposure(x, 'md', a.reach.workloads).includes('| shop/checkout[Deployment] | shop/[pod with {app=db}] | TCP postgres |'));
  const dot = formatExposure(x, 'dot', a.reach.workloads);
  assert.ok(dot.includes('"shop/checkout[Deployment]" -> "pod with {app=db}_in_shop" [label="TCP postgres" color="darkorange4" fontcolor="darkgreen" weight=0.5 style=dashed]'), dot);
});

test('selectors that are not selectors name no pod that may come, and nothing breaks', () => {
  const broken = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector: "app=db"
    - namespaceSelector: [team]
    - podSelector: {matchExpressions: [{key: tier, operator: Sometimes}]}
    - podSelector: {matchLabels: {app: cache}}
    ports: "443"
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: broken}
spec:
  priority: 3
  subject: {namespaces: {}}
  egress:
  - {name: a, action: Allow, to: [{namespaces: "all"}, {pods: {namespaceSelector: {}, podSelector: 7}}]}
  - {name: b, action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {zone: x}}, podSelector: {}}}]}
`;
  const r = lines([deployment('shop', 'checkout', { app: 'checkout' }), broken].join('---\n'));
  assert.deepEqual(r.x.representatives.map((p) => p.name).sort(), ['[namespace with {zone=x}]/[all pods]', 'shop/[pod with {app=cache}]']);
  for (const format of ['txt', 'json', 'csv', 'md', 'dot'] as const) assert.ok(formatExposure(r.x, format, r.a.reach.workloads).length > 0);
});

test('what a change does to exposure: nothing for the same state, a rule added or removed with its place', () => {
  const withDns = [deployment('shop', 'checkout', { app: 'checkout' }), checkoutEgress].join('---\n');
  const withoutDb = withDns.replace(/ {2}- to:\n {4}- podSelector: \{matchLabels: \{app: db\}\}\n {4}ports:\n {4}- \{port: postgres, protocol: TCP\}\n/, '');
  assert.notEqual(withoutDb, withDns);
  const state = (text: string) => analyze([{ uri, text }]);
  assert.deepEqual(exposureChanges(state(withDns), state(withDns)), []);
  const added = exposureChanges(state(withoutDb), state(withDns));
  assert.deepEqual(
    added.map((x) => `${x.workload} ${x.direction} ${x.words}: ${x.before ?? '—'} -> ${x.after ?? '—'} (${x.state}: ${x.refs.map((r) => r.label).join(', ')})`),
    ['shop/checkout[Deployment] egress any pod with app=db in shop: — -> TCP postgres (after: NetworkPolicy shop/checkout-egress, spec.egress[1])'],
  );
  const removed = exposureChanges(state(withDns), state(withoutDb));
  assert.deepEqual(removed.map((x) => `${x.before} -> ${x.after ?? '—'} (${x.state})`), ['TCP postgres -> — (before)']);
});

test('exposure taking over an earlier analysis\'s findings per set of policies equals exposure found afresh, after each of 120 random edits', () => {
  const r = rng(31);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => sourcesOf(files);
  const ws = new Workspace();
  for (const s of sources()) ws.set(s);
  let memo = exposureAnalysis(ws.analyze().model, ws.analyze().reach).memo;
  let reused = 0;
  for (let step = 0; step < 120; step++) {
    randomEdit(r, files, step);
    for (const s of sources()) ws.set(s);
    const a = ws.analyze();
    const incremental = exposureAnalysis(a.model, a.reach, { previous: memo });
    const fresh = analyze(sources());
    const text = (x: ReturnType<typeof exposureAnalysis>, workloads = a.reach.workloads) => formatExposure(x, 'txt', workloads);
    assert.equal(text(incremental), text(exposureAnalysis(fresh.model, fresh.reach), fresh.reach.workloads), `step ${step}`);
    assert.deepEqual(incremental.unprotected.map((u) => `${u.workload.id} ${u.direction}`), exposureAnalysis(fresh.model, fresh.reach).unprotected.map((u) => `${u.workload.id} ${u.direction}`));
    if (memo && incremental.memo && memo.signature === incremental.memo.signature) reused++;
    memo = incremental.memo;
  }
  assert.ok(reused > 20, `${reused} of 120 analyses took findings over`);
});
