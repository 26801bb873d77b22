// Conformance: our `reach` against np-guard/netpol-analyzer's expected connlists (corpus/netpol-analyzer).
// Every plain connectivity case (no focus workload, exposure, explain or multiple networks; with or without a focus connection) in txt, json, csv, md
// and dot is compared byte for byte. Prints a table of skipped cases with their reason and
// "N passed, N failed"; exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, focusOn, formatConnlist, type ConnlistFormat, type SourceFile } from '../../server/src/engine';
import { findManifests, pathToUri } from '../../server/src/host/files';
import { firstDifference, focusConnOf, INGRESS_KINDS, MULTI_NETWORK_KINDS, readCsv, report, requireCorpus, type Outcome } from './corpus';

async function loadDir(dir: string): Promise<SourceFile[]> {
  const files = await findManifests(dir);
  return files.map((f) => ({ uri: pathToUri(f), text: readFileSync(f, 'utf8') }));
}

/** The expected output without the {ingress-controller} pseudo-peer, in the case's format. */
function withoutIngressController(text: string, format: ConnlistFormat): string {
  if (format === 'json') {
    const rows = (JSON.parse(text) as { src: string; dst: string; conn: string }[]).filter((r) => r.src !== '{ingress-controller}');
    return rows.length === 0 ? '[]' : `[\n${rows.map((r) => `  {\n    "src": ${JSON.stringify(r.src)},\n    "dst": ${JSON.stringify(r.dst)},\n    "conn": ${JSON.stringify(r.conn)}\n  }`).join(',\n')}\n]`;
  }
  return text
    .split('\n')
    .filter((l) => !l.includes('{ingress-controller}'))
    .join('\n');
}

async function main(): Promise<number> {
  const corpus = requireCorpus();
  const base = path.join(corpus, 'netpol-analyzer');
  const cases = readCsv(path.join(base, 'CASES.csv')).filter(
    (r) =>
      r.kind === 'connlist' &&
      ['txt', 'json', 'csv', 'md', 'dot'].includes(r.format) &&
      !r.focusworkload &&
      !r.focusworkload_peer &&
      !r.focus_direction &&
      r.exposure === 'False' &&
      r.explain === 'False' &&
      r.multiple_networks === 'False',
  );
  const outputs = new Map<string, { workloads: Parameters<typeof formatConnlist>[2]; conns: Parameters<typeof formatConnlist>[0]; text: string }>();
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
    let input = outputs.get(inputDir);
    if (!input) {
      const sources = await loadDir(inputDir);
      const text = sources.map((s) => s.text).join('\n');
      const a = analyze(sources);
      input = { workloads: a.reach.workloads, conns: a.reach.connections(), text };
      outputs.set(inputDir, input);
    }
    const format = c.format as ConnlistFormat;
    const focusConn = c.focus_conn ? focusConnOf(c.focus_conn) : undefined;
    const actual = formatConnlist(focusConn ? focusOn(input.conns, focusConn) : input.conns, format, input.workloads, focusConn);
    let expected = readFileSync(expectedFile, 'utf8');
    if (MULTI_NETWORK_KINDS.test(input.text)) {
      results.push({ id, status: 'skip', reason: 'multiple networks (UDN/NAD): unsupported input kinds' });
      continue;
    }
    const ingress = INGRESS_KINDS.test(input.text) && expected.includes('{ingress-controller}');
    if (ingress) expected = withoutIngressController(expected, format);
    if (actual === expected) {
      results.push(
        ingress
          ? { id, status: 'skip', reason: 'Ingress/Route analysis ({ingress-controller} pseudo-peer): unsupported input kinds; every other line matches' }
          : { id, status: 'pass' },
      );
    } else results.push({ id, status: 'fail', diff: firstDifference(expected, actual) });
  }
  const ms = performance.now() - t0;

  return report(results, { title: 'netpol-analyzer conformance', what: 'plain connectivity cases (txt, json, csv, md, dot)', ms, artifact: 'conformance.md', label: 'conformance' });
}

void main().then((code) => process.exit(code));
