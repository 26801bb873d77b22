/**
 * What the renderer reads, as plain data the host fills: the texts of files and the listings of folders,
 * keyed by URI. The LSP fills it from open buffers and the workspace, the CLI from disk. The renderer never
 * reads anything else; what it needs and was not given it reports (`needs`), so that a host can add it and
 * render again.
 */
export interface RenderSources {
  /** File texts, by URI (`file:///…`, percent-encoded as the host writes URIs). */
  files: ReadonlyMap<string, string>;
  /** Folder listings, by URI without a trailing slash: the names of the entries, folders ending in `/`. */
  folders?: ReadonlyMap<string, readonly string[]>;
}

export type Entry = 'file' | 'folder' | 'absent' | 'unknown';

/** The file names Kustomize looks for in a folder, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

function decode(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

/** Percent-encode a decoded URI path as file URLs are written (`/`, letters, digits and `-._~!$&'()*+,;=:@` as they are). */
function encode(decoded: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(decoded);
  const [head, path] = m ? [m[1], m[2]] : ['', decoded];
  return head + path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) => encodeURIComponent(c));
}

/** The folder of a URI (no trailing slash). */
export function dirname(uri: string): string {
  const i = uri.lastIndexOf('/');
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(uri);
  if (m && i < m[0].length) return m[0];
  return i <= 0 ? uri : uri.slice(0, i);
}

export function basename(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1);
}

/** A relative path (as written in a kustomization) resolved against a folder URI; `..` and `.` folded. */
export function resolvePath(folder: string, relative: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(folder);
  const head = m ? m[1] : '';
  const base = decode(m ? m[2] : folder);
  const joined = relative.startsWith('/') ? relative : `${base}/${relative}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return head + '/' + parts.map((p) => encode(p)).join('/');
}

/** True for an entry that names something remote: a URL or a git repository. */
export function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(entry) || /\.git(\/\/|\?|$)/.test(entry) || /\?ref=/.test(entry);
}

/** Lookups over the host's data, by decoded URI (the host and the kustomization may encode differently). */
export class SourceIndex {
  private readonly files = new Map<string, [string, string]>();
  private readonly folders = new Map<string, Set<string>>();
  private readonly implied = new Set<string>();

  constructor(sources: RenderSources) {
    for (const [uri, text] of sources.files) {
      const key = decode(uri);
      this.files.set(key, [uri, text]);
      // Every folder above a given file exists.
      for (let d = dirname(key); !this.implied.has(d); d = dirname(d)) {
        this.implied.add(d);
        if (dirname(d) === d) break;
      }
    }
    for (const [uri, names] of sources.folders ?? []) this.folders.set(decode(uri).replace(/\/$/, ''), new Set(names));
  }

  /** The text of a file and the URI the host gave it under. */
  file(uri: string): { uri: string; text: string } | undefined {
    const hit = this.files.get(decode(uri));
    return hit && { uri: hit[0], text: hit[1] };
  }

  entry(uri: string): Entry {
    const key = decode(uri);
    if (this.files.has(key)) return 'file';
    if (this.folders.has(key) || this.implied.has(key)) return 'folder';
    const parent = this.folders.get(dirname(key));
    if (parent) {
      const name = basename(key);
      // A file the listing names but whose text was not given is still to be read.
      if (parent.has(name)) return 'unknown';
      if (parent.has(name + '/')) return 'folder';
      return 'absent';
    }
    return 'unknown';
  }

  /** Whether the folder's entries are known (listed by the host). */
  listed(folder: string): boolean {
    return this.folders.has(decode(folder));
  }
}
