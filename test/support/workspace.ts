import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = path.join(__dirname, '../../..');
export const examplesDir = path.join(repoRoot, 'examples');

/** A throwaway copy of a folder (the examples by default), removed by the returned function. */
export function tempCopy(src = examplesDir): { dir: string; uri: (rel: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-'));
  cpSync(src, dir, { recursive: true });
  return {
    dir,
    uri: (rel) => pathToFileURL(path.join(dir, rel)).toString(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
