import { analyzeParsed, fixesFor, type Analysis } from '../analyze';
import { parseFile } from '../parse/parse';
import type { Finding, Fix, TextEdit } from '../types';
import { applyEdits, minimalEdit } from '../fixes/edits';

/** A safe fix chosen for a finding. */
interface Chosen {
  finding: Finding;
  fix: Fix;
}

function chooseSafe(a: Analysis, uri: string): Chosen[] {
  const chosen: Chosen[] = [];
  const taken: { start: number; end: number }[] = [];
  for (const f of a.findings) {
    if (f.uri !== uri || !f.fixable) continue;
    for (const fix of fixesFor(a, f)) {
      if (fix.safety !== 'safe') continue;
      const clash = fix.edits.some((e) => e.uri !== uri || e.create || taken.some((t) => e.start <= t.end && t.start <= e.end));
      if (clash) continue;
      chosen.push({ finding: f, fix });
      for (const e of fix.edits) taken.push({ start: e.start, end: e.end });
      break;
    }
  }
  return chosen;
}

/** The safe fixes of one file whose edits stay in that file and do not overlap each other. */
export function safeFixes(a: Analysis, uri: string): Fix[] {
  return chooseSafe(a, uri).map((c) => c.fix);
}

/** A fix that fix-all applied: its rule, its title, and where its finding was in the text of the pass that applied it. */
export interface AppliedFix {
  ruleId: string;
  title: string;
  /** The finding's offset in `text` of its pass (the first pass: the file as it was). */
  offset: number;
  /** The file's text when the fix was applied. */
  text: string;
}

export interface FileFixes {
  uri: string;
  /** The file's text after every safe fix. */
  text: string;
  /** One edit from the old text to the new one (undefined: nothing to fix). */
  edit?: TextEdit;
  applied: AppliedFix[];
  /** The analysis of the workspace with the fixed text. */
  analysis: Analysis;
}

/**
 * Every safe fix of a file, applied until none is left (a fix can make another one possible, and
 * overlapping fixes wait for the next pass): what fix-all does in the editor and `check --fix` on disk.
 * Fixing again changes nothing.
 */
export function fixFile(a: Analysis, uri: string, maxPasses = 10): FileFixes {
  const file = a.files.find((f) => f.uri === uri);
  if (!file) return { uri, text: '', applied: [], analysis: a };
  let current = a;
  let text = file.text;
  const applied: AppliedFix[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const chosen = chooseSafe(current, uri);
    if (chosen.length === 0) break;
    const next = applyEdits(text, chosen.flatMap((c) => c.fix.edits));
    if (next === text) break;
    for (const c of chosen) applied.push({ ruleId: c.finding.ruleId, title: c.fix.title, offset: c.finding.span.start, text });
    text = next;
    const files = current.files.map((f) => (f.uri === uri ? parseFile({ uri, text, version: f.version }, current.config) : f));
    current = analyzeParsed(files, current.config);
  }
  return { uri, text, applied, analysis: current, ...(text === file.text ? {} : { edit: minimalEdit(uri, file.text, text) }) };
}

/** Fix-all of one file, as one edit (undefined when nothing is safe to fix). */
export function fixAll(a: Analysis, uri: string, maxPasses = 10): TextEdit | undefined {
  return fixFile(a, uri, maxPasses).edit;
}

/**
 * Fix-all of every file of the workspace, one file after the other, each on the analysis that holds the
 * fixes of the files before it. The files that changed, in URI order, and the analysis of the result.
 */
export function fixWorkspace(a: Analysis): { changed: FileFixes[]; analysis: Analysis } {
  let current = a;
  const changed: FileFixes[] = [];
  for (const uri of a.files.map((f) => f.uri)) {
    const r = fixFile(current, uri);
    if (!r.edit) continue;
    changed.push(r);
    current = r.analysis;
  }
  return { changed, analysis: current };
}
