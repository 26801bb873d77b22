import type { ParsedDocument, ParsedFile } from '../parse/parse';
import type { TextEdit } from '../types';
import { detectStyle } from './style';

/** Insert a new YAML document right after `doc` (as `---` + text), leaving every other byte alone. */
export function insertDocumentAfter(file: ParsedFile, doc: ParsedDocument, yamlText: string): TextEdit {
  return insertDocumentAt(file.uri, file.text, doc.span.end, yamlText);
}

/** New YAML documents at an offset of a file's text (its end, for a file read as a whole), after a `---`. */
export function insertDocumentAt(uri: string, text: string, at: number, yamlText: string): TextEdit {
  const { eol } = detectStyle(text);
  const before = text.slice(0, at);
  const needsBreak = before.length > 0 && !before.endsWith('\n');
  const body = yamlText.endsWith(eol) ? yamlText : yamlText + eol;
  return { uri, start: at, end: at, newText: `${needsBreak ? eol : ''}${before.trim() === '' ? '' : `---${eol}`}${body}` };
}

/** Apply edits (of one file) to its text; edits must not overlap. */
export function applyEdits(text: string, edits: readonly Pick<TextEdit, 'start' | 'end' | 'newText'>[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
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
