/**
 * The properties every analysis must have, whatever text it is given: checked on each fuzz case.
 * Rule and fix exceptions are looked for directly (the engine turns them into "Internal error"
 * findings or drops the fix, which would hide them from a fuzzer).
 */
import { analyze, exposureAnalysis, formatExposure, ruleById, Workspace, type Analysis, type EngineConfig, type Finding, type Fix, type SourceFile, type Span, type TextEdit } from '../../server/src/engine';

export interface Outcome {
  /** Everything the analysis produced, serialised (findings and their fixes): compared for determinism. */
  signature: string[];
  problems: string[];
  findings: number;
  fixes: number;
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 6).join('\n') : String(e);
}

/** Whether an offset falls between the two characters of a CRLF, or of a surrogate pair. */
function splitsPair(text: string, at: number): string | undefined {
  if (at <= 0 || at >= text.length) return undefined;
  if (text[at - 1] === '\r' && text[at] === '\n') return 'a CRLF';
  if ((text.charCodeAt(at - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(at) & 0xfc00) === 0xdc00) return 'a surrogate pair';
  return undefined;
}

function spanProblem(span: Span | undefined, text: string | undefined, what: string): string | undefined {
  if (text === undefined) return `${what}: on a file that is not in the input`;
  if (!span || !Number.isInteger(span.start) || !Number.isInteger(span.end)) return `${what}: span is not integer offsets (${JSON.stringify(span)})`;
  if (span.start < 0 || span.end < span.start || span.end > text.length) return `${what}: span ${span.start}-${span.end} outside the document (length ${text.length})`;
  // An editor cannot show a position inside a line break or a character: it moves it.
  for (const at of [span.start, span.end]) {
    const split = splitsPair(text, at);
    if (split) return `${what}: span ${span.start}-${span.end} splits ${split} at ${at}`;
  }
  return undefined;
}

/** Ranges, messages and internal errors of every finding. */
export function checkFindings(a: Analysis, texts: ReadonlyMap<string, string>, where: string): string[] {
  const problems: string[] = [];
  for (const f of a.findings) {
    const id = `${where} ${f.ruleId}`;
    const p = spanProblem(f.span, texts.get(f.uri), id);
    if (p) problems.push(p);
    for (const r of f.related ?? []) {
      const q = spanProblem(r.span, texts.get(r.uri), `${id} related`);
      if (q) problems.push(q);
    }
    if (typeof f.message !== 'string' || f.message.trim() === '') problems.push(`${id}: empty message`);
    if (/^Internal error in rule/.test(f.message)) problems.push(`${id}: ${f.message}`);
    if (/the YAML parser failed/.test(f.message)) problems.push(`${id}: parser exception: ${f.message}`);
  }
  return problems;
}

/**
 * Edits of one fix: inside their documents, not overlapping, not splitting a CRLF or a surrogate pair;
 * new files only where no file is. Returns the problems and the texts after the fix.
 */
export function applyFix(fix: Fix, texts: ReadonlyMap<string, string>): { problems: string[]; after: Map<string, string> } {
  const problems: string[] = [];
  const after = new Map(texts);
  const byUri = new Map<string, TextEdit[]>();
  for (const e of fix.edits) {
    if (e.create) {
      if (texts.has(e.uri)) problems.push(`"${fix.title}" creates ${e.uri}, which exists`);
      after.set(e.uri, e.newText);
      continue;
    }
    const text = texts.get(e.uri);
    const p = spanProblem(e, text, `"${fix.title}" edit`);
    if (p) {
      problems.push(p);
      continue;
    }
    byUri.set(e.uri, [...(byUri.get(e.uri) ?? []), e]);
  }
  for (const [uri, edits] of byUri) {
    const sorted = [...edits].sort((x, y) => x.start - y.start || x.end - y.end);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].start < sorted[i - 1].end) problems.push(`"${fix.title}" has overlapping edits ${sorted[i - 1].start}-${sorted[i - 1].end} and ${sorted[i].start}-${sorted[i].end}`);
    }
    // Applied from the end, independently of the engine's own applyEdits.
    let text = texts.get(uri)!;
    for (const e of sorted.reverse()) text = text.slice(0, e.start) + e.newText + text.slice(e.end);
    after.set(uri, text);
  }
  return { problems, after };
}

/** A rule's fixes for a finding, with exceptions surfaced (the engine's fixesFor swallows them). */
export function fixesOf(a: Analysis, f: Finding): { fixes: Fix[]; error?: string } {
  const rule = ruleById.get(f.ruleId);
  const file = a.files.find((x) => x.uri === f.uri);
  if (!rule?.fixes || !file || !f.fixable) return { fixes: [] };
  try {
    return { fixes: rule.fixes({ files: a.files, model: a.model, mesh: a.mesh, config: a.config, reach: a.reach, suppressions: [], file, finding: f }) };
  } catch (e) {
    return { fixes: [], error: `${f.ruleId} fixes threw: ${describe(e)}` };
  }
}

function signatureOf(a: Analysis, fixes: Map<Finding, Fix[]>): string[] {
  return a.findings.map((f) => JSON.stringify([f.ruleId, f.severity, f.message, f.uri, f.span, f.related ?? null, f.data ?? null, (fixes.get(f) ?? []).map((x) => [x.title, x.safety, x.edits])]));
}

/** The first difference between two outputs, shortened, for the failure report. */
function firstDifference(a: string[], b: string[]): string {
  const i = a.findIndex((x, k) => x !== b[k]);
  const at = i < 0 ? a.length : i;
  const cut = (x: string | undefined) => (x === undefined ? '(nothing)' : x.length > 400 ? `${x.slice(0, 400)}…` : x);
  return `finding ${at}: ${cut(a[at])} vs ${cut(b[at])}`;
}

function guarded<T>(what: string, problems: string[], run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    problems.push(`${what} threw: ${describe(e)}`);
    return undefined;
  }
}

/** Make a workspace hold exactly these files (unchanged ones are not parsed again). */
function load(ws: Workspace, files: readonly SourceFile[]): Analysis {
  const keep = new Set(files.map((f) => f.uri));
  for (const uri of ws.uris()) if (!keep.has(uri)) ws.delete(uri);
  for (const f of files) ws.set(f);
  return ws.analyze();
}

/**
 * Checks cases under one configuration. Cases go through an incremental Workspace, as in the server
 * (files that do not change between cases are parsed once); every fix is applied and its result
 * analysed again in a second workspace. With `fresh`, the same input is also analysed from scratch
 * and must give exactly the same output (determinism, and the incremental path equal to a full one).
 */
export class Checker {
  private readonly ws: Workspace;
  private readonly scratch: Workspace;

  constructor(private readonly config: Partial<EngineConfig>) {
    this.ws = new Workspace(config);
    this.scratch = new Workspace(config);
  }

  /**
   * `reanalyse` picks which of the fixes' results is analysed again (each fix's edits are always
   * checked; analysing every result again would multiply the cost of a case by its number of fixes).
   */
  check(files: SourceFile[], fresh: boolean, reanalyse = 0): Outcome {
    const problems: string[] = [];
    const texts = new Map(files.map((f) => [f.uri, f.text]));
    const a = guarded('analyze', problems, () => load(this.ws, files));
    if (!a) return { signature: [], problems, findings: 0, fixes: 0 };
    problems.push(...checkFindings(a, texts, 'finding'));
    // Exposure (the CLI's reach --exposure and the panel's dashed nodes) reads every policy's selectors as written.
    guarded('exposure', problems, () => {
      const x = exposureAnalysis(a.model, a.reach);
      for (const format of ['txt', 'json', 'csv', 'md', 'dot'] as const) formatExposure(x, format, a.reach.workloads);
    });
    const fixes = new Map<Finding, Fix[]>();
    const results: { title: string; after: Map<string, string> }[] = [];
    let count = 0;
    for (const f of a.findings) {
      const { fixes: list, error } = fixesOf(a, f);
      if (error) problems.push(error);
      fixes.set(f, list);
      for (const fix of list) {
        count++;
        const applied = applyFix(fix, texts);
        problems.push(...applied.problems);
        if (applied.problems.length === 0) results.push({ title: fix.title, after: applied.after });
      }
    }
    if (results.length > 0) {
      const { title, after } = results[reanalyse % results.length];
      const again = guarded(`analysis after "${title}"`, problems, () => load(this.scratch, [...after].map(([uri, text]) => ({ uri, text }))));
      if (again) problems.push(...checkFindings(again, after, `after "${title}":`));
    }
    const signature = signatureOf(a, fixes);
    if (fresh) {
      const full = guarded('analyze', problems, () => analyze(files, this.config));
      if (full) {
        const again = new Map<Finding, Fix[]>();
        for (const f of full.findings) again.set(f, fixesOf(full, f).fixes);
        const other = signatureOf(full, again);
        if (JSON.stringify(other) !== JSON.stringify(signature)) problems.push(`not deterministic: a fresh analysis of the same text differs from the incremental one (${firstDifference(signature, other)})`);
      }
    }
    return { signature, problems, findings: a.findings.length, fixes: count };
  }
}
