// npm run bench (P7) — cluster views: a generated repository of 50 Kustomize overlays over 10 shared bases
// (about 13,000 rendered documents), written to disk and analysed as the language server and the CLI do
// (ViewRenders: every view rendered by the engine, analysed on its render, findings merged at their sources).
//   open: every view rendered and analysed, findings merged; against the yaml package parsing the
//         repository's files, and parsing the 13,000 rendered documents
//   edit: a base file changed -> the views that read it rendered again and analysed, findings merged
//         (median, p95; the 5 overlays of that base are rendered again, the 45 others are kept)
//   kubectl kustomize on every view, in the same run (the real Kustomize, whole processes), as a ratio
// BENCH_EDITS sets the number of edits (default 40), BENCH_RUNS the opens (default 3). The first open is the one a
// person waits for (a new process: nothing compiled yet by the JIT, nothing written yet); the target is judged on it.
import { execFileSync, spawnSync } from 'node:child_process';
import { SERVER_NODE_FLAGS } from '../../server/src/lsp/runtime';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../../server/src/engine';
import { parseFile } from '../../server/src/engine/parse/parse';
import { viewsReport } from '../../server/src/engine/views';
import { ViewRenders } from '../../server/src/host/views';
import { findManifests } from '../../server/src/host/files';
import { kubectlPath } from '../support/kubectl';
import { generateWorkspace } from './generator';
import { fmt, summarize } from './stats';

const BASES = 10;
const OVERLAYS = 50;
const EDITS = Number(process.env.BENCH_EDITS ?? 40);
const OPENS = Math.max(2, Number(process.env.BENCH_RUNS ?? 3));
const progress = (s: string) => process.stderr.write(`[views bench] ${s}\n`);

function writeRepository(dir: string): void {
  for (let b = 0; b < BASES; b++) {
    const folder = path.join(dir, 'bases', `base-${b}`);
    mkdirSync(folder, { recursive: true });
    const files = generateWorkspace({ namespaces: 10, workloadsPerNamespace: 10, files: 4, probes: true, seed: 100 + b });
    const names = files.map((f) => path.basename(f.uri));
    files.forEach((f, i) => writeFileSync(path.join(folder, names[i]), f.text));
    writeFileSync(path.join(folder, 'kustomization.yaml'), `resources:\n${names.map((n) => `- ${n}`).join('\n')}\n`);
  }
  for (let o = 0; o < OVERLAYS; o++) {
    const folder = path.join(dir, 'overlays', `o-${String(o).padStart(2, '0')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'kustomization.yaml'),
      `resources:\n- ../../bases/base-${o % BASES}\ncommonLabels:\n  overlay: o-${o}\ncommonAnnotations:\n  owner: team-${o % 7}\npatches:\n- path: replicas.yaml\n`,
    );
    writeFileSync(path.join(folder, 'replicas.yaml'), `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-1\n  namespace: ns-000\nspec:\n  replicas: ${1 + (o % 4)}\n`);
  }
}

async function main(): Promise<void> {
  // The views are analysed in the language server's process: measured with its Node flags (this process
  // starts itself again with them when it was not).
  if (!SERVER_NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
    const r = spawnSync(process.execPath, [...process.execArgv, ...SERVER_NODE_FLAGS, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-views-bench-'));
  try {
    writeRepository(tmp);
    const paths = await findManifests(tmp);
    const texts = new Map(paths.map((p) => [pathToFileURL(p).toString(), readFileSync(p, 'utf8')]));
    const config = resolveConfig({ rootUri: pathToFileURL(tmp).toString() + '/' });
    // Parsed once; an edit parses only the edited file again (as the language server's workspace does).
    const parsed = new Map([...texts].map(([uri, text]) => [uri, parseFile({ uri, text }, config)]));
    const parsedFiles = () => [...parsed.values()];

    const parse = summarize(
      [0, 1, 2].map(() => {
        const t = performance.now();
        for (const text of texts.values()) parseAllDocuments(text);
        return performance.now() - t;
      }),
    ).median;

    // Open: the files parsed, every view rendered and analysed, findings merged (each run a new session).
    const opens: number[] = [];
    let report = viewsReport([], []);
    let renders = new ViewRenders();
    let views: Awaited<ReturnType<ViewRenders['analyze']>> = [];
    for (let i = 0; i < OPENS; i++) {
      renders = new ViewRenders();
      const t = performance.now();
      views = await renders.analyze([...texts].map(([uri, text]) => parseFile({ uri, text }, config)), config, { trusted: false });
      report = viewsReport(views, []);
      void report.findings.length;
      opens.push(performance.now() - t);
      progress(`open ${i + 1}: ${fmt(opens[i])}`);
    }
    const open = opens[0];
    const again = summarize(opens.slice(1)).median;
    const renderedTexts = views.flatMap((v) => [...v.renderedUris.values()].map((r) => r.tracer.text));
    const renderedDocs = views.reduce((n, v) => n + v.analysis.files.reduce((m, f) => m + f.documents.length, 0), 0);
    const parseRendered = summarize(
      [0, 1, 2].map(() => {
        const t = performance.now();
        for (const text of renderedTexts) parseAllDocuments(text);
        return performance.now() - t;
      }),
    ).median;

    // Edits to one base file: its 5 overlays are rendered again.
    const baseFile = paths.find((p) => p.includes(`${path.sep}base-3${path.sep}`) && !p.endsWith('kustomization.yaml'))!;
    const baseUri = pathToFileURL(baseFile).toString();
    const original = texts.get(baseUri)!;
    const editTimes: number[] = [];
    let rerendered = 0;
    for (let i = 0; i < EDITS; i++) {
      const text = original.replace(/replicas: \d+/, `replicas: ${(i % 9) + 1}`);
      writeFileSync(baseFile, text);
      texts.set(baseUri, text);
      const t = performance.now();
      parsed.set(baseUri, parseFile({ uri: baseUri, text }, config, parsed.get(baseUri)));
      renders.invalidate([baseUri]);
      const files = parsedFiles();
      views = await renders.analyze(files, config, { trusted: false });
      report = viewsReport(views, []);
      void report.findings.length;
      editTimes.push(performance.now() - t);
      rerendered = renders.rendersDone;
      progress(`edit ${i + 1}: ${fmt(editTimes[i])} (${renders.rendersDone} views re-rendered)`);
    }
    const edit = summarize(editTimes);

    // The real Kustomize on every view, whole processes, in this run.
    const kubectl = kubectlPath();
    let kubectlMs: number | undefined;
    if (kubectl) {
      const t = performance.now();
      for (let o = 0; o < OVERLAYS; o++) execFileSync(kubectl, ['kustomize', path.join(tmp, 'overlays', `o-${String(o).padStart(2, '0')}`)], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
      kubectlMs = performance.now() - t;
      progress(`kubectl kustomize on ${OVERLAYS} views: ${fmt(kubectlMs)}`);
    }

    const ok = (pass: boolean) => (pass ? 'met' : '**not met**');
    console.log(`views: ${BASES} bases, ${OVERLAYS} overlays; ${paths.length} files (${[...texts.values()].reduce((n, t) => n + t.length, 0)} characters); ${views.length} views, ${renderedDocs} rendered documents, ${report.findings.length} findings after merging`);
    console.log('');
    console.log('| # | what | target | Egress Lens | kubectl kustomize | ratio | |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| P7 | open: render + analyse every view, merge (the first open) | ≤ 1.5 × parse of its files = ${fmt(1.5 * parse)} | ${fmt(open)} (${(open / parse).toFixed(1)}× parse of the files, ${(open / parseRendered).toFixed(2)}× parse of the ${renderedDocs} rendered documents) | ${kubectlMs !== undefined ? fmt(kubectlMs) : 'n/a'} (render only, ${OVERLAYS} processes) | ${kubectlMs !== undefined ? `${(open / kubectlMs).toFixed(2)}×` : ''} | ${ok(open <= 1.5 * parse)} |`);
    console.log(`| P7 | open again in the same process, median | | ${fmt(again)} (${(again / parse).toFixed(1)}× parse of the files) | | | |`);
    console.log(`| P7 | edit a base → its views re-rendered, analysed, merged, median | | ${fmt(edit.median)} (${rerendered} of ${views.length} views re-rendered) | | | |`);
    console.log(`| P7 | edit a base → …, p95 | ≤ 100 ms | ${fmt(edit.p95)} | | | ${ok(edit.p95 <= 100)} |`);
    console.log('');
    console.log(`parse of the files ${fmt(parse)}; parse of the rendered texts ${fmt(parseRendered)}; open runs ${opens.map(fmt).join(', ')}; edits min ${fmt(edit.min)} max ${fmt(edit.max)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
