// npm run bench:reach — full reachability on a generated workspace of about 500 namespaces,
// 5,000 workloads and 3,000 policies, and a one-document edit followed by re-computation.
import { analyze, exposureAnalysis, Workspace } from '../../server/src/engine';
import { reachabilityOf } from '../../server/src/engine/analyze';
import { generateWorkspace } from './generator';
import { fmt, mb, summarize } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const timer = setInterval(sample, 20);

const files = generateWorkspace({ namespaces: 500, workloadsPerNamespace: 10, seed: 7 });
const ws = new Workspace();
let t = performance.now();
for (const f of files) ws.set(f);
const parseMs = performance.now() - t;
const first = ws.analyze();
const m = first.model;
console.log(`workspace: ${files.length} files, ${m.resources.length} resources, ${m.namespaces.size} namespaces, ${m.workloads.length} workloads, ${m.networkPolicies.length + m.adminPolicies.length} policies (parse ${fmt(parseMs)})`);

const full: number[] = [];
let lines = 0;
for (let i = 0; i < RUNS; i++) {
  t = performance.now();
  lines = reachabilityOf(first).connections().length;
  full.push(performance.now() - t);
  sample();
}
first.reach.connections();

// An edit: one policy document changes (the api-to-db port of one namespace).
const target = files.find((f) => f.uri.includes('/ns-123/'))!;
const edits: number[] = [];
const reanalysis: number[] = [];
const updates: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const text = target.text.replace(/port: (5432|5433)\n/, (_, p) => `port: ${p === '5432' ? 5433 : 5432}\n`);
  target.text = text;
  t = performance.now();
  ws.set({ uri: target.uri, text, version: i + 2 });
  const a = ws.analyze();
  const t1 = performance.now();
  a.reach.connections();
  const t2 = performance.now();
  edits.push(t2 - t);
  reanalysis.push(t1 - t);
  updates.push(t2 - t1);
  sample();
}

// Exposure (reach --exposure, the panel's dashed nodes): on the workspace as it is, and with a policy per
// namespace naming pods and namespaces no manifest holds (a selector each: about a thousand of them).
const exposure: number[] = [];
const ghostly: number[] = [];
const namespaces = [...m.namespaces.keys()];
const ghosts = namespaces
  .map((ns) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ghost, namespace: ${ns}}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector: {matchLabels: {app: ghost}}\n    - namespaceSelector: {matchLabels: {team: ghost-${ns}}}\n`)
  .join('---\n');
const haunted = analyze([...files, { uri: 'file:///bench/ghosts.yaml', text: ghosts }]);
haunted.reach.connections();
let exposureLines = 0;
let hauntedLines = 0;
let representatives = 0;
for (let i = 0; i < RUNS; i++) {
  t = performance.now();
  const x = exposureAnalysis(first.model, first.reach);
  exposure.push(performance.now() - t);
  exposureLines = x.egress.length + x.ingress.length;
  t = performance.now();
  const y = exposureAnalysis(haunted.model, haunted.reach);
  ghostly.push(performance.now() - t);
  hauntedLines = y.egress.length + y.ingress.length;
  representatives = y.representatives.length;
  sample();
}
clearInterval(timer);

const f = summarize(full);
const e = summarize(edits);
const ra = summarize(reanalysis);
const up = summarize(updates);
console.log(`connections listed: ${lines}`);
console.log('');
console.log('| measurement | median | p95 |');
console.log('|---|---|---|');
console.log(`| full reachability from scratch (all pairs, ${m.workloads.length} workloads) | ${fmt(f.median)} | ${fmt(f.p95)} |`);
console.log(`| one-document edit: total | ${fmt(e.median)} | ${fmt(e.p95)} |`);
console.log(`| - re-parse the file, rebuild the model, run the rules | ${fmt(ra.median)} | ${fmt(ra.p95)} |`);
console.log(`| - incremental reachability update and all pairs | ${fmt(up.median)} | ${fmt(up.p95)} |`);
const x = summarize(exposure);
const g = summarize(ghostly);
console.log(`| exposure (${exposureLines} lines), and its ratio to the full reachability | ${fmt(x.median)} (${(x.median / f.median).toFixed(2)}×) | ${fmt(x.p95)} |`);
console.log(`| exposure with ${representatives} selectors no manifest holds (${hauntedLines} lines) | ${fmt(g.median)} (${(g.median / f.median).toFixed(2)}×) | ${fmt(g.p95)} |`);
console.log(`| peak RSS | ${mb(peakRss)} | |`);
console.log(`(${RUNS} runs each)`);
