// "Explain Egress of Workload…": the report says whether anything restricts the workload, lists every
// destination with the rules that allow it (linked), and, with Istio, the path through the mesh.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, LineIndex } from '../../server/src/engine';
import { egressReport } from '../../server/src/engine/lang/report';
import { findManifests, pathToUri } from '../../server/src/host/files';
import { repoRoot } from '../support/workspace';
import { setSources, SETS } from '../corpus/istio-sets';

const link = (uri: string, span: { start: number }) => `${uri}@${span.start}`;
/** The report as read: Markdown escapes of brackets and parentheses in text removed. */
const plain = (md: string) => md.replace(/\\([[\]()])/g, '$1');

test('report: an unrestricted workload says so and how to restrict it; a restricted one lists destinations with the allowing rules', async () => {
  const paths = await findManifests(path.join(repoRoot, 'examples'));
  const sources = paths.map((p) => ({ uri: pathToUri(p), text: readFileSync(p, 'utf8') }));
  const a = analyze(sources);
  const foo = a.reach.workloads.find((w) => w.id === 'shop/foo[Deployment]')!;
  const r1 = plain(egressReport(a, foo, link));
  assert.match(r1, /^# Egress of Deployment shop\/foo\n/);
  assert.match(r1, /\*\*Unrestricted\*\*/);
  assert.match(r1, /NetworkPolicy shop\/foo-deny-egress\]\([^)]+\) selects it for ingress only/);
  const ledger = a.reach.workloads.find((w) => w.id === 'payments/ledger[Deployment]')!;
  const r2 = plain(egressReport(a, ledger, link));
  assert.match(r2, /\*\*Restricted\*\* by \[NetworkPolicy payments\/default-deny-egress\]/);
  const row = r2.split('\n').find((l) => l.startsWith('| payments/postgres[StatefulSet] |'));
  assert.ok(row, r2);
  assert.match(row, /\| TCP 5432 \|/);
  // The allowing rule's link points at the rule in the policy's file.
  const m = /\[NetworkPolicy payments\/ledger-to-postgres, spec\.egress\[0\]\]\(([^@]+)@(\d+)\)/.exec(row);
  assert.ok(m, row);
  const text = sources.find((s) => s.uri === m[1])!.text;
  assert.match(text.split('\n')[new LineIndex(text).position(Number(m[2])).line], /- to:/);
});

test('report: with Istio, the hosts and the path their traffic takes', () => {
  const a = analyze(setSources(SETS.find((s) => s.name === 'egress-gateway / HTTPS / Istio APIs')!));
  const curl = a.reach.workloads.find((w) => w.id === 'default/curl[Deployment]')!;
  const r = plain(egressReport(a, curl, link));
  assert.match(r, /## Through the mesh/);
  assert.match(r, /- \*\*edition\.cnn\.com\*\*: default\/curl\[Deployment\] → edition\.cnn\.com: through egress gateway istio-system\/istio-egressgateway/);
  assert.match(r, /  - \[VirtualService default\/direct-cnn-through-egress-gateway sends it from the sidecar/);
});
