// npm run bench:compare — the change lens on the generated workspace of about 13,000 documents (issue 18:
// "the editor's lens updates within the edit's diagnostics budget; it reuses the base analysis, computed
// once per base revision"). In process, on the engine, with the benchmark's edits (edits.ts):
//   C1 the base analysis, once (what the server computes on the first lens against a commit)
//   C2 per edit, the lens: the base with the edited file in it, its diff with the base, the summary
//   C3 per edit, the workspace's own incremental analysis of the same edit (what diagnostics cost), for the ratio
// Where C2 is above the edit's budget (50 ms), the server answers code lens requests at once with the
// file's last lens and computes the new one once the text rests (server/src/lsp/compare.ts), so typing and
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

let t = performance.now();
const base = new BaseState(files);
void base.analysis.reach.connections();
const baseMs = performance.now() - t;

const workspace = new Workspace();
for (const f of files) workspace.set(f);
t = performance.now();
workspace.analyze().reach.connections();
const fullMs = performance.now() - t;

const edits = editScript(files, EDITS);
let text = files.find((f) => f.uri === edits[0].uri)!.text;
const lens: number[] = [];
const incremental: number[] = [];
const titles = new Set<string>();
for (const e of edits) {
  text = apply(text, e);
  t = performance.now();
  const after = base.withFiles(new Map([[e.uri, { uri: e.uri, text }]]));
  const d = diffAnalyses(base.analysis, after, { explain: false, changesOnly: true });
  if (d.changes.length > 0) titles.add(changeLine(summarizeDiff(d)));
  lens.push(performance.now() - t);
  t = performance.now();
  workspace.set({ uri: e.uri, text });
  const a = workspace.analyze();
  void a.findings.length;
  incremental.push(performance.now() - t);
}
// The same analysis from scratch, to show what reuse saves.
t = performance.now();
void analyzeParsed(files.map((f) => workspace.get(f.uri)!), base.config).reach.connections();
const scratchMs = performance.now() - t;

const l = summarize(lens);
const i = summarize(incremental);
console.log(`workspace: ${files.length} files, ${documents} documents`);
console.log(`C1 base analysis (once per commit): ${fmt(baseMs)}; one full analysis with every rule: ${fmt(fullMs)}; the base's rules off, from scratch: ${fmt(scratchMs)}`);
console.log(`C2 lens per edit (${lens.length} edits): median ${fmt(l.median)}, p95 ${fmt(l.p95)}, max ${fmt(l.max)}`);
console.log(`C3 incremental analysis per edit: median ${fmt(i.median)}, p95 ${fmt(i.p95)}; lens / analysis at p95: ${(l.p95 / i.p95).toFixed(2)}`);
console.log(`lens titles seen: ${[...titles].join(' | ') || '(none)'}`);
