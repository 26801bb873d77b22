// npm run bench:language — the language features on a generated workspace of 500 namespaces and 5,000
// workloads: the first hover on a workload (its egress tables built), later hovers, code lenses of a file,
// completion in a selector, workspace symbols. Measured on the engine (the server adds one conversion).
import { Workspace } from '../../server/src/engine';
import { completionsAt, hoverAt, lensesOf, workspaceSymbols } from '../../server/src/engine/lang';
import { generateWorkspace } from './generator';
import { fmt, summarize } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const files = generateWorkspace({ namespaces: 500, workloadsPerNamespace: 10, seed: 7 });
const ws = new Workspace();
for (const f of files) ws.set(f);
const a = ws.analyze();
const link = (uri: string) => uri;
console.log(`workspace: ${files.length} files, ${a.model.workloads.length} workloads`);

const time = (fn: () => unknown): number => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const report = (name: string, samples: number[]) => {
  const s = summarize(samples);
  console.log(`${name}: median ${fmt(s.median)}, p95 ${fmt(s.p95)}, max ${fmt(s.max)} (${samples.length} runs)`);
};

// Places: the name of a Deployment, a matchLabels value inside a policy's podSelector.
const file = a.files.find((f) => f.text.includes('name: api-egress-partners'))!;
const nameAt = file.text.indexOf('name: ', file.text.indexOf('kind: Deployment')) + 7;
const policyAt = file.text.indexOf('name: api-egress-partners');
const valueAt = file.text.indexOf('tier: ', file.text.indexOf('podSelector:', policyAt)) + 7;

console.log(`first hover on a workload (builds its tables): ${fmt(time(() => hoverAt(a, file.uri, nameAt, link)))}`);
const hovers: number[] = [];
for (let i = 0; i < RUNS; i++) hovers.push(time(() => hoverAt(a, file.uri, nameAt, link)));
report('hover on a workload', hovers);
const selector: number[] = [];
for (let i = 0; i < RUNS; i++) selector.push(time(() => hoverAt(a, file.uri, valueAt, link)));
report('hover on a selector', selector);
console.log(`first code lenses of a file: ${fmt(time(() => lensesOf(a, file.uri)))}`);
const lenses: number[] = [];
for (let i = 0; i < RUNS; i++) lenses.push(time(() => lensesOf(a, file.uri)));
report('code lenses of a file', lenses);
const completion: number[] = [];
for (let i = 0; i < RUNS; i++) completion.push(time(() => completionsAt(a, file, valueAt)));
report('completion of label values', completion);
const symbols: number[] = [];
for (let i = 0; i < RUNS; i++) symbols.push(time(() => workspaceSymbols(a, 'api')));
report('workspace symbols', symbols);
