// Conformance: `reach --exposure` against np-guard/netpol-analyzer's expected exposure outputs
// (corpus/netpol-analyzer, CASES.csv rows with exposure=True), byte for byte in txt, json, csv, md and dot,
// with and without a focus workload, direction and connection. Prints a table of skipped cases with their reason and
// "N passed, N failed"; exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, exposureAnalysis, formatExposure, type ConnlistFormat, type SourceFile } from '../../server/src/engine';
import { findManifests, pathToUri } from '../../server/src/host/files';
import type { Workload } from '../../server/src/engine/model/workloads';
import { firstDifference, focusConnOf, INGRESS_KINDS, MULTI_NETWORK_KINDS, readCsv, report, requireCorpus, type Outcome } from './corpus';

async function loadDir(dir: string): Promise<SourceFile[]> {
  const files = await findManifests(dir);
  return files.map((f) => ({ uri: pathToUri(f), text: readFileSync(f, 'utf8') }));
}

/** netpol-analyzer's focus workload: `name` or `ns/name`, several joined by commas. */
function focusOf(spec: string): ((w: Workload) => boolean) | undefined {
  if (!spec) return undefined;
  const names = spec.split(',').map((s) => s.trim());
  return (w) => names.some((n) => n === w.name || n === `${w.namespace}/${w.name}`);
}

async function main(): Promise<number> {
  const base = path.join(requireCorpus(), 'netpol-analyzer');
  const cases = readCsv(path.join(base, 'CASES.csv')).filter((r) => r.kind === 'connlist' && r.exposure === 'True');
  const inputs = new Map<string, { sources: SourceFile[]; text: string }>();
  const results: Outcome[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    const id = path.basename(c.expected_output);
    const expectedFile = path.join(base, c.expected_output);
    const inputDir = path.join(base, c.input_dir);
    if (!existsSync(expectedFile) || !existsSync(inputDir)) {
      results.push({ id, status: 'skip', reason: 'expected output or input not in this copy of the corpus' });
      continue;
    }
    if (c.explain === 'True') {
      results.push({ id, status: 'skip', reason: "explain with exposure: netpol-analyzer's explanation text; `egress-lens explain` has its own output" });
      continue;
    }
    if (c.focusworkload_peer) {
      results.push({ id, status: 'skip', reason: 'focus workload peer: not an option of reach' });
      continue;
    }
    let input = inputs.get(inputDir);
    if (!input) {
      const sources = await loadDir(inputDir);
      input = { sources, text: sources.map((s) => s.text).join('\n') };
      inputs.set(inputDir, input);
    }
    if (MULTI_NETWORK_KINDS.test(input.text) || c.multiple_networks === 'True') {
      results.push({ id, status: 'skip', reason: 'multiple networks (UDN/NAD): unsupported input kinds' });
      continue;
    }
    const expected = readFileSync(expectedFile, 'utf8');
    if (INGRESS_KINDS.test(input.text) && expected.includes('{ingress-controller}')) {
      results.push({ id, status: 'skip', reason: 'Ingress/Route analysis ({ingress-controller} pseudo-peer): unsupported input kinds' });
      continue;
    }
    const a = analyze(input.sources);
    const focus = focusOf(c.focusworkload);
    const direction = c.focus_direction === 'egress' || c.focus_direction === 'ingress' ? c.focus_direction : undefined;
    const x = exposureAnalysis(a.model, a.reach, { focus, direction, ...(c.focus_conn ? { focusConn: focusConnOf(c.focus_conn) } : {}) });
    const workloads = focus ? a.reach.workloads.filter((w) => focus(w) || x.connections.some((k) => (k.src.kind === 'workload' && k.src.workload === w) || (k.dst.kind === 'workload' && k.dst.workload === w))) : a.reach.workloads;
    const actual = formatExposure(x, c.format as ConnlistFormat, workloads);
    if (actual === expected) results.push({ id, status: 'pass' });
    else results.push({ id, status: 'fail', diff: firstDifference(expected, actual) });
  }
  const ms = performance.now() - t0;
  return report(results, { title: 'netpol-analyzer exposure conformance', what: 'exposure cases (txt, json, csv, md, dot)', ms, artifact: 'conformance-exposure.md', label: 'exposure conformance' });
}

void main().then((code) => process.exit(code));
