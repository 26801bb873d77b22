// Conformance: our connectivity diff against np-guard/netpol-analyzer's expected `diff` outputs
// (corpus/netpol-analyzer, CASES.csv rows of kind diff) in txt, csv, md and dot, byte for byte. Prints a
// table of skipped cases with their reason and "N passed, N failed"; exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, diffAnalyses, formatConnlistDiff, type Analysis, type ConnlistDiffFormat, type SourceFile } from '../../server/src/engine';
import { findManifests, pathToUri } from '../../server/src/host/files';
import { firstDifference, INGRESS_KINDS, MULTI_NETWORK_KINDS, readCsv, report, requireCorpus, type Outcome } from './corpus';

async function loadDir(dir: string): Promise<{ sources: SourceFile[]; text: string }> {
  const files = await findManifests(dir);
  const sources = files.map((f) => ({ uri: pathToUri(f), text: readFileSync(f, 'utf8') }));
  return { sources, text: sources.map((s) => s.text).join('\n') };
}

/**
 * The expected output without the rows and nodes of the {ingress-controller} pseudo-peer; nothing at all when
 * only those rows differed (netpol-analyzer prints nothing for an empty diff).
 */
function withoutIngressController(text: string): string {
  const lines = text.split('\n').filter((l) => !l.includes('{ingress-controller}'));
  const rows = lines.filter((l) => /^(diff-type: |(changed|added|removed),|\| (changed|added|removed) \|)/.test(l) || / -> "/.test(l) && !/color="grey"/.test(l));
  return rows.length === 0 ? '' : lines.join('\n');
}

async function main(): Promise<number> {
  const base = path.join(requireCorpus(), 'netpol-analyzer');
  const cases: Record<string, string>[] = readCsv(path.join(base, 'CASES.csv')).filter((r) => r.kind === 'diff');
  // The states named by the caller (upstream's TestOutputWithArgNamesOption: "old" and "new"), not in CASES.csv.
  for (const format of ['txt', 'csv', 'md', 'dot']) {
    cases.push({
      expected_output: `test_outputs/diff/TsetOutputWithArgNamesOption_diff_between_onlineboutique_workloads_changed_netpols_and_onlineboutique_workloads.${format}`,
      input_dir: 'tests/onlineboutique_workloads',
      input_dir2: 'tests/onlineboutique_workloads_changed_netpols',
      format,
      names: 'old,new',
    });
  }
  const analyses = new Map<string, { analysis: Analysis; text: string }>();
  const load = async (dir: string) => {
    let hit = analyses.get(dir);
    if (!hit) {
      const { sources, text } = await loadDir(dir);
      analyses.set(dir, (hit = { analysis: analyze(sources), text }));
    }
    return hit;
  };
  const results: Outcome[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    const id = path.basename(c.expected_output);
    const expectedFile = path.join(base, c.expected_output);
    const dir1 = path.join(base, c.input_dir);
    const dir2 = path.join(base, c.input_dir2);
    if (!existsSync(expectedFile) || !existsSync(dir1) || !existsSync(dir2)) {
      results.push({ id, status: 'skip', reason: 'expected output or inputs not in this copy of the corpus' });
      continue;
    }
    const ref1 = await load(dir1);
    const ref2 = await load(dir2);
    if (MULTI_NETWORK_KINDS.test(ref1.text) || MULTI_NETWORK_KINDS.test(ref2.text)) {
      results.push({ id, status: 'skip', reason: 'multiple networks (UDN/NAD): unsupported input kinds' });
      continue;
    }
    const [n1, n2] = (c.names ?? 'ref1,ref2').split(',');
    const actual = formatConnlistDiff(diffAnalyses(ref1.analysis, ref2.analysis, { explain: false }), c.format as ConnlistDiffFormat, { ref1: n1, ref2: n2 });
    let expected = readFileSync(expectedFile, 'utf8');
    const ingress = (INGRESS_KINDS.test(ref1.text) || INGRESS_KINDS.test(ref2.text)) && expected.includes('{ingress-controller}');
    if (ingress) expected = withoutIngressController(expected);
    if (actual !== expected) results.push({ id, status: 'fail', diff: firstDifference(expected, actual) });
    else if (ingress) results.push({ id, status: 'skip', reason: 'Ingress/Route analysis ({ingress-controller} pseudo-peer): unsupported input kinds; every other line matches' });
    else results.push({ id, status: 'pass' });
  }
  const ms = performance.now() - t0;
  return report(results, { title: 'netpol-analyzer diff conformance', what: 'diff cases (txt, csv, md, dot: the 92 rows of kind diff, and 4 with the states named old and new)', ms, artifact: 'conformance-diff.md', label: 'diff conformance' });
}

void main().then((code) => process.exit(code));
