/**
 * `egress-lens check --format sarif`: the analysis as a SARIF 2.1.0 log, for GitHub code scanning
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
 *
 * Pure apart from paths: artifact URIs are relative to the working directory (`%SRCROOT%`), lines
 * and columns are 1-based UTF-16 code units, and a region's endColumn is exclusive.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LineIndex, opensAndCloses, pathKind, ruleDocMarkdown, ruleDocText, rules, type Analysis, type ConnectivityDiff, type Finding, type Rule, type Severity, type Span } from '../engine';
import type { Report } from '../engine/views';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

export interface SarifPhysicalLocation {
  artifactLocation: SarifArtifactLocation;
  region: SarifRegion;
}

export interface SarifLocation {
  id?: number;
  message?: { text: string };
  physicalLocation: SarifPhysicalLocation;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

export interface SarifFix {
  description: { text: string };
  artifactChanges: {
    artifactLocation: SarifArtifactLocation;
    replacements: { deletedRegion: SarifRegion; insertedContent: { text: string } }[];
  }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: { primaryLocationLineHash: string; [key: string]: string };
  fixes?: SarifFix[];
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; rules: SarifReportingDescriptor[] } };
  originalUriBaseIds: Record<string, { uri: string }>;
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export function sarifLevel(s: Severity): SarifLevel {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

function descriptor(rule: Rule, docsDir: string): SarifReportingDescriptor {
  const d = rule.docs;
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: d.summary },
    fullDescription: { text: `${d.summary} ${d.why}` },
    help: { text: ruleDocText(rule), markdown: ruleDocMarkdown(rule) },
    helpUri: pathToFileURL(path.join(docsDir, `${rule.id}.md`)).href,
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: { tags: ['kubernetes', 'egress', 'security'] },
  };
}

/**
 * `file.uri` as SARIF sees it: relative to `%SRCROOT%` (the working directory) with forward slashes and
 * each segment percent-encoded; files outside the working directory keep their absolute file URI.
 */
function artifactLocation(uri: string, cwd: string): { location: SarifArtifactLocation; relative: string } {
  let abs: string | undefined;
  try {
    abs = uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    abs = undefined;
  }
  if (abs === undefined) return { location: { uri }, relative: uri };
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return { location: { uri: pathToFileURL(abs).href }, relative: abs.split(path.sep).join('/') };
  }
  const parts = rel.split(path.sep);
  return { location: { uri: parts.map(encodeURIComponent).join('/'), uriBaseId: SRCROOT }, relative: parts.join('/') };
}

function region(li: LineIndex, span: Span): SarifRegion {
  const start = li.position(span.start);
  const end = li.position(Math.max(span.start, span.end));
  return { startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
}

function lineText(text: string, li: LineIndex, offset: number): string {
  const { line } = li.position(offset);
  const end = line + 1 < li.lineCount ? li.lineStart(line + 1) : text.length;
  return text.slice(li.lineStart(line), end).trim();
}

/**
 * The analysis as a SARIF 2.1.0 log with one run: every rule of the catalogue, one result per finding,
 * and SARIF fixes for safe fixes only (unsafe ones need a person's judgement, as in fix-all).
 * `docsDir` is where the rule pages ship: `<package>/docs/rules`, next to the bundle's folder.
 */
export function toSarif(a: Report, cwd: string, version: string, docsDir = path.join(__dirname, '..', 'docs', 'rules')): SarifLog {
  const texts = new Map(a.files.map((f) => [f.uri, f.text]));
  const indexes = new Map<string, LineIndex>();
  const indexOf = (uri: string): LineIndex => {
    let li = indexes.get(uri);
    if (!li) indexes.set(uri, (li = new LineIndex(texts.get(uri) ?? '')));
    return li;
  };
  const physical = (uri: string, span: Span): SarifPhysicalLocation => ({ artifactLocation: artifactLocation(uri, cwd).location, region: region(indexOf(uri), span) });
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const seen = new Map<string, number>();

  const results = a.findings.map((f: Finding): SarifResult => {
    const { relative } = artifactLocation(f.uri, cwd);
    const hash = createHash('sha256')
      .update(`${f.ruleId}\0${relative}\0${lineText(texts.get(f.uri) ?? '', indexOf(f.uri), f.span.start)}`)
      .digest('hex')
      .slice(0, 16);
    // Identical lines in one file: GitHub's own fingerprints count occurrences the same way.
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    const result: SarifResult = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: sarifLevel(f.severity),
      message: { text: f.message },
      locations: [{ physicalLocation: physical(f.uri, f.span) }],
      partialFingerprints: { primaryLocationLineHash: `${hash}:${occurrence}` },
    };
    if (result.ruleIndex === undefined) delete result.ruleIndex;
    if (f.related && f.related.length > 0) {
      result.relatedLocations = f.related.map((r, i) => ({ id: i + 1, message: { text: r.message }, physicalLocation: physical(r.uri, r.span) }));
    }
    const safe = f.fixable ? a.fixes(f).filter((x) => x.safety === 'safe' && x.edits.length > 0) : [];
    if (safe.length > 0) {
      result.fixes = safe.map((x) => {
        const uris = [...new Set(x.edits.map((e) => e.uri))];
        return {
          description: { text: x.title },
          artifactChanges: uris.map((uri) => ({
            artifactLocation: artifactLocation(uri, cwd).location,
            replacements: x.edits
              .filter((e) => e.uri === uri)
              .map((e) => ({ deletedRegion: region(indexOf(uri), { start: e.start, end: e.end }), insertedContent: { text: e.newText } })),
          })),
        };
      });
    }
    return result;
  });

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'egress-lens', version, rules: rules.map((r) => descriptor(r, docsDir)) } },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** The kinds of result a diff reports: paths newly opened to or from outside the cluster. */
function diffRules(readme: string): SarifReportingDescriptor[] {
  return [
  ['opens-path-to-internet', 'A change lets a workload reach an address or host outside the cluster that it could not reach before.'],
  ['opens-path-from-internet', 'A change lets addresses outside the cluster reach a workload that they could not reach before.'],
  ].map(([id, text]) => ({
    id,
    name: id,
    shortDescription: { text },
    fullDescription: { text: `${text} Review whether the new path is intended; the result points at the rule that opens it.` },
    help: { text, markdown: text },
    helpUri: `${pathToFileURL(readme).href}#review-pull-requests`,
    defaultConfiguration: { level: 'warning' as const },
    properties: { tags: ['kubernetes', 'egress', 'security', 'change-review'] },
  }));
}

/**
 * A diff as a SARIF 2.1.0 log: one result per path opened to or from outside the cluster, located at the
 * rule of the new state that opens it. Its fingerprint is the path itself (source, destination, what it
 * opens), so the same path keeps its identity when lines move or the comment is rewritten.
 */
export function diffToSarif(d: ConnectivityDiff, states: { before: Analysis; after: Analysis }, cwd: string, version: string, readme = path.join(__dirname, '..', 'README.md')): SarifLog {
  const indexes = new Map<string, LineIndex>();
  const indexOf = (uri: string): LineIndex => {
    let li = indexes.get(uri);
    if (!li) indexes.set(uri, (li = new LineIndex(states.after.files.find((f) => f.uri === uri)?.text ?? '')));
    return li;
  };
  const results: SarifResult[] = [];
  for (const c of d.changes) {
    const kind = pathKind(c);
    if ((kind !== 'toInternet' && kind !== 'fromInternet') || !opensAndCloses(c).opens) continue;
    const ruleId = kind === 'toInternet' ? 'opens-path-to-internet' : 'opens-path-from-internet';
    const opening = c.why.filter((r) => r.state === 'after' && r.verdict === 'allow' && r.refs.length > 0);
    const [first, ...more] = opening.flatMap((r) => r.refs);
    const opened = c.opened.isEmpty ? (c.routeAfter?.summary ?? c.after.toString()) : c.opened.toString();
    const identity = createHash('sha256').update(`${ruleId}\0${c.src.id}\0${c.dst.id}\0${opened}`).digest('hex').slice(0, 32);
    const result: SarifResult = {
      ruleId,
      ruleIndex: ruleId === 'opens-path-to-internet' ? 0 : 1,
      level: 'warning',
      message: { text: `${c.src.id} → ${c.dst.id}: this change opens ${opened}${c.before.isEmpty ? '' : ` (before: ${c.before.toString()})`}${first ? `; opened by ${first.label}` : ''}.` },
      locations: first ? [{ physicalLocation: { artifactLocation: artifactLocation(first.uri, cwd).location, region: region(indexOf(first.uri), first.span) } }] : [],
      partialFingerprints: { primaryLocationLineHash: `${identity.slice(0, 16)}:1`, 'egressLens/path/v1': identity },
    };
    if (more.length > 0) result.relatedLocations = more.map((r, i) => ({ id: i + 1, message: { text: r.label }, physicalLocation: { artifactLocation: artifactLocation(r.uri, cwd).location, region: region(indexOf(r.uri), r.span) } }));
    results.push(result);
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'egress-lens', version, rules: diffRules(readme) } },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
