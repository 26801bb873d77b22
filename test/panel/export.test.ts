/**
 * The panel's text exports (client/webview/export.ts): what is shown, each value escaped for its
 * format. Names come from YAML and can hold anything: markup, quotes, separators, line breaks.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';
import { csvField, dotString, escapeHtml, escapeMarkdown, toCsv, toDot, toJson, toMarkdown } from '../../client/webview/export';
import { applyFilters } from '../../client/webview/model';
import { readCsv } from '../conformance/corpus';
import { repoRoot } from '../support/workspace';
import { INTERNET, LEDGER, node, reach, shopAndPayments, WEB } from './fixture';

const data = shopAndPayments();
const all = applyFilters(data, DEFAULT_FILTERS);

/** Workloads whose names are hostile in every format at once. */
const NASTY = ['<img src=x onerror=alert(1)>', '</script>', 'a|b*c_[d](e)', 'x,"y"', '=HYPERLINK("http://x")', 'multi\nline', 'back\\slash "q" {}'];
const nasty = reach(
  [...NASTY.map((name, i) => node(`ns${i}/${name}[Deployment]`, { open: i === 0 })), node(INTERNET)],
  NASTY.map((name, i) => `ns${i}/${name}[Deployment] -> ${INTERNET}: ${i === 0 ? 'all unrestricted' : 'TCP 443 allowed'}`),
);
const nastyAll = applyFilters(nasty, DEFAULT_FILTERS);

/** The rows of a CSV text, read back by the conformance runner's RFC 4180 reader. */
function parseCsv(text: string): string[][] {
  assert.match(text, /\r\n$/, 'lines end with CRLF');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-csv-'));
  try {
    writeFileSync(path.join(dir, 'x.csv'), text);
    const rows = readCsv(path.join(dir, 'x.csv'));
    return [Object.keys(rows[0] ?? {}), ...rows.map((r) => Object.values(r))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A DOT double-quoted string's value. */
function readDotString(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

test('panel export: CSV of the shown edges', () => {
  const rows = parseCsv(toCsv(data, all));
  assert.deepEqual(rows[0], ['source', 'destination', 'connections', 'verdict']);
  assert.equal(rows.length - 1, all.edges.length);
  assert.ok(rows.some((r) => r.join('|') === `${WEB}|internet|All Connections|unrestricted`));
  assert.ok(rows.some((r) => r.join('|') === `${LEDGER}|internet|TCP 53,UDP 53|allowed`), 'a comma inside a field is quoted');
  const filtered = parseCsv(toCsv(data, applyFilters(data, { ...DEFAULT_FILTERS, onlyUnrestricted: true })));
  assert.deepEqual(filtered.slice(1).map((r) => r[3]), ['unrestricted', 'unrestricted', 'unrestricted'], 'only what the filters show');
});

test('panel export: CSV escaping reads back, and formulas are defused', () => {
  const rows = parseCsv(toCsv(nasty, nastyAll)).slice(1);
  const sources = rows.map((r) => r[0]);
  for (const [i, name] of NASTY.entries()) {
    const id = `ns${i}/${name}[Deployment]`;
    assert.ok(sources.includes(id), `${JSON.stringify(id)} reads back`);
  }
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('-2'), "'-2");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('plain'), 'plain');
});

test('panel export: Markdown table cells hold no markup, no column or line breaks', () => {
  const md = toMarkdown(nasty, nastyAll);
  const lines = md.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2), ['| Source | Destination | Connections | Verdict |', '|---|---|---|---|']);
  assert.equal(lines.length, 2 + NASTY.length, 'one line per edge: the line break in a name does not break the row');
  for (const line of lines.slice(2)) assert.equal(line.split(/(?<!\\)\|/).length, 6, `four cells: ${line}`);
  assert.doesNotMatch(md, /<img|<\/script/, 'no raw markup');
  assert.match(md, /&lt;img src=x onerror=alert\\\(1\\\)&gt;/);
  assert.match(md, /a\\\|b\\\*c\\_\\\[d\\\]\\\(e\\\)/);
  assert.match(md, /\| unrestricted \(no egress policy\) \|$/m);
  assert.equal(escapeMarkdown('a\r\nb'), 'a b');
  assert.equal(toMarkdown(data, all).split('\n').filter((l) => l.startsWith(`| ${escapeMarkdown(WEB)} |`)).length, 3, 'web reaches three');
});

test('panel export: DOT quotes every name and colours the verdicts', () => {
  const dot = toDot(nasty, nastyAll);
  assert.match(dot, /^digraph reachability \{\n/);
  assert.match(dot, /\}\n$/);
  // Every quoted string ends where it should: reading each back gives a name of the data.
  const strings = [...dot.matchAll(/"(?:[^"\\]|\\.)*"/g)].map((m) => readDotString(m[0]));
  for (const [i, name] of NASTY.entries()) assert.ok(strings.includes(`ns${i}/${name}[Deployment]`), `${JSON.stringify(name)} reads back`);
  for (const line of dot.split('\n')) assert.equal(line.replace(/"(?:[^"\\]|\\.)*"/g, '').includes('"'), false, `balanced quotes: ${line}`);
  assert.equal(dotString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');

  const plain = toDot(data, all);
  assert.equal((plain.match(/subgraph cluster_/g) ?? []).length, 3, 'payments, shop, outside the cluster');
  assert.match(plain, /label="outside the cluster"/);
  assert.match(plain, new RegExp(`"${WEB.replace(/[[\]]/g, '\\$&')}" -> "internet" \\[label="All Connections", color="#e51400", style=bold\\]`));
  assert.match(plain, /"payments\/ledger\[Deployment\]" -> "internet" \[label="TCP 53,UDP 53", color="#388a34"\]/);
  assert.match(plain, /"shop\/web\[Deployment\]" \[label="web", color="#e51400"\]/, 'the unrestricted workload stands out');
});

test('panel export: JSON holds the shown nodes and edges, the filters and the focus', () => {
  const filters = { ...DEFAULT_FILTERS, namespace: 'payments' };
  const out = JSON.parse(toJson(data, applyFilters(data, filters), filters, LEDGER)) as { focus: string; filters: unknown; nodes: { id: string }[]; edges: { src: string; dst: string; conns: string; verdict: string }[] };
  assert.equal(out.focus, LEDGER);
  assert.deepEqual(out.filters, filters);
  assert.deepEqual(out.edges, [
    { src: LEDGER, dst: 'payments/postgres[StatefulSet]', conns: 'TCP 5432', verdict: 'allowed' },
    { src: LEDGER, dst: 'internet', conns: 'TCP 53,UDP 53', verdict: 'allowed' },
  ]);
  assert.deepEqual(out.nodes.map((n) => n.id), [LEDGER, 'payments/postgres[StatefulSet]', 'internet']);
  const hostile = JSON.parse(toJson(nasty, nastyAll, DEFAULT_FILTERS)) as { nodes: { label: string }[] };
  assert.deepEqual(hostile.nodes.map((n) => n.label).slice(0, NASTY.length).sort(), [...NASTY].sort(), 'names read back exactly');
});

test('panel export: HTML escaping', () => {
  assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
});

test('panel: the webview code never parses strings as HTML', () => {
  const dir = path.join(repoRoot, 'client/webview');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const src = readFileSync(path.join(dir, f), 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'createContextualFragment', 'DOMParser', 'srcdoc', 'eval(', 'new Function']) {
      assert.ok(!src.includes(sink), `${f} uses ${sink}`);
    }
  }
});
