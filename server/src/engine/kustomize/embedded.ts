import type { Span } from '../types';

/**
 * A patch written inside a kustomization (`patch: |-` and the YAML below it) is parsed from the string's
 * value; this maps offsets in that value back to offsets in the kustomization's text, so that what the patch
 * writes points at the line a person edits. Block scalars map line by line (indentation skipped); quoted and
 * plain scalars map directly when their text is the value as written; anything else maps to the whole scalar.
 */
export function embeddedOffsets(fileText: string, scalar: Span, value: string): (n: number) => number {
  const raw = fileText.slice(scalar.start, scalar.end);
  if (raw === value) return (n) => scalar.start + n;
  if ((raw.startsWith('"') || raw.startsWith("'")) && raw.slice(1, -1) === value) return (n) => scalar.start + 1 + n;
  if (raw.startsWith('|') || raw.startsWith('>')) {
    // The content lines follow the header line; each value line is a file line less its indentation.
    const starts: number[] = [];
    let p = fileText.indexOf('\n', scalar.start);
    const valueLines = value.split('\n');
    let indent = -1;
    for (let i = 0; i < valueLines.length && p >= 0 && p < scalar.end + 1; i++) {
      const lineStart = p + 1;
      const lineEnd = fileText.indexOf('\n', lineStart);
      const line = fileText.slice(lineStart, lineEnd < 0 ? fileText.length : lineEnd).replace(/\r$/, '');
      if (indent < 0 && line.trim() !== '') indent = line.length - line.trimStart().length;
      starts.push(lineStart + Math.min(Math.max(indent, 0), line.length - line.trimStart().length));
      p = lineEnd;
    }
    if (raw.startsWith('|') && starts.length > 0) {
      const lineOf: number[] = [];
      let acc = 0;
      for (const l of valueLines) {
        lineOf.push(acc);
        acc += l.length + 1;
      }
      return (n) => {
        let lo = 0;
        let hi = lineOf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (lineOf[mid] <= n) lo = mid;
          else hi = mid - 1;
        }
        const base = starts[Math.min(lo, starts.length - 1)];
        return Math.min(base + (n - lineOf[lo]), scalar.end);
      };
    }
  }
  return (n) => (n <= 0 ? scalar.start : scalar.end);
}
