/**
 * Seeded, reproducible fuzzing of the engine (most cases, in worker threads) and of the real server
 * process (a share).
 *
 *   EGRESS_LENS_FUZZ_SEED=n     another seed (default: a fixed one, so CI runs are reproducible)
 *   EGRESS_LENS_FUZZ_CASES=n    engine cases (default 20,000; the server gets one in 100)
 *   EGRESS_LENS_FUZZ_CASE=i     replay only case i of the seed (i,j,...: these cases in this order, as
 *                               the incremental workspace saw them)
 *   EGRESS_LENS_FUZZ_WORKERS=n  threads for the engine cases (default: cores, at most 2)
 *
 * A failure prints the seed, the case, the mutations and a replay command, and writes the input to
 * out/fuzz-failures/.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { LspClient } from '../support/lsp-client';
import { rng } from '../support/random';
import { repoRoot, tempCopy } from '../support/workspace';
import { failureReport, loadPool, runCases, type RunResult } from './fuzz-cases';
import type { WorkerTask } from './fuzz-worker';
import { mutate } from './mutate';

const SEED = Number(process.env.EGRESS_LENS_FUZZ_SEED ?? 20240917);
const CASES = Number(process.env.EGRESS_LENS_FUZZ_CASES ?? 20_000);
const LSP_CASES = Math.max(50, Math.round(CASES / 100));
const ONLY = process.env.EGRESS_LENS_FUZZ_CASE?.split(',').map(Number);
const WORKERS = Number(process.env.EGRESS_LENS_FUZZ_WORKERS ?? Math.max(1, Math.min(2, availableParallelism())));

/** Run the cases in worker threads, each taking every n-th case. */
function inWorkers(workers: number): Promise<RunResult[]> {
  return Promise.all(
    Array.from({ length: workers }, (_, worker) => {
      const task: WorkerTask = { seed: SEED, worker, workers, cases: CASES };
      return new Promise<RunResult>((resolve, reject) => {
        const w = new Worker(path.join(__dirname, 'fuzz-worker.js'), { workerData: task });
        w.once('message', (r: RunResult) => {
          resolve(r);
          void w.terminate();
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`fuzz worker ${worker} exited with code ${code} before reporting`)));
      });
    }),
  );
}

test(`fuzz: ${ONLY?.length ?? CASES} mutated manifests through the engine (seed ${SEED})`, async () => {
  const started = performance.now();
  let results: RunResult[];
  if (ONLY) {
    const pool = await loadPool();
    results = [runCases(SEED, ONLY, pool, (c, problems, previous) => failureReport(SEED, c, problems, previous), true)];
  } else results = await inWorkers(WORKERS);
  const seconds = (performance.now() - started) / 1000;
  const sum = (k: 'cases' | 'findings' | 'fixes') => results.reduce((n, r) => n + r[k], 0);
  const mutations = new Map<string, number>();
  for (const r of results) for (const [k, n] of Object.entries(r.mutations)) mutations.set(k, (mutations.get(k) ?? 0) + n);
  const failures = results.flatMap((r) => r.failures);
  console.log(
    `fuzz (engine): ${sum('cases')} cases in ${seconds.toFixed(1)} s on ${ONLY ? 1 : WORKERS} thread(s); ${sum('findings')} findings, ${sum('fixes')} fixes applied; ` +
      `mutations: ${[...mutations].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
  assert.deepEqual(failures, [], failures.join('\n\n'));
  assert.equal(sum('cases'), ONLY?.length ?? CASES, 'every case ran');
});

function rangeProblem(doc: TextDocument, d: Diagnostic | TextEdit, what: string): string | undefined {
  const { start, end } = d.range;
  const lines = doc.getText().split(/\r\n|\r|\n/);
  const inside = (p: { line: number; character: number }) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  if (!inside(start) || !inside(end)) return `${what}: range ${JSON.stringify(d.range)} outside the document (${lines.length} lines)`;
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) return `${what}: range ends before it starts`;
  return undefined;
}

test(`fuzz: ${LSP_CASES} mutated manifests through the language server process (seed ${SEED})`, async (t) => {
  if (ONLY !== undefined) return;
  const pool = await loadPool();
  const all = pool.small;
  const ws = tempCopy();
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''));
  const uri = ws.uri('fuzz.yaml');
  let version = 1;
  // A first text with a finding, so that every later version is published.
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text: 'a: [' } });
  const started = performance.now();
  const failures: string[] = [];
  const signatures = new Map<string, string>();
  let actions = 0;
  const send = async (text: string): Promise<{ doc: TextDocument; diagnostics: Diagnostic[]; fixAll: CodeAction[] }> => {
    version++;
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    // Answering a code action flushes the pending analysis: its diagnostics come first.
    const fixAll = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll.egressLens'] } });
    const published = client.latest(uri);
    assert.equal(published?.version, version, 'diagnostics of the version just sent were published before the code action answer');
    return { doc: TextDocument.create(uri, 'yaml', version, text), diagnostics: published!.diagnostics, fixAll };
  };
  for (let i = 0; i < LSP_CASES && failures.length < 5; i++) {
    const r = rng((SEED ^ 0x5bd1e995 ^ Math.imul(i, 0x9e3779b1)) >>> 0);
    const source = all[Math.floor(r() * all.length)];
    const { text, applied } = mutate(source.text, r);
    const problems: string[] = [];
    const { doc, diagnostics, fixAll } = await send(text);
    for (const d of diagnostics) {
      const p = rangeProblem(doc, d, `${d.code}`);
      if (p) problems.push(p);
    }
    // Same text again: same diagnostics.
    const key = JSON.stringify(diagnostics);
    if (signatures.has(text) && signatures.get(text) !== key) problems.push('not deterministic: the same text gave other diagnostics');
    signatures.set(text, key);
    let fixed: string | undefined;
    // One request for every diagnostic, as an editor asks for a whole selection.
    const ours = diagnostics.filter((x) => x.data);
    if (ours.length > 0) {
      const whole = { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
      const list = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: whole, context: { diagnostics: ours } });
      for (const a of [...list, ...fixAll]) {
        actions++;
        for (const change of a.edit?.documentChanges ?? []) {
          if (!('edits' in change)) continue;
          const edit = change as TextDocumentEdit;
          if (edit.textDocument.uri !== uri) continue;
          if (edit.textDocument.version !== version) problems.push(`"${a.title}" is tied to version ${edit.textDocument.version}, not ${version}`);
          const edits = edit.edits as TextEdit[];
          for (const e of edits) {
            const p = rangeProblem(doc, e, `"${a.title}" edit`);
            if (p) problems.push(p);
          }
          const sorted = edits.map((e) => [doc.offsetAt(e.range.start), doc.offsetAt(e.range.end)]).sort((x, y) => x[0] - y[0]);
          for (let k = 1; k < sorted.length; k++) if (sorted[k][0] < sorted[k - 1][1]) problems.push(`"${a.title}" has overlapping edits`);
          fixed ??= TextDocument.applyEdits(doc, edits);
        }
      }
    }
    // The first fix's result goes back to the server, which analyses it like any other text.
    if (fixed !== undefined) {
      const after = await send(fixed);
      for (const d of after.diagnostics) {
        const p = rangeProblem(after.doc, d, `after the fix: ${d.code}`);
        if (p) problems.push(p);
      }
    }
    if (problems.length > 0) {
      // The server's state depends on the cases before: the whole sequence is replayed by the seed.
      const saved = path.join(repoRoot, 'out/fuzz-failures', `lsp-${SEED}-${i}.yaml`);
      mkdirSync(path.dirname(saved), { recursive: true });
      writeFileSync(saved, text);
      failures.push([`LSP fuzz case ${i} of seed ${SEED} failed: ${source.name} after ${applied.join(', ')}`, ...problems.map((p) => `  - ${p}`), `  input: ${saved}`, `  replay: EGRESS_LENS_FUZZ_SEED=${SEED} node --test --test-name-pattern="language server" out/test/robust/fuzz.test.js`].join('\n'));
    }
  }
  assert.equal(client.process.exitCode, null, `the server is still running: ${client.stderr}`);
  console.log(`fuzz (server process): ${LSP_CASES} cases, ${actions} code actions checked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.deepEqual(failures, [], failures.join('\n\n'));
});
