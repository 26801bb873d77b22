/**
 * Two states of the same sources analysed for a diff: what is parsed once serves both (a file with the
 * same text in both states is the same parsed file), and the new state's reachability reuses what the
 * old one computed for every workload that no changed policy touches.
 */
import { analyzeParsed, type Analysis } from '../analyze';
import { readsAlike, resolveConfig, withRules, type EngineConfig } from '../config';
import { parseFile, type ParsedFile } from '../parse/parse';
import { rules } from '../rules';
import type { SourceFile } from '../types';

/** The rules that report input a diff could not read (syntax errors, skipped files), as `check` does. */
export const INPUT_RULES: readonly string[] = ['EL001', 'EL004', 'EL006'];

export interface AnalysedStates {
  before: Analysis;
  after: Analysis;
}

/**
 * An old state, analysed once, that new states are compared with: the whole new state (`compare`), or the
 * old one with a few files changed (`withFiles`, what one edited file alone changes). Only the input rules
 * run (a diff is about connectivity, not about findings); `partial` is the configuration of both.
 */
export class BaseState {
  readonly analysis: Analysis;
  readonly config: EngineConfig;
  private readonly parsed = new Map<string, ParsedFile>();

  /**
   * `workspace`: an analysis of the workspace as it is now, under the settings this state is analysed with
   * (its configuration serves instead of `partial`). This state's reachability takes its tables over where
   * nothing differs, so that the workspace's later analyses, which take over from it in turn, share them:
   * `withFile` can then use the workspace's own analysis for a state and compare only what differs.
   */
  constructor(files: readonly SourceFile[] | ReadonlyMap<string, ParsedFile>, partial: Partial<EngineConfig> = {}, workspace?: Analysis) {
    const off = Object.fromEntries(rules.filter((r) => !INPUT_RULES.includes(r.id)).map((r) => [r.id, 'off' as const]));
    this.config = workspace ? withRules(workspace.config, off) : resolveConfig({ ...partial, rules: { ...partial.rules, ...off } });
    if (files instanceof Map) for (const [uri, f] of files) this.parsed.set(uri, f);
    else for (const f of files as readonly SourceFile[]) this.parsed.set(f.uri, parseFile(f, this.config));
    this.analysis = analyzeParsed([...this.parsed.values()], this.config, workspace);
  }

  /**
   * The same state analysed again from the workspace's analysis, when its lineage is not this state's (an
   * address block or a container port changed since this state was built, and changed back) and a
   * reachability built from it would take its tables over: the parsed files are shared, the model's parts
   * are kept, and only what differs is computed. Undefined when it would not share the workspace's lineage.
   */
  rebased(workspace: Analysis): BaseState | undefined {
    if (!readsAlike(workspace.config, this.config) || workspace.reach.sharesLineage(this.analysis.reach) || !workspace.reach.sameOutside(this.analysis.reach)) return undefined;
    const next = new BaseState(this.parsed, {}, workspace);
    return next.analysis.reach.sharesLineage(workspace.reach) ? next : undefined;
  }

  /** The text a file has in this state (undefined: the state has no such file). */
  text(uri: string): string | undefined {
    return this.parsed.get(uri)?.text;
  }

  /** A file as this state would parse it: the old parse when the text is the same. */
  private parse(s: SourceFile): ParsedFile {
    const f = this.parsed.get(s.uri);
    return f && f.text === s.text && f.unreadable === s.unreadable && f.tooLarge === s.tooLarge ? f : parseFile(s, this.config);
  }

  /** A new state, given whole. */
  compare(files: readonly SourceFile[]): Analysis {
    return analyzeParsed(files.map((s) => this.parse(s)), this.config, this.analysis);
  }

  /**
   * This state with one file as it is now (`file`), for what that file's change alone does. `workspace`, the
   * workspace's own analysis of `files`, is that state when every other file is as it is here (same texts,
   * same files) and it shares this state's reachability lineage (see the constructor): then nothing is
   * analysed again. Otherwise the state is analysed with the file in it.
   */
  withFile(file: SourceFile, workspace?: { analysis: Analysis; files: readonly SourceFile[] }): Analysis {
    if (workspace && this.holds(workspace.files, file) && readsAlike(workspace.analysis.config, this.config) && workspace.analysis.reach.sharesLineage(this.analysis.reach)) return workspace.analysis;
    return this.withFiles(new Map([[file.uri, file]]));
  }

  /** Per file of another state, whether its text (the same string object as last asked) is this state's. */
  private readonly sameText = new Map<string, { text: string; same: boolean }>();

  /** Whether `files` are this state's files, each with the same text, but for `changed`, which they hold as given (then the workspace of `files` is this state with `changed`). */
  holds(files: readonly SourceFile[], changed: SourceFile): boolean {
    const except = changed.uri;
    let n = 0;
    let found = false;
    for (const f of files) {
      if (f.uri === except) {
        found = f.text === changed.text && f.unreadable === changed.unreadable && f.tooLarge === changed.tooLarge;
        if (!found) return false;
        continue;
      }
      n++;
      if (f.unreadable !== undefined || f.tooLarge !== undefined) return false;
      let known = this.sameText.get(f.uri);
      if (known?.text !== f.text) this.sameText.set(f.uri, (known = { text: f.text, same: this.parsed.get(f.uri)?.text === f.text }));
      if (!known.same) return false;
    }
    return found && n === this.parsed.size - (this.parsed.has(except) ? 1 : 0);
  }

  /** This state with some files replaced (their new source) or removed (null). */
  withFiles(changes: ReadonlyMap<string, SourceFile | null>): Analysis {
    const files = [...this.parsed.values()].filter((f) => !changes.has(f.uri));
    for (const s of changes.values()) if (s) files.push(this.parse(s));
    return analyzeParsed(files, this.config, this.analysis);
  }
}

/** Analyse an old and a new state (see BaseState). */
export function analyzeStates(before: readonly SourceFile[], after: readonly SourceFile[], partial: Partial<EngineConfig> = {}): AnalysedStates {
  const base = new BaseState(before, partial);
  return { before: base.analysis, after: base.compare(after) };
}
