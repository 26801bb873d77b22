import { promises as fs } from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

export const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.cache', '.vscode-test']);

export function isManifestPath(p: string): boolean {
  return /\.(ya?ml|json)$/i.test(p);
}

/** Every YAML (and JSON) file below a folder, skipping VCS and dependency folders. */
export async function findManifests(root: string, limit = 50_000): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < limit) {
    const dir = queue.shift()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) queue.push(p);
      } else if (e.isFile() && isManifestPath(e.name)) out.push(p);
    }
  }
  return out.sort();
}

/** JSON files are Kubernetes input only when they look like an object with apiVersion and kind. */
export function looksLikeKubernetesJson(text: string): boolean {
  return /"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text);
}

export async function readManifest(file: string): Promise<string | undefined> {
  try {
    const text = await fs.readFile(file, 'utf8');
    if (/\.json$/i.test(file) && !looksLikeKubernetesJson(text)) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).toString();
}

/** Where the rule pages ship, next to the bundle: `<package>/docs/rules/`. */
export function defaultDocsBaseUrl(bundleDir: string): string {
  return pathToUri(path.join(bundleDir, '..', 'docs', 'rules')) + '/';
}

/** A text file, or undefined when it cannot be read. */
export async function readFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
