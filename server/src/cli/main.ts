import { promises as fs } from 'fs';
import * as path from 'path';
import { analyze, fixesFor, LineIndex, severityRank, type Analysis, type Severity } from '../engine';
import { findManifests, isManifestPath, pathToUri, readManifest, uriToPath } from '../host/files';

const VERSION = '0.1.0';

const USAGE = `Usage: egress-lens <command> [options]

Commands:
  check [paths...]   Report egress misconfigurations in Kubernetes YAML (default path: .)

Options for check:
  --format text|json       Output format (default: text)
  --fail-on error|warning|info|hint
                           Exit 1 when a finding is at least this severe (default: warning)
  -h, --help               Show this help
  --version                Show the version

Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage or I/O error.
`;

export class UsageError extends Error {}

interface CheckOptions {
  paths: string[];
  format: 'text' | 'json';
  failOn: Severity;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

function parseCheckArgs(args: string[]): CheckOptions {
  const opts: CheckOptions = { paths: [], format: 'text', failOn: 'warning' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`unknown format "${v}" (expected text or json)`);
      opts.format = v;
    } else if (a === '--fail-on' || a.startsWith('--fail-on=')) {
      const v = value();
      if (!(v in severityRank)) throw new UsageError(`unknown severity "${v}" for --fail-on (expected error, warning, info or hint)`);
      opts.failOn = v as Severity;
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    else opts.paths.push(a);
  }
  if (opts.paths.length === 0) opts.paths.push('.');
  return opts;
}

/** The files named on the command line, directories expanded. Throws an I/O error message for missing paths. */
async function collect(paths: string[], cwd: string): Promise<{ uri: string; text: string }[]> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = await fs.stat(abs);
    } catch {
      throw new IoError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) files.push(...(await findManifests(abs)));
    else files.push(abs);
  }
  const out = [];
  for (const f of [...new Set(files)]) {
    const explicit = !isManifestPath(f);
    let text: string | undefined;
    try {
      text = explicit ? await fs.readFile(f, 'utf8') : await readManifest(f);
    } catch (e) {
      throw new IoError(`${path.relative(cwd, f) || f}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (text === undefined) {
      // readManifest returns undefined for unreadable files and for JSON that is not Kubernetes.
      try {
        await fs.access(f, 4);
      } catch (e) {
        throw new IoError(`${path.relative(cwd, f) || f}: cannot read file (${(e as NodeJS.ErrnoException).code ?? 'EACCES'})`);
      }
      continue;
    }
    out.push({ uri: pathToUri(f), text });
  }
  return out;
}

export class IoError extends Error {}

function displayPath(uri: string, cwd: string): string {
  const p = uriToPath(uri) ?? uri;
  return path.relative(cwd, p).split(path.sep).join('/') || p;
}

export interface JsonFinding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  fixes: { title: string; safe: boolean }[];
}

export function toJsonFindings(a: Analysis, cwd: string): JsonFinding[] {
  const lines = new Map(a.files.map((f) => [f.uri, new LineIndex(f.text)]));
  return a.findings.map((f) => {
    const li = lines.get(f.uri) ?? new LineIndex('');
    return {
      ruleId: f.ruleId,
      ruleName: f.ruleName,
      severity: f.severity,
      message: f.message,
      file: displayPath(f.uri, cwd),
      range: { start: li.position(f.span.start), end: li.position(f.span.end) },
      fixes: f.fixable ? fixesFor(a, f).map((x) => ({ title: x.title, safe: x.safety === 'safe' })) : [],
    };
  });
}

function formatText(findings: JsonFinding[]): string {
  const lines = findings.map(
    (f) => `${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${f.message} [${f.ruleId} ${f.ruleName}]`,
  );
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const parts = (['error', 'warning', 'info', 'hint'] as Severity[]).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}${count(s) === 1 ? '' : s === 'info' ? '' : 's'}`);
  const summary = findings.length === 0 ? 'No problems found.' : `${findings.length} problem${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`;
  return (lines.length > 0 ? lines.join('\n') + '\n\n' : '') + summary + '\n';
}

async function check(args: string[], io: Io): Promise<number> {
  const opts = parseCheckArgs(args);
  const sources = await collect(opts.paths, io.cwd);
  const analysis = analyze(sources);
  const findings = toJsonFindings(analysis, io.cwd);
  io.out(opts.format === 'json' ? JSON.stringify(findings, null, 2) + '\n' : formatText(findings));
  return findings.some((f) => severityRank[f.severity] >= severityRank[opts.failOn]) ? 1 : 0;
}

/** The CLI as a function: argv in, exit code out. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version') {
      io.out(`${VERSION}\n`);
      return 0;
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(USAGE);
      return 0;
    }
    switch (command) {
      case 'check':
        return await check(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`egress-lens: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof IoError) {
      io.err(`egress-lens: ${e.message}\n`);
      return 2;
    }
    io.err(`egress-lens: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}
