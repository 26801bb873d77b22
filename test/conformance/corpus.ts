import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

/**
 * Test data from other projects, vendored in the repository (test/data/corpus, each source with its
 * LICENSE and SOURCE.md), trimmed to what the tests read.
 */
export const corpusDir = path.join(repoRoot, 'test/data/corpus');

export function requireCorpus(): string {
  if (!existsSync(corpusDir)) {
    console.error(`the vendored corpus is missing: ${corpusDir}`);
    process.exit(2);
  }
  return corpusDir;
}

/** RFC 4180 CSV (quoted fields, doubled quotes) into objects keyed by the header. */
export function readCsv(file: string): Record<string, string>[] {
  const text = readFileSync(file, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
