import type { ParsedDocument, ParsedFile } from '../parse/parse';
import type { TextEdit } from '../types';
import { detectStyle } from './style';

/** Insert a new YAML document right after `doc` (as `---` + text), leaving every other byte alone. */
export function insertDocumentAfter(file: ParsedFile, doc: ParsedDocument, yamlText: string): TextEdit {
  const { eol } = detectStyle(file.text);
  const at = doc.span.end;
  const before = file.text.slice(0, at);
  const needsBreak = before.length > 0 && !before.endsWith('\n');
  const body = yamlText.endsWith(eol) ? yamlText : yamlText + eol;
  return { uri: file.uri, start: at, end: at, newText: `${needsBreak ? eol : ''}---${eol}${body}` };
}

/** Apply edits (of one file) to its text; edits must not overlap. */
export function applyEdits(text: string, edits: readonly Pick<TextEdit, 'start' | 'end' | 'newText'>[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
