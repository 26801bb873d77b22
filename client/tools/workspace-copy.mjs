// The workspace `npm start` opens: a copy of a folder, so that the editor's auto-save never changes the
// repository. The copy is kept across runs (edits made in the editor stay); when the source changed since
// the copy was made, a new copy is made, and a copy that was edited is kept beside it, never lost.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Every file under a folder with its content, hashed in a stable order. */
export function fingerprint(dir) {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(path.relative(dir, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex');
}

/**
 * Make (or keep) `copy` as a copy of `source`. Returns the folder to open and, when an edited copy had to
 * make way for a new one, where the edited copy went.
 */
export function workspaceCopy(source, copy, now = new Date()) {
  const marker = `${copy}.fingerprint`;
  const want = fingerprint(source);
  let kept;
  if (existsSync(copy)) {
    const made = existsSync(marker) ? readFileSync(marker, 'utf8').split('\n') : [];
    if (made[0] === want) return { folder: copy, kept };
    if (made[1] !== fingerprint(copy)) {
      kept = `${copy}.${now.toISOString().replace(/[:.]/g, '-')}`;
      renameSync(copy, kept);
    } else {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  mkdirSync(path.dirname(copy), { recursive: true });
  cpSync(source, copy, { recursive: true });
  writeFileSync(marker, `${want}\n${fingerprint(copy)}\n`);
  return { folder: copy, kept };
}
