// The engine's language module on small inline workspaces: where a cursor is in half-typed YAML, what
// selectors of every policy family match, policy views and lens titles, address labels.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze } from '../../server/src/engine';
import { addressLabels, completionsAt, cursorAt, definitionAt, hoverAt, lensesOf, policyView, selectorAt, workspaceSymbols } from '../../server/src/engine/lang';
import { IpRangeSet, parseCidr } from '../../server/src/engine/sets/iprange';

const URI = 'file:///ws/a.yaml';
const link = (uri: string, span: { start: number }) => `${uri}@${span.start}`;

function workspace(text: string) {
  const a = analyze([{ uri: URI, text }]);
  const file = a.files[0];
  /** Offset of the character marked by `|` in a copy of the text. */
  return { a, file, text };
}

/** The text with `|` removed, and the offset where it stood. */
function marked(src: string): { text: string; offset: number } {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0, 'no | cursor mark');
  return { text: src.slice(0, offset) + src.slice(offset + 1), offset };
}

const APPS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api, tier: backend}}
    spec:
      containers:
      - name: api
        ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: data}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        ports: [{name: pg, containerPort: 5432}]
---
apiVersion: v1
kind: Namespace
metadata: {name: data, labels: {team: storage}}
---
`;

for (const [name, src, path, role, word] of [
  ['a key being typed under matchLabels (no colon yet)', 'a:\n  matchLabels:\n    ap|\n', ['a', 'matchLabels'], 'newKey', 'ap'],
  ['a blank line inside matchLabels', 'a:\n  matchLabels:\n    app: x\n    |\n  b: 1\n', ['a', 'matchLabels'], 'newKey', ''],
  ['a blank line under a key with no value yet', 'a:\n  matchLabels:\n    |\n', ['a', 'matchLabels'], 'newKey', ''],
  ['an empty value after the colon', 'a:\n  matchLabels:\n    app: |\n', ['a', 'matchLabels', 'app'], 'value', ''],
  ['a value in a flow map', 'a: {matchLabels: {app: we|b}}\n', ['a', 'matchLabels', 'app'], 'value', 'web'],
  ['a key of a sequence item', 'ports:\n- port: 53\n  proto|col: UDP\n', ['ports', 0, 'protocol'], 'key', 'protocol'],
  ['a sibling key of a sequence item', 'ports:\n- port: 53\n  |\n', ['ports', 0], 'newKey', ''],
  ['a sequence item value is not a key', 'values:\n- fo|o\n', ['values', 0], 'value', 'foo'],
] as const) {
  test(`cursor: ${name}`, () => {
    const { text, offset } = marked(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n${src}`);
    const { a, file } = workspace(text);
    const c = cursorAt(file, a.model.resources, offset);
    assert.ok(c, 'a cursor');
    assert.deepEqual([c.path, c.role, c.word.text], [path, role, word]);
  });
}

test('cursor: outside every resource there is none', () => {
  const { a, file } = workspace('# just a comment\n');
  assert.equal(cursorAt(file, a.model.resources, 3), undefined);
});

test('addresses: CIDR blocks, ranges when they would take many blocks, the whole space', () => {
  const cidr = (t: string) => parseCidr(t)!.set;
  assert.deepEqual(addressLabels(cidr('10.40.0.0/16')), ['10.40.0.0/16']);
  assert.deepEqual(addressLabels(cidr('10.0.0.0/8').union(cidr('11.0.0.0/8'))), ['10.0.0.0/7']);
  assert.deepEqual(addressLabels(IpRangeSet.allV4.subtract(cidr('10.0.0.0/8'))), ['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0-255.255.255.255']);
  assert.deepEqual(addressLabels(IpRangeSet.allV4), ['0.0.0.0/0']);
});

test('selectors: NetworkPolicy peers in other namespaces, the matchLabels entry alone', () => {
  const { text, offset } = marked(`${APPS}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {team: storage}}
      podSelector:
        matchLabels:
          app: d|b
          tier: x
    ports: [{port: pg}]
`);
  const { a } = workspace(text);
  const h = hoverAt(a, URI, offset, link);
  assert.ok(h);
  assert.match(h.markdown, /^\*\*podSelector\*\* `app=db,tier=x` in namespaces matching team=storage matches no workload in the workspace\./);
  assert.match(h.markdown, /`app=db` alone matches \[data\/db\\\[Deployment\\\]\]\(file:\/\/\/ws\/a\.yaml@\d+\) in namespaces matching team=storage\./);
  const view = policyView(a.reach, a.model.resources.find((r) => r.name === 'api-egress')!)!;
  assert.deepEqual(view.subjects.map((w) => w.id), ['shop/api[Deployment]']);
  assert.deepEqual(lensesOf(a, URI).map((l) => l.title), ['egress: no destinations', 'egress: unrestricted', 'selects 1 workload · allows no egress']);
});

test('selectors: Cilium endpoint selectors and a rule\'s toEndpoints; Calico selector strings', () => {
  const text = `${APPS}apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api-to-db, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  egress:
  - toEndpoints:
    - matchLabels: {k8s:io.kubernetes.pod.namespace: data, app: db}
    toPorts: [{ports: [{port: "5432", protocol: TCP}]}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-egress, namespace: data}
spec:
  selector: app == 'db'
  types: [Egress]
  egress:
  - action: Allow
    destination: {selector: app == 'api', namespaceSelector: all()}
`;
  const { a } = workspace(text);
  const cilium = a.model.resources.find((r) => r.name === 'api-to-db')!;
  assert.deepEqual(selectorAt(a.reach, cilium, ['spec', 'endpointSelector', 'matchLabels', 'app'])?.workloads.map((w) => w.id), ['shop/api[Deployment]']);
  const peers = selectorAt(a.reach, cilium, ['spec', 'egress', 0, 'toEndpoints', 0, 'matchLabels']);
  assert.deepEqual([peers?.kind, peers?.workloads.map((w) => w.id)], ['peers', ['data/db[Deployment]']]);
  const calico = a.model.resources.find((r) => r.name === 'db-egress')!;
  assert.deepEqual(selectorAt(a.reach, calico, ['spec', 'selector'])?.workloads.map((w) => w.id), ['data/db[Deployment]']);
  assert.deepEqual(selectorAt(a.reach, calico, ['spec', 'egress', 0, 'destination', 'selector'])?.workloads.map((w) => w.id), ['shop/api[Deployment]']);
  const calicoView = policyView(a.reach, calico)!;
  assert.equal(calicoView.rules.egress[0].action, 'allow');
  const titles = lensesOf(a, URI).map((l) => l.title);
  assert.deepEqual(titles, ['egress: 1 destination', 'egress: 1 destination', 'selects 1 workload · allows 1 destination', 'selects 1 workload · allows 1 destination']);
});

test('admin policies: subject and peer selectors, definition to the namespace object', () => {
  const { text, offset } = marked(`${APPS}apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: storage-only}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  egress:
  - action: Allow
    to: [{namespaces: {matchLabels: {te|am: storage}}}]
`);
  const { a } = workspace(text);
  const targets = definitionAt(a, URI, offset);
  assert.deepEqual(targets.map((t) => text.slice(t.selection.start, t.selection.end)), ['data']);
  const anp = a.model.resources.find((r) => r.name === 'storage-only')!;
  const subject = selectorAt(a.reach, anp, ['spec', 'subject', 'namespaces']);
  assert.deepEqual([subject?.kind, subject?.workloads.map((w) => w.id)], ['subjects', ['shop/api[Deployment]']]);
});

test('completion: named ports of the rule\'s destinations, filtered by protocol', () => {
  const { text, offset } = marked(`${APPS}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-api, namespace: data}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}]
    ports:
    - port: |
`);
  const { a, file } = workspace(text);
  assert.deepEqual(completionsAt(a, file, offset).map((c) => [c.label, c.detail]), [
    ['http', 'TCP 8080 on shop/api[Deployment]'],
    ['metrics', 'TCP 9090 on shop/api[Deployment]'],
  ]);
  const udp = workspace(text.replace('    - port: \n', '    - protocol: UDP\n      port: \n'));
  assert.deepEqual(completionsAt(udp.a, udp.file, udp.text.indexOf('      port: ') + 12), []);
});

test('completion: a value typed right after the colon gets its space', () => {
  const { text, offset } = marked(`${APPS}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector:
    matchLabels:
      app:|
`);
  const { a, file } = workspace(text);
  const api = completionsAt(a, file, offset).find((c) => c.label === 'api');
  assert.equal(api?.insertText, ' api');
});

test('workspace symbols: workloads and policies only, best matches first', () => {
  const { a } = workspace(`${APPS}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress, namespace: shop}
spec: {podSelector: {}}
`);
  assert.deepEqual(workspaceSymbols(a, 'api').map((s) => `${s.name} ${s.detail}`), ['api Deployment · shop', 'api-egress NetworkPolicy · shop']);
  // Found by namespace/name; the Namespace object itself is not listed.
  assert.deepEqual(workspaceSymbols(a, 'data').map((s) => `${s.name} ${s.detail}`), ['db Deployment · data']);
});
