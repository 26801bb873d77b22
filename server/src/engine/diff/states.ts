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
 * Analyse an old and a new state. Only the input rules run (a diff is about connectivity, not about
 * findings); `partial` is the configuration of both.
 */
export function analyzeStates(before: readonly SourceFile[], after: readonly SourceFile[], partial: Partial<EngineConfig> = {}): AnalysedStates {
  const off = Object.fromEntries(rules.filter((r) => !INPUT_RULES.includes(r.id)).map((r) => [r.id, 'off' as const]));
  const config = resolveConfig({ ...partial, rules: { ...partial.rules, ...off } });
  const parsed = new Map<string, ParsedFile>();
  const parse = (s: SourceFile): ParsedFile => {
    const f = parsed.get(s.uri);
    if (f && f.text === s.text) return f;
    const fresh = parseFile(s, config);
    if (!f) parsed.set(s.uri, fresh);
    return fresh;
  };
  const old = analyzeParsed(before.map(parse), config);
  return { before: old, after: analyzeParsed(after.map(parse), config, old) };
}
