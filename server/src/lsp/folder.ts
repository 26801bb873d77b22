/**
 * One workspace folder as the server keeps it: its files, its settings (the folder's `.egress-lens.yaml`
 * and the editor's settings for that folder), its analysis and its cluster views. Each folder of a
 * multi-root workspace is analysed on its own, with its own settings; a file belongs to the innermost
 * folder that holds it.
 */
import { CONFIG_FILE, Workspace, type Analysis, type EngineConfig } from '../engine';
import type { Report, ViewAnalysis } from '../engine/views';
import { hasViews, ViewRenders } from '../host/views';

export class Folder {
  readonly workspace = new Workspace();
  /** Renders of the folder's cluster views (Kustomize roots, charts, `clusters:`). */
  readonly renders = new ViewRenders();
  /** The folder's `.egress-lens.yaml`, as read (or as in its open buffer). */
  configFile: { uri: string; text: string } | undefined;
  /** Why the settings file could not be read, when it exists but could not be. */
  configUnreadable: string | undefined;
  /** Counts reads of the settings file: a later read wins over an earlier one still running. */
  configReads = 0;
  /** The editor's `egressLens.*` settings for this folder. */
  clientSettings: Partial<EngineConfig> = {};
  /** `egressLens.helm.path` for this folder (a machine setting: the folder's own file cannot choose the binary). */
  clientHelmPath: string | undefined;
  /** The last analysis of the folder's files, and whether a change came since. */
  analysis: Analysis | undefined;
  dirty = true;
  /** Whether the folder's findings must be published again (a change or new settings since the last time). */
  stale = true;
  views: { list: ViewAnalysis[]; report: Report } | undefined;
  activeView: string | undefined;
  readonly changedSinceRender = new Set<string>();
  viewRun: Promise<void> | undefined;
  viewRunAgain = false;

  constructor(
    /** The folder's path on disk (undefined: a server started without a folder). */
    readonly root: string | undefined,
    /** Its URI with a trailing slash: the settings file and exclude globs are relative to it. */
    readonly rootUri: string | undefined,
  ) {}

  get configUri(): string | undefined {
    return this.rootUri === undefined ? undefined : this.rootUri + CONFIG_FILE;
  }

  contains(uri: string): boolean {
    return this.rootUri !== undefined && uri.startsWith(this.rootUri);
  }

  viewMode(): boolean {
    return hasViews(this.workspace.uris(), this.workspace.configuration);
  }

  /** The view the features show: the one picked, else the first. */
  active(): ViewAnalysis | undefined {
    return this.views ? (this.views.list.find((v) => v.name === this.activeView) ?? this.views.list[0]) : undefined;
  }

  /** The analysis of the folder's files (analysed again after a change). */
  current(): Analysis {
    if (!this.analysis || this.dirty) {
      this.analysis = this.workspace.analyze();
      this.dirty = false;
    }
    return this.analysis;
  }

  /** Something changed: analyse again and publish. */
  touch(): void {
    this.dirty = true;
    this.stale = true;
  }
}

/** The folder a file belongs to: the innermost that holds it, else the first (files outside every folder). */
export function folderOf(folders: readonly Folder[], uri: string): Folder {
  let best: Folder | undefined;
  for (const f of folders) if (f.contains(uri) && (!best || f.rootUri!.length > best.rootUri!.length)) best = f;
  return best ?? folders[0];
}
