/**
 * `egress-lens diff`: what a change opens and closes.
 * - `--dir1 OLD --dir2 NEW`: two folders; txt, csv, md and dot are netpol-analyzer's diff output.
 * - `--base REV [--head REV] [paths…]`: two git revisions (head: the working tree), read from the object
 *   store; md is a pull-request comment, json the same as data, sarif one result per path opened to or
 *   from outside the cluster. `--fail-on` sets the exit code.
 */
import * as path from 'path';
import { analyzeStates, diffAnalyses, diffToJson, formatConnlistDiff, LineIndex, opensAndCloses, pathKind, reviewMarkdown, type AnalysedStates, type Analysis, type ConnectivityDiff, type ConnlistDiffFormat, type Locator, type SourceFile } from '../engine';
import { VERSION } from '../host/version';
import { pathToUri } from '../host/files';
import { GitError, openRepository, resolveRevision, revisionFiles } from '../host/git';
import { collect, displayPath, IoError, load, parseArgs, UsageError, type Io } from './common';
import { diffToSarif } from './sarif';

const FAIL_ON = ['opens-external', 'opens-any', 'none'] as const;
type FailOn = (typeof FAIL_ON)[number];

/** Whether the diff opens what `--fail-on` names. */
function fails(d: ConnectivityDiff, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  return d.changes.some((c) => opensAndCloses(c).opens && (failOn === 'opens-any' || pathKind(c) === 'toInternet' || pathKind(c) === 'fromInternet'));
}

/** Input a state could not read (syntax errors, skipped files), as `check` prints them, on stderr. */
function reportProblems(states: AnalysedStates, names: { before: string; after: string }, io: Io): void {
  for (const [state, a] of [
    ['before', states.before],
    ['after', states.after],
  ] as const) {
    for (const f of a.findings) {
      const text = a.files.find((x) => x.uri === f.uri)?.text ?? '';
      const pos = new LineIndex(text).position(f.span.start);
      io.err(`${displayPath(f.uri, io.cwd)}:${pos.line + 1}:${pos.character + 1}: ${f.severity}: ${f.message} [${f.ruleId} ${f.ruleName}] (in ${names[state]})\n`);
    }
  }
}

function problemsJson(states: AnalysedStates, cwd: string) {
  const one = (state: 'before' | 'after', a: Analysis) =>
    a.findings.map((f) => {
      const pos = new LineIndex(a.files.find((x) => x.uri === f.uri)?.text ?? '').position(f.span.start);
      return { state, ruleId: f.ruleId, severity: f.severity, message: f.message, file: displayPath(f.uri, cwd), line: pos.line + 1, column: pos.character + 1 };
    });
  return [...one('before', states.before), ...one('after', states.after)];
}

/** `egress-lens diff --dir1 OLD --dir2 NEW`. */
async function diffDirs(options: Map<string, string>, io: Io): Promise<number> {
  const format = options.get('format') ?? 'txt';
  if (!['txt', 'csv', 'md', 'dot', 'json'].includes(format)) throw new UsageError(`unknown value "${format}" for --format with --dir1/--dir2 (expected txt, csv, md, dot, json)`);
  const dir1 = options.get('dir1')!;
  const dir2 = options.get('dir2')!;
  const { config } = await load([dir2], options, io);
  const states = analyzeStates(await collect([dir1], io.cwd), await collect([dir2], io.cwd), config);
  reportProblems(states, { before: dir1, after: dir2 }, io);
  const d = diffAnalyses(states.before, states.after, { explain: format === 'json' });
  if (format === 'json') {
    io.out(JSON.stringify({ ...diffToJson(d, states, { path: (uri) => displayPath(uri, io.cwd) }), problems: problemsJson(states, io.cwd) }, null, 2) + '\n');
  } else io.out(formatConnlistDiff(d, format as ConnlistDiffFormat, { ref1: 'dir1', ref2: 'dir2' }));
  return fails(d, (options.get('fail-on') ?? 'none') as FailOn) ? 1 : 0;
}

/** `egress-lens diff --base REV [--head REV] [paths…]`. */
async function diffRevisions(paths: string[], options: Map<string, string>, io: Io): Promise<number> {
  const format = options.get('format') ?? 'md';
  if (!['md', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown value "${format}" for --format with --base (expected md, json, sarif)`);
  const failOn = (options.get('fail-on') ?? 'none') as FailOn;
  const repo = await openRepository(path.resolve(io.cwd, paths[0]));
  const baseRev = options.get('base')!;
  const headRev = options.get('head');
  const base = await resolveRevision(repo, baseRev);
  const head = headRev !== undefined ? await resolveRevision(repo, headRev) : undefined;
  const under = paths.map((p) => path.resolve(io.cwd, p));
  const { config } = await load(paths, options, io);
  const toSources = (files: { path: string; text: string }[]): SourceFile[] => files.map((f) => ({ uri: pathToUri(f.path), text: f.text }));
  const before = toSources(await revisionFiles(repo, base, under));
  const after = head !== undefined ? toSources(await revisionFiles(repo, head, under)) : await collect(paths, io.cwd);
  const states = analyzeStates(before, after, config);
  const names = { before: baseRev, after: headRev ?? 'the working tree' };
  reportProblems(states, names, io);
  const d = diffAnalyses(states.before, states.after);
  const template = options.get('link-template');
  const revs = { before: base, after: head ?? 'HEAD' };
  const locator: Locator = {
    path: (uri) => displayPath(uri, repo.dir),
    link: template ? (state, file, line) => template.replace(/\{rev\}/g, revs[state]).replace(/\{path\}/g, file.split('/').map(encodeURIComponent).join('/')).replace(/\{line\}/g, String(line)) : undefined,
  };
  if (format === 'json') io.out(JSON.stringify({ base: { rev: baseRev, commit: base }, head: { rev: headRev ?? null, commit: head ?? null }, ...diffToJson(d, states, locator), problems: problemsJson(states, repo.dir) }, null, 2) + '\n');
  else if (format === 'sarif') io.out(JSON.stringify(diffToSarif(d, states, repo.dir, VERSION), null, 2) + '\n');
  else io.out(reviewMarkdown(d, states, locator));
  return fails(d, failOn) ? 1 : 0;
}

export async function diff(args: string[], io: Io): Promise<number> {
  const { paths, options } = parseArgs(args, { dir1: null, dir2: null, base: null, head: null, format: null, 'fail-on': FAIL_ON, 'link-template': null, config: null });
  const dirs = options.has('dir1') || options.has('dir2');
  try {
    if (dirs) {
      if (!options.has('dir1') || !options.has('dir2')) throw new UsageError('diff needs both --dir1 and --dir2');
      if (options.has('base') || options.has('head')) throw new UsageError('diff takes --dir1/--dir2 or --base/--head, not both');
      if (args.some((a) => !a.startsWith('-')) && paths.some((p) => p !== '.' && p !== options.get('dir1') && p !== options.get('dir2'))) throw new UsageError('diff --dir1/--dir2 takes no other paths');
      return await diffDirs(options, io);
    }
    if (!options.has('base')) throw new UsageError('diff needs --dir1 and --dir2, or --base REV');
    if (options.has('link-template') && !/^https?:\/\//.test(options.get('link-template')!)) throw new UsageError('--link-template must be an http(s) URL with {rev}, {path} and {line}');
    return await diffRevisions(paths, options, io);
  } catch (e) {
    if (e instanceof GitError) throw new IoError(e.message);
    throw e;
  }
}
