// Conformance: our `reach` against np-guard/netpol-analyzer's expected connlists (corpus/netpol-analyzer).
// Every plain connectivity case (no focus, exposure, explain or multiple networks) in txt, json, csv, md
// and dot is compared byte for byte. Prints a table of skipped cases with their reason and
// "N passed, N failed"; exits 1 on any failure.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, formatConnlist, type ConnlistFormat, type SourceFile } from '../../server/src/engine';
import { findManifests, pathToUri } from '../../server/src/host/files';
import { readCsv, requireCorpus } from './corpus';
import { repoRoot } from '../support/workspace';

interface Outcome {
  id: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
  diff?: string;
}

const MULTI_NETWORK_KINDS = /^kind:\s*(UserDefinedNetwork|ClusterUserDefinedNetwork|NetworkAttachmentDefinition|MultiNetworkPolicy)\s*$/m;
const INGRESS_KINDS = /^\s*"?kind"?:\s*"?(Route|Ingress)"?,?\s*$/m;

async function loadDir(dir: string): Promise<SourceFile[]> {
  const files = await findManifests(dir);
  return files.map((f) => ({ uri: pathToUri(f), text: readFileSync(f, 'utf8') }));
}

function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}:\n    expected: ${e[i] ?? '<none>'}\n    actual:   ${a[i] ?? '<none>'}`;
  }
  return '(identical)';
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
      !r.focus_conn &&
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
    const actual = formatConnlist(input.conns, format, input.workloads);
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

  const passed = results.filter((r) => r.status === 'pass');
  const failed = results.filter((r) => r.status === 'fail');
  const skipped = results.filter((r) => r.status === 'skip');
  for (const f of failed) console.log(`FAIL ${f.id}\n  ${f.diff}`);
  const report = [
    `# netpol-analyzer conformance`,
    '',
    `${cases.length} plain connectivity cases (txt, json, csv, md, dot) from corpus/netpol-analyzer/CASES.csv: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped, in ${ms.toFixed(0)} ms.`,
    '',
    '| skipped case | reason |',
    '|---|---|',
    ...skipped.map((s) => `| ${s.id} | ${s.reason} |`),
    '',
  ].join('\n');
  console.log('\n' + report);
  mkdirSync(path.join(repoRoot, 'test/artifacts'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test/artifacts/conformance.md'), report);
  console.log(`conformance: ${passed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

void main().then((code) => process.exit(code));
