/**
 * Two states of the same sources analysed for a diff: what is parsed once serves both (a file with the
 * same text in both states is the same parsed file), and the new state's reachability reuses what the
 * old one computed for every workload that no changed policy touches.
 */
import { analyzeParsed, type Analysis } from '../analyze';
import { resolveConfig, type EngineConfig } from '../config';
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

  constructor(files: readonly SourceFile[], partial: Partial<EngineConfig> = {}) {
    const off = Object.fromEntries(rules.filter((r) => !INPUT_RULES.includes(r.id)).map((r) => [r.id, 'off' as const]));
    this.config = resolveConfig({ ...partial, rules: { ...partial.rules, ...off } });
    for (const f of files) this.parsed.set(f.uri, parseFile(f, this.config));
    this.analysis = analyzeParsed([...this.parsed.values()], this.config);
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
