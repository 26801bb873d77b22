/**
 * Namespace-scoped rules run incrementally: after an edit, a rule runs again only in the namespaces whose
 * part of the model, or whatever else it declares it reads, changed; the findings of the others are kept,
 * and equal a fresh analysis's, spans included.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, readConfigFile, ruleById, rules, Workspace, type Analysis, type EngineConfig, type SourceFile } from '../../server/src/engine';
import { withObservedFlows } from '../support/fixture';

function namespaceFile(ns: string, image = 'nginx:1', tier = 'web', port = 8080): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app, tier: ${tier}}}
    spec:
      containers: [{name: app, image: "${image}", ports: [{containerPort: ${port}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: ${ns}}
spec:
  podSelector: {}
  policyTypes: [Egress]
`;
}

/** Counts, per rule id, the namespaces its check ran in, while `body` runs. */
function counting<T>(ids: string[], body: (ran: Map<string, string[]>) => T): T {
  const ran = new Map<string, string[]>(ids.map((id) => [id, []]));
  const saved = ids.map((id) => {
    const rule = ruleById.get(id)!;
    const original = rule.checkNamespace!;
    rule.checkNamespace = (ns, ctx) => {
      ran.get(id)!.push(ns.name);
      return original.call(rule, ns, ctx);
    };
    return () => (rule.checkNamespace = original);
  });
  try {
    return body(ran);
  } finally {
    for (const restore of saved) restore();
  }
}

const signature = (a: Analysis) => a.findings.map((f) => JSON.stringify([f.uri, f.span, f.ruleId, f.message, f.related ?? null, f.data ?? null]));

test('the rules that declare reads are the namespace-scoped ones, and every one of them reads something it names', () => {
  const scoped = rules.filter((r) => r.checkNamespace);
  assert.ok(scoped.length >= 5, `${scoped.length} namespace-scoped rules`);
  for (const r of scoped) assert.ok(r.reads, `${r.id} declares what it reads`);
});

test('after an edit, a namespace-scoped rule runs again only in the namespaces whose reads changed, and its kept findings equal a fresh analysis', () => {
  const texts = new Map([
    ['file:///w/a.yaml', namespaceFile('a')],
    ['file:///w/b.yaml', namespaceFile('b')],
    ['file:///w/c.yaml', namespaceFile('c')],
  ]);
  const sources = (): SourceFile[] => [...texts].map(([uri, text]) => ({ uri, text }));
  const ws = new Workspace();
  for (const s of sources()) ws.set(s);
  const step = (uri: string, text: string) => {
    const { a, ran } = counting(['EL101', 'EL104', 'EL102'], (ran) => {
      texts.set(uri, text);
      ws.set({ uri, text });
      return { a: ws.analyze(), ran };
    });
    assert.deepEqual(signature(a), signature(analyze(sources())), `after editing ${uri}: the same findings as a fresh analysis`);
    return Object.fromEntries([...ran].map(([id, ns]) => [id, [...ns].sort()]));
  };
  const first = counting(['EL104'], (ran) => {
    const a = ws.analyze();
    assert.ok(a.findings.some((f) => f.ruleId === 'EL104'), 'the default-deny without DNS is reported');
    return [...ran.get('EL104')!].sort();
  });
  assert.deepEqual(first, ['a', 'b', 'c']);

  // An image tag: b's part of the model changes, nothing any rule reads elsewhere.
  assert.deepEqual(step('file:///w/b.yaml', namespaceFile('b', 'nginx:2')), { EL101: ['b'], EL104: ['b'], EL102: ['b'] });
  // A label: every pod as selectors see them changed (EL101 weighs every pod), the policies in force did not.
  assert.deepEqual(step('file:///w/c.yaml', namespaceFile('c', 'nginx:1', 'api')), { EL101: ['a', 'b', 'c'], EL104: ['c'], EL102: ['c'] });
  // Text added before a's documents: its findings are computed again, where they now are.
  assert.deepEqual(step('file:///w/a.yaml', `# owned by team a\n\n${namespaceFile('a')}`), { EL101: ['a'], EL104: ['a'], EL102: ['a'] });
  // Nothing changed: nothing runs.
  assert.deepEqual(step('file:///w/a.yaml', texts.get('file:///w/a.yaml')!), { EL101: [], EL104: [], EL102: [] });
});

test('on every rule fixture folder as one workspace, removing each document in turn and putting it back gives what a fresh analysis gives', () => {
  const root = path.join(__dirname, '../../../test/fixtures/rules');
  let analyses = 0;
  for (const id of readdirSync(root).sort()) {
    const dir = path.join(root, id);
    if (ruleById.get(id)?.docs.input === 'config') continue;
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('.')).sort();
    if (names.length === 0) continue;
    const cfg = path.join(dir, '.egress-lens.yaml');
    const config = withObservedFlows(dir, existsSync(cfg) ? readConfigFile(cfg, readFileSync(cfg, 'utf8')).config : undefined) as Partial<EngineConfig> | undefined;
    const texts = new Map(names.map((n) => [`file:///${id}/${n}`, readFileSync(path.join(dir, n), 'utf8')]));
    const sources = (): SourceFile[] => [...texts].map(([uri, text]) => ({ uri, text }));
    const ws = new Workspace(config);
    for (const s of sources()) ws.set(s);
    ws.analyze();
    const step = (uri: string, text: string, what: string) => {
      texts.set(uri, text);
      ws.set({ uri, text });
      analyses++;
      assert.deepEqual(signature(ws.analyze()), signature(analyze(sources(), config)), `${id}: ${what}`);
    };
    for (const [uri, original] of [...texts]) {
      const docs = original.split(/^---[ \t]*$/m);
      for (let k = 0; k < docs.length; k++) {
        step(uri, docs.filter((_, j) => j !== k).join('---'), `${uri} without document ${k + 1}`);
        step(uri, original, `${uri} restored after document ${k + 1}`);
      }
    }
  }
  assert.ok(analyses > 500, `${analyses} analyses`);
});
