/**
 * Fix-all in cluster views: the safe fixes of the views' findings, each placed in the file that owns what it
 * changes (a base, an overlay's patch, a plain manifest), once per file even when several views agree.
 * What the editor's fix-all applies to one file, and `check --fix` to every file (pass after pass, the
 * views rendered again in between).
 */
import { applyEdits } from '../fixes/edits';
import { minimalEdit } from '../fixes/edits';
import type { Finding, Fix, TextEdit } from '../types';
import type { Report } from './report';

export interface ChosenFix {
  /** The file the fix edits. */
  uri: string;
  finding: Finding;
  fix: Fix;
}

const sameEdits = (a: readonly TextEdit[], b: readonly TextEdit[]) => a.length === b.length && a.every((e, i) => e.start === b[i].start && e.end === b[i].end && e.newText === b[i].newText);

/**
 * The safe fixes of a report whose edits stay in one existing file, without overlaps in that file; a fix
 * another finding already chose (the same edits: views that agree) is taken once. Only the fixes of one
 * file when `only` names it.
 */
export function chooseViewFixes(report: Report, only?: string): ChosenFix[] {
  const chosen: ChosenFix[] = [];
  const taken = new Map<string, { start: number; end: number }[]>();
  for (const f of report.findings) {
    if (!f.fixable) continue;
    for (const fix of report.fixes(f)) {
      if (fix.safety !== 'safe' || fix.edits.length === 0) continue;
      const uri = fix.edits[0].uri;
      if ((only !== undefined && uri !== only) || fix.edits.some((e) => e.uri !== uri || e.create)) continue;
      if (chosen.some((c) => c.uri === uri && sameEdits(c.fix.edits, fix.edits))) break;
      const spans = taken.get(uri) ?? [];
      if (fix.edits.some((e) => spans.some((t) => e.start <= t.end && t.start <= e.end))) continue;
      chosen.push({ uri, finding: f, fix });
      taken.set(uri, [...spans, ...fix.edits.map((e) => ({ start: e.start, end: e.end }))]);
      break;
    }
  }
  return chosen;
}

/** The editor's fix-all of one file in views: one edit with every safe fix that lands in it (undefined: none). */
export function viewFixAll(report: Report, uri: string, text: string): TextEdit | undefined {
  const chosen = chooseViewFixes(report, uri);
  if (chosen.length === 0) return undefined;
  const after = applyEdits(text, chosen.flatMap((c) => c.fix.edits));
  return after === text ? undefined : minimalEdit(uri, text, after);
}
