/**
 * Helm charts rendered by the user's own helm (`helm template`), never by a copy of ours. Run only where
 * the workspace is trusted (the language server asks the client; the CLI is run by its user on purpose),
 * with no network: no repository update, no dependency download (dependencies come only from the chart's
 * `charts/` folder; a missing one is reported and the chart is not rendered), proxies pointed at a closed
 * port, helm's repository and cache settings pointed at an empty folder, and a time limit.
 */
import { execFile } from 'child_process';
import { promises as fs, mkdtempSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { Finding, Span } from '../engine';
import type { HelmRelease } from '../engine/views/detect';
import { pathToUri, uriToPath } from './files';

export interface HelmOptions {
  /** The helm binary (default: `helm` on PATH). */
  path?: string;
  timeoutSeconds?: number;
}

export type HelmResult = { ok: true; output: string; chartName: string } | { ok: false; problems: Finding[] };

const DEFAULT_TIMEOUT = 20;

const note = (uri: string, span: Span, message: string, severity: Finding['severity'] = 'info'): Finding => ({ ruleId: 'EL004', ruleName: 'file-not-analysed', severity, message, uri, span });

/** Dependencies the chart declares that its `charts/` folder does not hold (as a folder, or a packaged .tgz). */
export async function missingDependencies(chartDir: string, chartYaml: string): Promise<{ name: string; span: Span }[]> {
  const doc = parseDocument(chartYaml, { logLevel: 'silent' });
  const deps = doc.get('dependencies', true) as Node | undefined;
  if (!isSeq(deps)) return [];
  let present: string[] = [];
  try {
    present = await fs.readdir(path.join(chartDir, 'charts'));
  } catch {
    present = [];
  }
  const out: { name: string; span: Span }[] = [];
  for (const d of deps.items) {
    if (!isMap(d)) continue;
    const nameNode = d.get('name', true) as Node | undefined;
    const name = isScalar(nameNode) ? String(nameNode.value) : undefined;
    if (!name) continue;
    // helm template needs every declared dependency, even one a condition switches off.
    const found = present.some((p) => p === name || (p.startsWith(`${name}-`) && p.endsWith('.tgz')));
    if (!found) out.push({ name, span: nameNode?.range ? { start: nameNode.range[0], end: nameNode.range[1] } : { start: 0, end: 0 } });
  }
  return out;
}

let emptyHome: string | undefined;

/** An empty folder for helm's settings, caches and repository list: nothing configured, nothing fetched. */
function isolatedHome(): string {
  emptyHome ??= mkdtempSync(path.join(os.tmpdir(), 'egress-lens-helm-'));
  return emptyHome;
}

/** A `--set` value as helm reads it: keys and values with commas or backslashes escaped. */
function setArg(key: string, value: string | number | boolean): string {
  return `${key}=${String(value).replace(/\\/g, '\\\\').replace(/,/g, '\\,')}`;
}

/** `helm template` of one release: its output, or why it could not be rendered (EL004 at Chart.yaml). */
export async function renderChart(release: HelmRelease, options: HelmOptions = {}): Promise<HelmResult> {
  const chartDir = uriToPath(release.chart) ?? release.chart;
  const chartFile = path.join(chartDir, 'Chart.yaml');
  const chartUri = pathToUri(chartFile);
  const start = { start: 0, end: 0 };
  let chartYaml: string;
  try {
    chartYaml = await fs.readFile(chartFile, 'utf8');
  } catch {
    return { ok: false, problems: [note(chartUri, start, `Helm chart not rendered: ${chartFile} cannot be read.`, 'warning')] };
  }
  const chartName = String(parseDocument(chartYaml, { logLevel: 'silent' }).get('name') ?? path.basename(chartDir));
  const missing = await missingDependencies(chartDir, chartYaml);
  if (missing.length > 0) {
    return {
      ok: false,
      problems: missing.map((m) => note(chartUri, m.span, `Helm chart not rendered: the dependency "${m.name}" is not in the chart's charts/ folder (Egress Lens never downloads charts; run helm dependency build to fetch it).`, 'warning')),
    };
  }
  const bin = options.path ?? 'helm';
  const args = ['template', release.release, chartDir, '--namespace', release.namespace, '--skip-tests'];
  for (const v of release.values) args.push('--values', uriToPath(v) ?? v);
  for (const [k, v] of Object.entries(release.set)) args.push('--set', setArg(k, v));
  const home = isolatedHome();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    HELM_REPOSITORY_CONFIG: path.join(home, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(home, 'repository'),
    // No network: every proxy is a closed port, and no cluster is configured.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
  };
  const timeout = (options.timeoutSeconds ?? DEFAULT_TIMEOUT) * 1000;
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, output: stdout, chartName });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
      let why: string;
      if (e.code === 'ENOENT') why = `helm was not found${options.path ? ` at ${options.path}` : ' on PATH'}. Install helm, or set egressLens.helm.path (or helm.path in .egress-lens.yaml), to analyse this chart`;
      else if (e.killed || e.signal === 'SIGTERM') why = `helm template took longer than ${timeout / 1000} s (helm.timeoutSeconds)`;
      else why = `helm template failed: ${String(stderr || e.message).trim().split('\n').slice(-3).join(' ').slice(0, 500)}`;
      resolve({ ok: false, problems: [note(chartUri, start, `Helm chart not rendered: ${why}.`, e.code === 'ENOENT' ? 'info' : 'warning')] });
    });
  });
}
