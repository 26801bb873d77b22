import { analyzeParsed, fixesFor, type Analysis } from '../analyze';
import { parseFile } from '../parse/parse';
import type { Fix, TextEdit } from '../types';
import { applyEdits } from './edits';

/** The safe fixes of one file whose edits stay in that file and do not overlap each other. */
export function safeFixes(a: Analysis, uri: string): Fix[] {
  const chosen: Fix[] = [];
  const taken: { start: number; end: number }[] = [];
  for (const f of a.findings) {
    if (f.uri !== uri || !f.fixable) continue;
    for (const fix of fixesFor(a, f)) {
      if (fix.safety !== 'safe') continue;
      const clash = fix.edits.some((e) => e.uri !== uri || e.create || taken.some((t) => e.start <= t.end && t.start <= e.end));
      if (clash) continue;
      chosen.push(fix);
      for (const e of fix.edits) taken.push({ start: e.start, end: e.end });
      break;
    }
  }
  return chosen;
}

/** One edit turning `before` into `after`: the changed middle, common prefix and suffix kept. */
export function minimalEdit(uri: string, before: string, after: string): TextEdit {
  let p = 0;
  const max = Math.min(before.length, after.length);
  while (p < max && before[p] === after[p]) p++;
  let s = 0;
  while (s < max - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return { uri, start: p, end: before.length - s, newText: after.slice(p, after.length - s) };
}

/**
 * Every safe fix of a file, applied until none is left (a fix can make another one possible, and
 * overlapping fixes wait for the next pass). The result is one edit; fixing again changes nothing.
 */
export function fixAll(a: Analysis, uri: string, maxPasses = 10): TextEdit | undefined {
  const file = a.files.find((f) => f.uri === uri);
  if (!file) return undefined;
  let current = a;
  let text = file.text;
  for (let pass = 0; pass < maxPasses; pass++) {
    const fixes = safeFixes(current, uri);
    if (fixes.length === 0) break;
    const next = applyEdits(text, fixes.flatMap((f) => f.edits));
    if (next === text) break;
    text = next;
    const files = current.files.map((f) => (f.uri === uri ? parseFile({ uri, text, version: f.version }, current.config) : f));
    current = analyzeParsed(files, current.config);
  }
  return text === file.text ? undefined : minimalEdit(uri, file.text, text);
}
