/** How a file writes YAML, so generated text blends in. */
export interface YamlStyle {
  /** Spaces per indentation level. */
  indent: number;
  /** Whether block sequences are indented under their key (`key:\n  - a`) or not (`key:\n- a`). */
  indentSeq: boolean;
  /** The file's line break. */
  eol: '\n' | '\r\n';
}

export function detectStyle(text: string): YamlStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  let indent = 0;
  let indentSeq: boolean | undefined;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    const m = /^(\s*)(- )?[^\s#][^:]*:\s*(#.*)?$/.exec(line);
    if (!m) continue;
    const own = m[1].length + (m[2] ? 2 : 0);
    let j = i + 1;
    while (j < lines.length && (lines[j].trim() === '' || /^\s*#/.test(lines[j]))) j++;
    const next = lines[j] ?? '';
    const nIndent = /^(\s*)/.exec(next)![1].length;
    if (/^\s*- /.test(next)) {
      if (indentSeq === undefined) indentSeq = nIndent > own;
    } else if (!indent && nIndent > own) indent = nIndent - own;
    if (indent && indentSeq !== undefined) break;
  }
  return { indent: indent || 2, indentSeq: indentSeq ?? true, eol };
}
