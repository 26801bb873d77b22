/**
 * A fix that edits an anchored node (`&base`) also changes every place that uses it (`*base`, `<<: *base`):
 * such a fix says so in its title and is never safe, whatever the rule thought of it.
 */
import { isAlias, isNode, visit, type Node } from 'yaml';
import type { ParsedFile } from '../parse/parse';
import type { Fix, TextEdit } from '../types';

/** Anchored nodes an edit touches (overlaps, or inserts inside), with how many aliases use each. */
function anchorsTouched(file: ParsedFile, edit: TextEdit): { name: string; uses: number }[] {
  const out: { name: string; uses: number }[] = [];
  for (const d of file.documents) {
    const [start, , end] = d.doc.range;
    if (edit.end < start || edit.start > end) continue;
    const anchored: Node[] = [];
    const uses = new Map<string, number>();
    visit(d.doc, (_, node) => {
      if (isAlias(node)) uses.set(node.source, (uses.get(node.source) ?? 0) + 1);
      else if (isNode(node) && node.anchor && node.range) anchored.push(node);
    });
    for (const n of anchored) {
      const [a, , b] = n.range!;
      const touches = edit.start === edit.end ? edit.start > a && edit.start <= b : edit.start < b && edit.end > a;
      const count = uses.get(n.anchor!) ?? 0;
      if (touches && count > 0) out.push({ name: n.anchor!, uses: count });
    }
  }
  return out;
}

/** The fix as offered: marked, and unsafe, when it edits an anchored node that aliases use elsewhere. */
export function markAnchoredEdits(fix: Fix, files: readonly ParsedFile[]): Fix {
  const touched = new Map<string, number>();
  for (const e of fix.edits) {
    const file = files.find((f) => f.uri === e.uri);
    if (!file || e.create) continue;
    for (const t of anchorsTouched(file, e)) touched.set(t.name, t.uses);
  }
  if (touched.size === 0) return fix;
  const what = [...touched].map(([name, n]) => `&${name}, used by ${n} alias${n === 1 ? '' : 'es'}`).join('; ');
  return { ...fix, title: `${fix.title} (also changes every use of the anchored node ${what})`, safety: 'unsafe' };
}
