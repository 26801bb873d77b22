import { promises as fs } from 'fs';
import * as path from 'path';
import { KUSTOMIZATION_FILES, renderKustomization, type RenderOptions, type RenderResult } from '../engine/kustomize';
import { ruleById, type Finding } from '../engine';
import { pathToUri, uriToPath } from './files';

/** A render from disk: its findings named as the catalogue names their rules, and the texts it read. */
export type DiskRender = Omit<RenderResult, 'findings'> & { findings: Finding[]; texts: ReadonlyMap<string, string> };

/**
 * What one pass over the views read from disk: several renders of one pass (overlays of the same base)
 * read each file and list each folder once. Made per pass, so a later pass sees the disk as it is then.
 */
export class DiskReads {
  readonly files = new Map<string, Promise<string | undefined>>();
  readonly folders = new Map<string, Promise<{ name: string; file: boolean; dir: boolean }[] | undefined>>();
  readonly stats = new Map<string, Promise<'file' | 'dir' | undefined>>();

  file(file: string): Promise<string | undefined> {
    let p = this.files.get(file);
    if (!p) this.files.set(file, (p = fs.readFile(file, 'utf8').catch(() => undefined)));
    return p;
  }

  folder(dir: string): Promise<{ name: string; file: boolean; dir: boolean }[] | undefined> {
    let p = this.folders.get(dir);
    if (!p) {
      p = fs.readdir(dir, { withFileTypes: true }).then(
        (entries) => entries.map((e) => ({ name: e.name, file: e.isFile(), dir: e.isDirectory() })),
        () => undefined,
      );
      this.folders.set(dir, p);
    }
    return p;
  }

  stat(p: string): Promise<'file' | 'dir' | undefined> {
    let s = this.stats.get(p);
    if (!s) {
      s = fs.stat(p).then(
        (st) => (st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined),
        () => undefined,
      );
      this.stats.set(p, s);
    }
    return s;
  }
}

/**
 * Render a Kustomize view from disk: the engine renders from what it is given and says what else it needs
 * (a file to read, a folder to list); this reads that and renders again, until nothing more is needed.
 * Only the folders the kustomizations name are read (their YAML at once, other files when named); `known`
 * texts (open editor buffers) are taken instead of the disk's.
 */
export async function renderFromDisk(target: string, options: RenderOptions = {}, known?: ReadonlyMap<string, string>, disk: DiskReads = new DiskReads()): Promise<DiskRender> {
  const files = new Map<string, string>();
  const folders = new Map<string, string[]>();
  const tried = new Set<string>();

  const list = async (dir: string): Promise<void> => {
    const uri = pathToUri(dir);
    if (folders.has(uri)) return;
    const entries = await disk.folder(dir);
    if (!entries) return;
    folders.set(uri, entries.map((e) => (e.dir ? `${e.name}/` : e.name)));
    // A kustomization's folder mostly holds what it lists: read its YAML now rather than round by round.
    if (!entries.some((e) => e.file && (KUSTOMIZATION_FILES as readonly string[]).includes(e.name))) return;
    for (const e of entries) if (e.file && ((KUSTOMIZATION_FILES as readonly string[]).includes(e.name) || /\.(ya?ml|json)$/i.test(e.name))) await read(path.join(dir, e.name));
  };
  const read = async (file: string): Promise<void> => {
    const uri = pathToUri(file);
    if (files.has(uri)) return;
    // An open editor buffer wins over the disk.
    const open = known?.get(uri);
    if (open !== undefined) {
      files.set(uri, open);
      return;
    }
    const text = await disk.file(file);
    // Unreadable: the parent's listing says it exists; the render reports it as not given.
    if (text !== undefined) files.set(uri, text);
  };
  const fetch = async (p: string): Promise<void> => {
    if (tried.has(p)) return;
    tried.add(p);
    const st = await disk.stat(p);
    if (st === 'dir') await list(p);
    else if (st === 'file') await read(p);
    else await list(path.dirname(p));
  };

  await fetch(target);
  const root = pathToUri(target);
  // Rounds parse each file once: the cache carries what earlier rounds parsed.
  const withCache = { ...options, parsed: options.parsed ?? new Map() };
  for (let round = 0; ; round++) {
    const result = renderKustomization({ files, folders }, root, withCache);
    const wanted = result.needs.map((u) => uriToPath(u)).filter((p): p is string => p !== undefined && !tried.has(p));
    if (wanted.length === 0 || round > 100) return { ...result, findings: result.findings.map((f) => ({ ...f, ruleName: ruleById.get(f.ruleId)?.name ?? '' })), texts: files };
    for (const p of wanted) await fetch(p);
  }
}
