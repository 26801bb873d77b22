import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

/** The shared corpus beside the project (CI has it there too). */
export const corpusDir = process.env.EGRESS_LENS_CORPUS ?? path.resolve(repoRoot, '../shared/corpus');

export function requireCorpus(): string {
  if (!existsSync(corpusDir)) {
    console.error(`the shared corpus is not at ${corpusDir} (set EGRESS_LENS_CORPUS to its path)`);
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

/** The parts of the corpus vendored into the repository (what tests read from a fresh clone). */
export const vendoredCorpusDir = path.resolve(repoRoot, 'test/data/corpus');
