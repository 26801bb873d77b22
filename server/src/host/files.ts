import { constants, promises as fs } from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

export const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.cache', '.vscode-test']);

export function isManifestPath(p: string): boolean {
  return /\.(ya?ml|json)$/i.test(p);
}

/**
 * Every YAML (and JSON) file below a folder, skipping VCS and dependency folders. A folder that cannot be
 * listed is passed to `unreadable` with the reason (it may hold manifests nobody checked).
 */
export async function findManifests(root: string, limit = 50_000, unreadable?: (dir: string, reason: string) => void): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < limit) {
    const dir = queue.shift()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      unreadable?.(dir, `it is a folder that cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
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

/**
 * The folders to read again after files were created: for each created file, the outermost folder above it
 * (inside a root) that held no known file. A watcher cannot watch a folder before it exists, so files written
 * into a new folder right after it was made (a copy, a checkout) can go unreported: reading the new folder
 * again finds them. Folders the scan skips (node_modules, .git…) are never read.
 */
export function newFolders(created: readonly string[], known: readonly string[], roots: readonly string[]): string[] {
  const knownDirs = new Set<string>();
  for (const file of known) {
    for (let d = path.dirname(file); !knownDirs.has(d); d = path.dirname(d)) {
      knownDirs.add(d);
      if (path.dirname(d) === d) break;
    }
  }
  const out = new Set<string>();
  for (const file of created) {
    const root = roots.find((r) => file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    if (!root) continue;
    let top: string | undefined;
    for (let d = path.dirname(file); d.length > root.length && !knownDirs.has(d); d = path.dirname(d)) top = d;
    if (top && !path.relative(root, top).split(path.sep).some((part) => SKIP_DIRS.has(part))) out.add(top);
  }
  // A folder inside another one read again is read with it.
  return [...out].filter((d) => ![...out].some((o) => o !== d && d.startsWith(o + path.sep))).sort();
}

/** JSON files are Kubernetes input only when they look like an object with apiVersion and kind. */
export function looksLikeKubernetesJson(text: string): boolean {
  return /"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text);
}

/**
 * What reading a file gave: its text, why it could not be read, or its size when it was too large to be
 * read; `undefined` when there is no such file.
 */
export type ReadResult = { text: string } | { unreadable: string } | { tooLarge: number } | undefined;

/** Why a file was not read, as a clause ("it is a named pipe (FIFO), not a regular file"). */
export function whyNotRead(r: { unreadable: string } | { tooLarge: number }, maxBytes: number): string {
  return 'unreadable' in r ? r.unreadable : `it is ${r.tooLarge} bytes, more than the ${maxBytes} read at most`;
}

/** The largest settings file read (`.egress-lens.yaml`): settings are a few lines. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const KINDS: [keyof import('fs').Stats, string][] = [
  ['isDirectory', 'a folder'],
  ['isFIFO', 'a named pipe (FIFO)'],
  ['isSocket', 'a socket'],
  ['isCharacterDevice', 'a character device'],
  ['isBlockDevice', 'a block device'],
];

function notRegular(st: import('fs').Stats): string | undefined {
  if (st.isFile()) return undefined;
  const kind = KINDS.find(([is]) => (st[is] as () => boolean).call(st))?.[1] ?? 'not a regular file';
  return `it is ${kind}, not a regular file`;
}

/**
 * A regular file's text, read whole. Anything else (a named pipe, a socket, a device, a folder) is refused
 * without being read, since a read from it may never return or never end; so is a file larger than
 * `maxBytes`. The file is checked before it is opened and again once open (it may have been replaced),
 * and it is opened without blocking, so that even then a pipe cannot hold the read.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<ReadResult> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (e) {
    return unreadable(e);
  }
  const refused = notRegular(st);
  if (refused) return { unreadable: refused };
  if (st.size > maxBytes) return { tooLarge: st.size };
  let handle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return unreadable(e);
  }
  try {
    const opened = await handle.stat();
    const changed = notRegular(opened);
    if (changed) return { unreadable: changed };
    if (opened.size > maxBytes) return { tooLarge: opened.size };
    // At most one byte past the limit: a file that grew meanwhile is still refused, and never read whole.
    const buffer = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > maxBytes) return { tooLarge: length };
    return { text: buffer.toString('utf8', 0, length) };
  } catch (e) {
    return unreadable(e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function unreadable(e: unknown): ReadResult {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  return { unreadable: `it cannot be read (${code ?? (e as Error).message})` };
}

/**
 * A manifest's text, as `readRegularFile`, at most `maxBytes`; `undefined` when there is no such file or
 * it is JSON that is not a Kubernetes object.
 */
export async function readManifest(file: string, maxBytes: number): Promise<ReadResult> {
  const r = await readRegularFile(file, maxBytes);
  if (r && 'text' in r && /\.json$/i.test(file) && !looksLikeKubernetesJson(r.text)) return undefined;
  return r;
}

/** How many bytes a file may have to be read, for a limit of `maxChars` characters (UTF-8 takes at most 3 bytes for one). */
export function readLimit(maxChars: number): number {
  return maxChars * 3;
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

/** A file URI as the host writes it (editors and disks spell one file's URI differently); other URIs as they are. */
export function normalizeUri(uri: string): string {
  const p = uriToPath(uri);
  return p ? pathToUri(p) : uri;
}

/** Where the rule pages ship, next to the bundle: `<package>/docs/rules/`. */
export function defaultDocsBaseUrl(bundleDir: string): string {
  return pathToUri(path.join(bundleDir, '..', 'docs', 'rules')) + '/';
}
