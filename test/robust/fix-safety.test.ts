/**
 * The user's text is sacred. Every quick fix of every finding in every rule fixture (test/fixtures/rules)
 * is applied, and the result must:
 *   - parse (no new EL001) and pass the schema (no new EL002), new files included;
 *   - no longer have the finding;
 *   - be unchanged outside the fix's intended range: what changes lies inside the YAML documents the
 *     fix edits (or at their end, for a new document), and every comment in a changed region is kept;
 *   - be idempotent: the same fix is not offered again;
 *   - come out the same with CRLF line endings (and no LF slipped into a CRLF file).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isNode, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { analyze, readConfigFile, ruleById, type Analysis, type EngineConfig, type Finding, type Fix, type SourceFile, type TextEdit } from '../../server/src/engine';
import { readFixture, withObservedFlows } from '../support/fixture';
import { repoRoot } from '../support/workspace';
import { applyFix, fixesOf } from './fuzz-check';

const root = path.join(repoRoot, 'test/fixtures/rules');

function folderConfig(dir: string): Partial<EngineConfig> | undefined {
  const cfg = path.join(dir, '.egress-lens.yaml');
  return withObservedFlows(dir, existsSync(cfg) ? readConfigFile(cfg, readFileSync(cfg, 'utf8')).config : undefined) as Partial<EngineConfig> | undefined;
}

/** Comments of a YAML text (a `#` at a line start or after a blank, outside quotes), with their offsets. */
function comments(text: string): { start: number; text: string }[] {
  const out: { start: number; text: string }[] = [];
  const re = /(^|[ \t])(#[^\r\n]*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[1].length;
    const before = text.slice(text.lastIndexOf('\n', start) + 1, start);
    // Inside a quoted scalar on this line: not a comment.
    if ((before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) continue;
    out.push({ start, text: m[2].trimEnd() });
  }
  return out;
}

/** An edit shrunk to what it really changes: the common head and tail of old and new text taken off. */
function minimal(text: string, e: TextEdit): { start: number; end: number; newText: string } {
  const old = text.slice(e.start, e.end);
  let p = 0;
  while (p < old.length && p < e.newText.length && old[p] === e.newText[p]) p++;
  let q = 0;
  while (q < old.length - p && q < e.newText.length - p && old[old.length - 1 - q] === e.newText[e.newText.length - 1 - q]) q++;
  return { start: e.start + p, end: e.end - q, newText: e.newText.slice(p, e.newText.length - q) };
}

/** Where an offset of the text before the edits lands after them (undefined inside a changed region). */
function mapOffset(at: number, edits: readonly TextEdit[]): number | undefined {
  let shift = 0;
  for (const e of edits) {
    if (e.end <= at && !(e.start === e.end && e.start === at)) shift += e.newText.length - (e.end - e.start);
    else if (e.start < at && at < e.end) return undefined;
  }
  return at + shift;
}

/** The same finding after the edits: same rule, anchored at the same (moved) spot. Messages may change (rule numbers shift). */
function sameFinding(f: Finding, g: Finding, edits: readonly TextEdit[]): boolean {
  return f.ruleId === g.ruleId && mapOffset(f.span.start, edits) === g.span.start;
}

interface Checked {
  fixes: number;
  problems: string[];
}

/** Every fix of every finding of one text. */
function checkText(uri: string, text: string, config: Partial<EngineConfig> | undefined, where: string): Checked & { results: Map<string, string> } {
  const problems: string[] = [];
  const results = new Map<string, string>();
  const a = analyze([{ uri, text }], config);
  const file = a.files.find((f) => f.uri === uri)!;
  const before = (ids: string[], an: Analysis, u: string) => an.findings.filter((f) => f.uri === u && ids.includes(f.ruleId)).map((f) => f.message);
  let fixes = 0;
  for (const [k, finding] of a.findings.filter((f) => f.uri === uri).entries()) {
    const { fixes: list, error } = fixesOf(a, finding);
    if (error) problems.push(`${where}: ${error}`);
    for (const fix of list) {
      fixes++;
      const what = `${where}: ${finding.ruleId} "${fix.title}"`;
      const applied = applyFix(fix, new Map([[uri, text]]));
      if (applied.problems.length > 0) {
        problems.push(...applied.problems.map((p) => `${what}: ${p}`));
        continue;
      }
      const fixed = applied.after.get(uri)!;
      results.set(`${finding.ruleId} #${k} ${fix.title}`, fixed);
      problems.push(...intendedRange(text, fixed, fix, file.documents.map((d) => d.span), uri).map((p) => `${what}: ${p}`));
      const sources: SourceFile[] = [...applied.after].map(([u, t]) => ({ uri: u, text: t }));
      const again = analyze(sources, config);
      for (const [u] of applied.after) {
        const syntax = before(['EL001', 'EL002'], again, u).filter((m) => !(u === uri && before(['EL001', 'EL002'], a, uri).includes(m)));
        if (syntax.length > 0) problems.push(`${what}: ${u === uri ? 'the result' : `the new file ${u}`} does not parse or fails the schema: ${syntax.join('; ')}`);
      }
      const edits = fix.edits.filter((e) => e.uri === uri && !e.create).sort((x, y) => x.start - y.start);
      if (again.findings.some((g) => g.uri === uri && sameFinding(finding, g, edits))) problems.push(`${what}: the finding is still there`);
      // Idempotent: the fix makes no finding that offers it again (findings that were there before may).
      const fresh = again.findings.filter((g) => !a.findings.some((f) => f.uri === g.uri && (g.uri !== uri || sameFinding(f, g, edits))));
      if (fresh.some((g) => fixesOf(again, g).fixes.some((x) => x.title === fix.title))) problems.push(`${what}: not idempotent, the same fix is offered again`);
    }
  }
  return { fixes, problems, results };
}

/** Each node of a document with its path (keys and indices), in document order. */
function nodesWithPaths(doc: Document.Parsed): { path: (string | number)[]; node: YamlNode }[] {
  const out: { path: (string | number)[]; node: YamlNode }[] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    if (!isNode(node)) return;
    out.push({ path: at, node });
    if (isMap(node)) for (const pair of node.items) walk(pair.value, [...at, isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key)]);
    else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...at, i]));
  };
  walk(doc.contents, []);
  return out;
}

/**
 * Nodes inside a changed region that keep their path and value must keep their text: a fix changes what
 * it means to change and leaves the formatting of the rest as the user wrote it (no re-rendering).
 */
function reformatted(before: string, after: string, edits: readonly TextEdit[], regions: readonly { start: number; end: number }[]): string[] {
  const problems: string[] = [];
  const docsAfter = parseAllDocuments(after) as Document.Parsed[];
  for (const d of parseAllDocuments(before) as Document.Parsed[]) {
    const inDoc = regions.filter((r) => d.range[0] <= r.start && r.end <= d.range[2]);
    if (inDoc.length === 0) continue;
    const moved = docsAfter.find((x) => x.range[0] === mapOffset(d.range[0], edits));
    if (!moved) continue;
    for (const { path: at, node } of nodesWithPaths(d)) {
      const [s, e] = node.range ?? [0, 0];
      if (!inDoc.some((r) => r.start <= s && e <= r.end)) continue;
      const now = moved.getIn(at, true);
      if (!isNode(now) || !now.range || JSON.stringify(now.toJSON()) !== JSON.stringify(node.toJSON())) continue;
      const was = before.slice(s, e);
      const is = after.slice(now.range[0], now.range[1]);
      if (was !== is) problems.push(`reformats ${at.join('.')}: ${JSON.stringify(was.slice(0, 80))} became ${JSON.stringify(is.slice(0, 80))}`);
    }
  }
  return problems;
}

/**
 * The fix's intended range: each of its edits, shrunk to what it changes, stays inside one YAML document
 * (a new document goes at a document's end), keeps every comment it covers, and reformats nothing.
 */
function intendedRange(text: string, fixed: string, fix: Fix, documents: { start: number; end: number }[], uri: string): string[] {
  const problems: string[] = [];
  const edits = fix.edits.filter((x) => x.uri === uri && !x.create).sort((x, y) => x.start - y.start);
  problems.push(...reformatted(text, fixed, edits, edits.map((e) => minimal(text, e))));
  for (const e of edits) {
    const m = minimal(text, e);
    const inside = documents.some((d) => d.start <= m.start && m.end <= d.end);
    if (!inside) problems.push(`changes ${m.start}-${m.end}, across documents: ${JSON.stringify(text.slice(m.start, m.end).slice(0, 120))}`);
    const lost = comments(text).filter((c) => m.start <= c.start && c.start < m.end && !m.newText.includes(c.text));
    // A removed rule takes its own comment lines with it; anything else must keep them.
    const removal = m.newText.trim() === '';
    if (!removal && lost.length > 0) problems.push(`drops comments ${lost.map((c) => JSON.stringify(c.text)).join(', ')}`);
  }
  return problems;
}

/**
 * Known problems, each with why it is accepted for now. A problem listed here that no longer occurs
 * fails the test too, so the list only shrinks.
 */
const KNOWN: Record<string, string> = {};

function unexplained(problems: string[]): { left: string[]; stale: string[] } {
  const strip = (p: string) => p.replace(/^(LF|CRLF): /, '');
  const seen = new Set(problems.map(strip));
  return { left: problems.filter((p) => !(strip(p) in KNOWN)), stale: Object.keys(KNOWN).filter((k) => !seen.has(k)) };
}

const fixtures: { id: string; file: string; dir: string }[] = [];
for (const id of readdirSync(root).sort()) {
  if (ruleById.get(id)?.docs.input === 'config') continue;
  const dir = path.join(root, id);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.startsWith('.') && !n.endsWith('.after.yaml')).sort()) fixtures.push({ id, file: path.join(dir, name), dir });
}

test('every quick fix of every fixture: parses, passes the schema, removes its finding, stays in its range, keeps comments, is idempotent', () => {
  let total = 0;
  const problems: string[] = [];
  const byRule = new Map<string, number>();
  for (const fx of fixtures) {
    const text = readFixture(readFileSync(fx.file, 'utf8')).text;
    const uri = `file:///fixtures/${fx.id}/${path.basename(fx.file)}`;
    const out = checkText(uri, text, folderConfig(fx.dir), `${fx.id}/${path.basename(fx.file)}`);
    total += out.fixes;
    problems.push(...out.problems);
    for (const key of out.results.keys()) byRule.set(key.split(' ')[0], (byRule.get(key.split(' ')[0]) ?? 0) + 1);
  }
  console.log(`fix safety: ${total} fixes over ${fixtures.length} fixtures (${[...byRule].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  const { left, stale } = unexplained(problems);
  assert.deepEqual(left, []);
  assert.deepEqual(stale, [], 'known problems that no longer occur: remove them from KNOWN');
  // Every rule that has fixes had them exercised here.
  const withFixes = [...ruleById.values()].filter((r) => r.fixes).map((r) => r.id);
  assert.deepEqual(withFixes.filter((id) => !byRule.has(id)), [], 'rules whose fixes no fixture exercises');
});

test('every quick fix gives the same text with CRLF line endings, and writes no bare LF into a CRLF file', () => {
  const problems: string[] = [];
  let compared = 0;
  for (const fx of fixtures) {
    const lf = readFixture(readFileSync(fx.file, 'utf8')).text;
    if (lf.includes('\r')) continue;
    const uri = `file:///fixtures/${fx.id}/${path.basename(fx.file)}`;
    const config = folderConfig(fx.dir);
    const name = `${fx.id}/${path.basename(fx.file)}`;
    const plain = checkText(uri, lf, config, name).results;
    const crlf = checkText(uri, lf.replace(/\n/g, '\r\n'), config, name);
    problems.push(...crlf.problems.filter((p) => !(p.replace(/^CRLF: /, '') in KNOWN)));
    for (const [key, fixed] of crlf.results) {
      compared++;
      if (/(^|[^\r])\n/.test(fixed)) problems.push(`${name} ${key}: a bare LF in a CRLF file`);
      else if (plain.get(key) !== undefined && fixed.replace(/\r\n/g, '\n') !== plain.get(key)) problems.push(`${name} ${key}: differs from the LF result`);
    }
  }
  assert.ok(compared > 20, `${compared} fixes compared`);
  assert.deepEqual(problems, []);
});
