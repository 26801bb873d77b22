/** The fuzzer's inputs and cases: each case is a function of (seed, index) alone, so it can be replayed. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EngineConfig, SourceFile } from '../../server/src/engine';
import { findManifests, pathToUri } from '../../server/src/host/files';
import { corpusDir } from '../conformance/corpus';
import { rng } from '../support/random';
import { examplesDir, repoRoot } from '../support/workspace';
import { Checker } from './fuzz-check';
import { mutate, replaceValue, replacementCount, valueSites } from './mutate';

export const CORPUS_DIRS = ['k8s-netpol-recipes', 'istio-egress', 'istio-samples', 'cilium', 'calico-docs', 'network-policy-api', 'netpol-analyzer'];
/** Larger files are fuzzed too, but rarely: the cost of a case grows with its size. */
export const SMALL = 8_000;

/** Settings the cases run with, so that rules behind settings are fuzzed too. */
export const CONFIGS: Partial<EngineConfig>[] = [
  {},
  { assumeCompleteWorkspace: true, cni: 'calico', clusterCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] },
  { insertNewResources: 'newFile', cni: 'flannel', defaultNamespace: 'prod' },
];

export interface Source {
  name: string;
  uri: string;
  text: string;
  /** The rest of the sample workspace, analysed with it (examples only). */
  context: SourceFile[];
}

export async function loadSources(): Promise<{ examples: Source[]; corpus: Source[] }> {
  const exampleFiles = (await findManifests(examplesDir)).map((p) => ({ name: path.relative(repoRoot, p), uri: pathToUri(p), text: readFileSync(p, 'utf8') }));
  const examples = exampleFiles.map((f) => ({ ...f, context: exampleFiles.filter((g) => g.uri !== f.uri).map(({ uri, text }) => ({ uri, text })) }));
  const corpus: Source[] = [];
  for (const dir of CORPUS_DIRS) {
    for (const p of await findManifests(path.join(corpusDir, dir))) {
      if (!/\.ya?ml$/.test(p)) continue;
      corpus.push({ name: path.relative(corpusDir, p), uri: 'file:///fuzz/case.yaml', text: readFileSync(p, 'utf8'), context: [] });
    }
  }
  return { examples, corpus };
}

export interface Case {
  index: number;
  source: Source;
  text: string;
  applied: string[];
  config: number;
  /** The files the case is analysed with (the sample workspace's other files, or none). */
  files: SourceFile[];
}

function caseFiles(source: Source, text: string, withContext: boolean): SourceFile[] {
  return [...(withContext ? source.context : []), { uri: source.uri, text }];
}

/** Case i of a seed: a function of (seed, i) alone, so any case can be replayed on its own. */
export function makeCase(seed: number, index: number, sweep: Case[], pool: Pick<Pool, 'small' | 'large'>): Case {
  if (index < sweep.length) return sweep[index];
  const r = rng((seed ^ Math.imul(index, 0x9e3779b1)) >>> 0);
  const from = r() < 0.03 ? pool.large : pool.small;
  const source = from[Math.floor(r() * from.length)];
  const { text, applied } = mutate(source.text, r);
  return { index, source, text, applied, config: Math.floor(r() * CONFIGS.length), files: caseFiles(source, text, true) };
}

/** Every value of every example, given each other type in turn ("wrong types in every field"). */
export function typeSweep(examples: Source[]): Case[] {
  const out: Case[] = [];
  for (const source of examples) {
    valueSites(source.text).forEach((site, i) => {
      const n = replacementCount(site);
      for (let k = 0; k < 6; k++) {
        const choice = (i * 7 + Math.floor((k * n) / 6)) % n;
        const text = replaceValue(source.text, site, choice);
        // A third of them with the rest of the sample workspace (cross-file rules), the others alone (faster).
        out.push({ index: out.length, source, text, applied: [`wrongType@${site.start}#${choice}`], config: k % CONFIGS.length, files: caseFiles(source, text, k % 3 === 0) });
      }
    });
  }
  return out;
}


export interface Pool {
  sweep: Case[];
  small: Source[];
  large: Source[];
}

export async function loadPool(): Promise<Pool> {
  const { examples, corpus } = await loadSources();
  if (corpus.length < 100) throw new Error(`the vendored corpus is missing or incomplete: ${corpusDir}`);
  const all = [...examples, ...corpus];
  return { sweep: typeSweep(examples), small: all.filter((s) => s.text.length <= SMALL), large: all.filter((s) => s.text.length > SMALL) };
}

export interface RunResult {
  cases: number;
  findings: number;
  fixes: number;
  failures: string[];
  /** How often each mutation was applied. */
  mutations: Record<string, number>;
}

/**
 * Run cases of a seed through the engine checks, in the given order. `report` formats a failure; it is
 * given the case the same workspace saw before (the incremental analysis of a case depends on it).
 */
export function runCases(seed: number, indices: Iterable<number>, pool: Pool, report: (c: Case, problems: string[], previous?: number) => string, alwaysFresh = false): RunResult {
  const checkers = CONFIGS.map((c) => new Checker(c));
  const previous: (number | undefined)[] = CONFIGS.map(() => undefined);
  const out: RunResult = { cases: 0, findings: 0, fixes: 0, failures: [], mutations: {} };
  for (const i of indices) {
    const c = makeCase(seed, i, pool.sweep, pool);
    for (const m of c.applied) {
      const name = m.replace(/@.*/, '');
      out.mutations[name] = (out.mutations[name] ?? 0) + 1;
    }
    // Every fourth case is also analysed from scratch: the same input must give the same output.
    const result = checkers[c.config].check(c.files, alwaysFresh || i % 4 === 0, i);
    out.cases++;
    out.findings += result.findings;
    out.fixes += result.fixes;
    if (result.problems.length > 0) {
      out.failures.push(report(c, result.problems, previous[c.config]));
      if (out.failures.length >= 5) break;
    }
    previous[c.config] = i;
  }
  return out;
}

/** A failure: the seed, the case, the mutations, where the input was saved, and how to replay it. */
export function failureReport(seed: number, c: Case, problems: string[], previous?: number): string {
  const dir = path.join(repoRoot, 'out/fuzz-failures');
  mkdirSync(dir, { recursive: true });
  const saved = path.join(dir, `${seed}-${c.index}.yaml`);
  writeFileSync(saved, c.text);
  return [
    `fuzz case ${c.index} of seed ${seed} failed: ${c.source.name} after ${c.applied.join(', ')} (config ${c.config})`,
    ...problems.slice(0, 8).map((p) => `  - ${p}`),
    `  input: ${saved}`,
    `  replay: EGRESS_LENS_FUZZ_SEED=${seed} EGRESS_LENS_FUZZ_CASE=${previous === undefined ? '' : `${previous},`}${c.index} node --test out/test/robust/fuzz.test.js`,
  ].join('\n');
}
