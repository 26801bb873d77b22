// npm run bench:compare — the change lens on the generated workspace of about 13,000 documents (issue 18:
// "the editor's lens updates within the edit's diagnostics budget; it reuses the base analysis, computed
// once per base revision"). In process, on the engine, with the benchmark's edits (edits.ts):
//   C1 the base analysis, once, built from the workspace's (what the server computes on the first lens against a commit)
//   C2 per edit, the lens after the edit's diagnostics: the workspace's analysis is the base with the edited
//      file in it (no other file differs), so the lens is its diff with the base, over the pairs whose tables differ
//   C2b per edit, the lens where another file also differs: the base analysed with the edited file, then the diff
//   C3 per edit, the workspace's own incremental analysis of the same edit (what diagnostics cost), for the ratio
// Where a lens takes longer than the edit's budget (50 ms), the server answers code lens requests at once with
// the file's last lens and computes the new one once the text rests (server/src/lsp/compare.ts), so typing and
// diagnostics never wait for it. BENCH_EDITS sets the number of edits (default 40).
import { performance } from 'node:perf_hooks';
import { analyzeParsed, BaseState, changeLine, diffAnalyses, summarize as summarizeDiff, Workspace, type SourceFile } from '../../server/src/engine';
import { editScript, type Edit } from './edits';
import { generateWorkspace, TARGET_SHAPE } from './generator';
import { fmt, summarize } from './stats';

const EDITS = Number(process.env.BENCH_EDITS ?? 40);

function apply(text: string, e: Edit): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(e.range.start)) + e.text + text.slice(offset(e.range.end));
}

const files: SourceFile[] = generateWorkspace(TARGET_SHAPE);
const documents = files.reduce((n, f) => n + f.text.split(/^---$/m).length, 0);

const workspace = new Workspace();
for (const f of files) workspace.set(f);
let t = performance.now();
workspace.analyze().reach.connections();
const fullMs = performance.now() - t;

// The server builds the base from the workspace's analysis (server/src/lsp/compare.ts).
t = performance.now();
const base = new BaseState(files, {}, workspace.analyze());
void base.analysis.reach.connections();
const baseMs = performance.now() - t;

const edits = editScript(files, EDITS);
let text = files.find((f) => f.uri === edits[0].uri)!.text;
const lens: number[] = [];
const alone: number[] = [];
const incremental: number[] = [];
const titles = new Set<string>();
let served = 0;
for (const e of edits) {
  text = apply(text, e);
  // What diagnostics cost: the workspace's own incremental analysis of the edit.
  t = performance.now();
  workspace.set({ uri: e.uri, text });
  const a = workspace.analyze();
  void a.findings.length;
  incremental.push(performance.now() - t);
  // The lens after it: the workspace's analysis is the base with this file in it; only the pairs compared.
  t = performance.now();
  const after = base.withFile({ uri: e.uri, text }, { analysis: a, files: files.map((f) => workspace.get(f.uri)!) });
  const d = diffAnalyses(base.analysis, after, { explain: false, changesOnly: true });
  if (d.changes.length > 0) titles.add(changeLine(summarizeDiff(d)));
  lens.push(performance.now() - t);
  if (after === a) served++;
  // The lens where the workspace's analysis cannot serve (another file differs from the base): the base analysed with the file.
  t = performance.now();
  void diffAnalyses(base.analysis, base.withFiles(new Map([[e.uri, { uri: e.uri, text }]])), { explain: false, changesOnly: true }).changes.length;
  alone.push(performance.now() - t);
}
// The same analysis from scratch, to show what reuse saves.
t = performance.now();
void analyzeParsed(files.map((f) => workspace.get(f.uri)!), base.config).reach.connections();
const scratchMs = performance.now() - t;

const l = summarize(lens);
const b = summarize(alone);
const i = summarize(incremental);
console.log(`workspace: ${files.length} files, ${documents} documents`);
console.log(`C1 base analysis (once per commit, from the workspace's): ${fmt(baseMs)}; one full analysis with every rule: ${fmt(fullMs)}; the base's rules off, from scratch: ${fmt(scratchMs)}`);
console.log(`C2 lens per edit, after the edit's diagnostics (${lens.length} edits, the workspace's analysis served ${served}): median ${fmt(l.median)}, p95 ${fmt(l.p95)}, max ${fmt(l.max)}`);
console.log(`C2b lens per edit, the base analysed with the edited file: median ${fmt(b.median)}, p95 ${fmt(b.p95)}`);
console.log(`C3 incremental analysis per edit (the diagnostics): median ${fmt(i.median)}, p95 ${fmt(i.p95)}`);
console.log(`lens / diagnostics: median ${(l.median / i.median).toFixed(2)}, p95 ${(l.p95 / i.p95).toFixed(2)}; diagnostics and lens together / diagnostics at p95: ${(summarize(incremental.map((x, k) => x + lens[k])).p95 / i.p95).toFixed(2)}`);
console.log(`lens titles seen: ${[...titles].join(' | ') || '(none)'}`);
