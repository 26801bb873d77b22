import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, type Analysis, connectionsLost, fixAll, fixesFor, rules, type Fix, type SourceFile } from '../../server/src/engine';
import { testWorkspaces } from '../support/workspaces';

/** The workspace's files with a fix's edits applied (files it creates added). */
function applyFix(files: readonly SourceFile[], fix: Pick<Fix, 'edits'>): SourceFile[] {
  const out = files.map((f) => ({ ...f, text: applyEdits(f.text, fix.edits.filter((e) => e.uri === f.uri && !e.create)) }));
  for (const e of fix.edits) if (e.create) out.push({ uri: e.uri, text: e.newText });
  return out;
}

const workspaces = testWorkspaces();

/** A file's documents, each as the resources it holds (`Kind ns/name`, or empty). */
function documents(a: Analysis, uri: string): string[] {
  const file = a.files.find((f) => f.uri === uri)!;
  return file.documents.map((d) =>
    a.model.resources
      .filter((r) => r.uri === uri && r.doc === d)
      .map((r) => `${r.kind} ${r.namespace}/${r.name}`)
      .join(', '),
  );
}

test('each rule declares its fixes as they are: none (no fixes), safe or unsafe (every fix it offers, on every fixture), or depending on the case', () => {
  const seen = new Map<string, Set<string>>();
  for (const ws of workspaces) {
    const a = analyze(ws.files, ws.config);
    for (const f of a.findings.filter((x) => x.fixable)) {
      let s = seen.get(f.ruleId);
      if (!s) seen.set(f.ruleId, (s = new Set()));
      for (const fix of fixesFor(a, f)) s.add(fix.safety);
    }
  }
  const wrong: string[] = [];
  for (const r of rules) {
    const offered = [...(seen.get(r.id) ?? [])].sort().join('+') || 'nothing';
    if (r.docs.fix === 'none' ? r.fixes !== undefined : r.fixes === undefined) wrong.push(`${r.id}: declares ${r.docs.fix}, ${r.fixes ? 'has' : 'has no'} fixes`);
    // (A rule whose fixtures show no fix, such as EL117 which needs observed flows, is checked where it has one.)
    else if ((r.docs.fix === 'safe' || r.docs.fix === 'unsafe') && offered !== 'nothing' && offered !== r.docs.fix) wrong.push(`${r.id}: declares ${r.docs.fix}, offers ${offered}`);
  }
  assert.ok(seen.size >= 15, `fixes of ${seen.size} rules seen`);
  assert.deepEqual(wrong, []);
});

test('every fix marked safe allows nothing less: each workload keeps every connection, DNS included (every fixture and the examples)', () => {
  const failures: string[] = [];
  let checked = 0;
  for (const ws of workspaces) {
    const a = analyze(ws.files, ws.config);
    for (const f of a.findings.filter((x) => x.fixable)) {
      for (const fix of fixesFor(a, f).filter((x) => x.safety === 'safe')) {
        checked++;
        const lost = connectionsLost(a, analyze(applyFix(ws.files, fix), ws.config));
        if (lost.length > 0) failures.push(`${ws.name}: ${f.ruleId} "${fix.title}" cuts ${lost.slice(0, 3).join('; ')}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked >= 15, `${checked} safe fixes checked`);
});

test('fix-all allows nothing less, is idempotent and never changes the number of YAML documents (every fixture and the examples)', () => {
  const failures: string[] = [];
  let changed = 0;
  for (const ws of workspaces) {
    const a = analyze(ws.files, ws.config);
    for (const file of ws.files) {
      const edit = fixAll(a, file.uri);
      if (!edit) continue;
      changed++;
      const files = applyFix(ws.files, { edits: [edit] });
      const b = analyze(files, ws.config);
      const lost = connectionsLost(a, b);
      if (lost.length > 0) failures.push(`${ws.name} ${file.uri}: fix-all cuts ${lost.slice(0, 3).join('; ')}`);
      // Every document stays one document (none removed, none merged into another); new ones are whole new resources.
      const before = documents(a, file.uri);
      const after = documents(b, file.uri);
      const extra = [...after];
      for (const d of before) {
        const i = extra.indexOf(d);
        if (i < 0) failures.push(`${ws.name} ${file.uri}: fix-all lost or merged the document "${d}" (${before.length} documents, then ${after.length})`);
        else extra.splice(i, 1);
      }
      for (const d of extra) if (d === '' || before.includes(d)) failures.push(`${ws.name} ${file.uri}: fix-all added the document "${d}", not a new resource`);
      const again = fixAll(b, file.uri);
      if (again) failures.push(`${ws.name} ${file.uri}: fix-all is not idempotent (a second run changes "${again.newText.slice(0, 60)}")`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(changed >= 8, `fix-all changed ${changed} files`);
});

test('EL103 "Add Egress to policyTypes" is safe only when the pods are already isolated for egress in a complete workspace', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: foo, namespace: shop, labels: {app: foo}}\nspec: {containers: [{name: c, image: i}]}\n';
  const ignored = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: foo, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: foo}}\n  policyTypes:\n  - Ingress\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n';
  const deny = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n';
  const safetyOf = (texts: string[], complete: boolean) => {
    const files = [{ uri: 'file:///w/a.yaml', text: texts.join('---\n') }];
    const a = analyze(files, { assumeCompleteWorkspace: complete });
    const f = a.findings.find((x) => x.ruleId === 'EL103')!;
    const [fix] = fixesFor(a, f);
    assert.equal(fix.title, 'Add Egress to policyTypes');
    return { safety: fix.safety, lost: connectionsLost(a, analyze(applyFix(files, fix), { assumeCompleteWorkspace: complete })) };
  };
  // Isolated already by the namespace's default-deny: the rules only add 10.0.0.0/8.
  assert.deepEqual(safetyOf([pod, ignored, deny], true), { safety: 'safe', lost: [] });
  // Pods outside the workspace may match the selector without being isolated.
  assert.equal(safetyOf([pod, ignored, deny], false).safety, 'unsafe');
  // Not isolated: every connection but 10.0.0.0/8 goes, DNS included.
  const alone = safetyOf([pod, ignored], true);
  assert.equal(alone.safety, 'unsafe');
  assert.ok(alone.lost.some((l) => l.startsWith('shop/foo[Pod] => kube-system/cluster-dns[assumed]')), alone.lost.join('\n'));
});

test('EL114 removal: unsafe when other policies cover the rule and the workspace may be incomplete; safe when its own policy covers it', () => {
  const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c, image: i}]}\n';
  const nsDns = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n';
  // Namespace-wide: every pod of shop, also those the workspace does not hold.
  const wide = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: shop-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 53, protocol: UDP}]\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 443}]\n';
  const ownCover = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: own, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 443}]\n  - to: [{ipBlock: {cidr: 10.1.0.0/16}}]\n    ports: [{port: 443}]\n';
  const el114 = (texts: string[], complete: boolean) => {
    const a = analyze([{ uri: 'file:///w/a.yaml', text: texts.join('---\n') }], { assumeCompleteWorkspace: complete });
    return a.findings.filter((f) => f.ruleId === 'EL114').map((f) => `${f.message.split(' allows')[0]}: ${fixesFor(a, f).map((x) => x.safety).join()}`);
  };
  assert.deepEqual(el114([deploy, nsDns, wide], false), ['The egress rule 1 of NetworkPolicy shop/shop-egress: unsafe']);
  assert.deepEqual(el114([deploy, nsDns, wide], true), ['The egress rule 1 of NetworkPolicy shop/shop-egress: safe']);
  assert.deepEqual(el114([deploy, ownCover], false), ['The egress rule 2 of NetworkPolicy shop/own: safe']);
});

test('EL112 "Use the port name": the one name the destination declares; safe (it only adds) in a complete workspace, unsafe otherwise', () => {
  const db = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: payments}\nspec:\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: postgres, image: i, ports: [{name: pg, containerPort: 5432}, {name: stats, containerPort: 9187, protocol: UDP}]}]}\n';
  const ledger = 'apiVersion: v1\nkind: Pod\nmetadata: {name: ledger, namespace: payments, labels: {app: ledger}}\nspec: {containers: [{name: c, image: i}]}\n';
  const np = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ledger-egress, namespace: payments}\nspec:\n  podSelector: {matchLabels: {app: ledger}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: postgres}]\n';
  for (const complete of [true, false]) {
    const files = [{ uri: 'file:///w/a.yaml', text: [db, ledger, np].join('---\n') }];
    const a = analyze(files, { assumeCompleteWorkspace: complete });
    const f = a.findings.find((x) => x.ruleId === 'EL112')!;
    const [fix] = fixesFor(a, f);
    assert.equal(fix.title, 'Use the port name "pg" (5432/TCP on the pods it names)');
    assert.equal(fix.safety, complete ? 'safe' : 'unsafe');
    const b = analyze(applyFix(files, fix), { assumeCompleteWorkspace: complete });
    assert.deepEqual(connectionsLost(a, b), []);
    assert.ok(!b.findings.some((x) => x.ruleId === 'EL112'));
    const opened = b.reach.connections().find((c) => c.src.kind === 'workload' && c.src.workload.name === 'ledger' && c.dst.kind === 'workload' && c.dst.workload.name === 'db');
    assert.equal(opened?.conns.toString(), 'TCP 5432');
  }
  // A name the pods declare with another protocol: which was meant (the name or the protocol) is not known.
  const udp = np.replace('{port: postgres}', '{port: stats}');
  const a = analyze([{ uri: 'file:///w/a.yaml', text: [db, ledger, udp].join('---\n') }]);
  assert.deepEqual(fixesFor(a, a.findings.find((x) => x.ruleId === 'EL112')!), []);
});

test('EL111 offers the answer its message knows, as unsafe fixes (the rejected policy starts to apply): swap a reversed range, capitalise a protocol', () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - {port: 8080, endPort: 8000}\n    - {port: 53, protocol: udp}\n    - {port: 443, protocol: HTTPS}\n';
  const a = analyze([{ uri: 'file:///w/a.yaml', text }]);
  const offered = a.findings.filter((f) => f.ruleId === 'EL111').map((f) => fixesFor(a, f).map((x) => `${x.title}: ${x.safety}`).join());
  assert.deepEqual(offered, ['Swap port and endPort (8000-8080): unsafe', 'Write the protocol as UDP: unsafe', '']);
  const fixes = a.findings.filter((f) => f.ruleId === 'EL111').flatMap((f) => fixesFor(a, f));
  const fixed = applyEdits(text, fixes.flatMap((x) => x.edits));
  assert.match(fixed, /\{port: 8000, endPort: 8080\}/);
  const again = analyze([{ uri: 'file:///w/a.yaml', text: fixed }]);
  assert.deepEqual(again.findings.filter((f) => f.ruleId === 'EL111').map((f) => f.message.slice(0, 24)), ['Unknown protocol "HTTPS"']);
});

test('EL002 offers what its message knows, as unsafe fixes: the suggested field name (unless the object has it already) and a quoted number without quotes', () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egres: []\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: r, namespace: shop}\nspec:\n  podSelector: {}\n  egress:\n  - ports:\n    - {port: "443", endPort: "8080"}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: q, namespace: shop}\nspec:\n  podSelector: {}\n  egress: []\n  egres: []\n';
  const a = analyze([{ uri: 'file:///w/a.yaml', text }]);
  const offered = a.findings.filter((f) => f.ruleId === 'EL002').map((f) => `${f.message.slice(0, 21)} => ${fixesFor(a, f).map((x) => `${x.title}: ${x.safety}`).join()}`);
  assert.deepEqual(offered, [
    'Unknown field "egres" => Rename egres to egress: unsafe',
    '"443" is not a valid  => Write "443" as the number 443: unsafe',
    'spec.egress[0].ports[ => Write "8080" as the number 8080: unsafe',
    'Unknown field "egres" => ',
  ]);
});
