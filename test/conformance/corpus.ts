import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';
import { ConnectionSet, PortSet, type Protocol } from '../../server/src/engine';

/**
 * Test data from other projects, vendored in the repository (test/data/corpus, each source with its
 * LICENSE and SOURCE.md), trimmed to what the tests read.
 */
export const corpusDir = path.join(repoRoot, 'test/data/corpus');

export function requireCorpus(): string {
  if (!existsSync(corpusDir)) {
    console.error(`the vendored corpus is missing: ${corpusDir}`);
    process.exit(2);
  }
  return corpusDir;
}

/** RFC 4180 CSV (quoted fields, doubled quotes) into objects keyed by the header. */
export function readCsv(file: string): Record<string, string>[] {
  const text = readFileSync(file, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** Input kinds the engine does not analyse: multiple networks, and Ingress / OpenShift Route. */
export const MULTI_NETWORK_KINDS = /^\s*"?kind"?:\s*"?(UserDefinedNetwork|ClusterUserDefinedNetwork|NetworkAttachmentDefinition|MultiNetworkPolicy)"?,?\s*$/m;
export const INGRESS_KINDS = /^\s*"?kind"?:\s*"?(Route|Ingress)"?,?\s*$/m;

/** netpol-analyzer's `--focus-conn`: `tcp-8080`. */
export function focusConnOf(spec: string): ConnectionSet {
  const [proto, port] = spec.split('-');
  return ConnectionSet.of(proto.toUpperCase() as Protocol, PortSet.port(Number(port)));
}

/** One expected output compared. */
export interface Outcome {
  id: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
  diff?: string;
}

export function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}:\n    expected: ${e[i] ?? '<none>'}\n    actual:   ${a[i] ?? '<none>'}`;
  }
  return '(identical)';
}

/**
 * Prints the failures and the report (counts, and every skipped case with its reason), writes the report to
 * test/artifacts/<artifact>, ends with "<label>: N passed, N failed"; returns the exit code.
 */
export function report(results: Outcome[], o: { title: string; what: string; ms: number; artifact: string; label: string }): number {
  const passed = results.filter((r) => r.status === 'pass');
  const failed = results.filter((r) => r.status === 'fail');
  const skipped = results.filter((r) => r.status === 'skip');
  for (const f of failed) console.log(`FAIL ${f.id}\n  ${f.diff}`);
  const text = [
    `# ${o.title}`,
    '',
    `${results.length} ${o.what} from corpus/netpol-analyzer/CASES.csv: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped, in ${o.ms.toFixed(0)} ms.`,
    '',
    '| skipped case | reason |',
    '|---|---|',
    ...skipped.map((s) => `| ${s.id} | ${s.reason} |`),
    '',
  ].join('\n');
  console.log('\n' + text);
  mkdirSync(path.join(repoRoot, 'test/artifacts'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test/artifacts', o.artifact), text);
  console.log(`${o.label}: ${passed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}
