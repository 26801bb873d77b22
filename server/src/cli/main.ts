import { promises as fs } from 'fs';
import * as path from 'path';
import { scaffold, scaffoldYaml, type ScaffoldRequest, unrestrictedEgress, unrestrictedReason, analyze, escapeLine, namespaceProblem, quoteName, egressPath, type GatewayProtocol, type GatewayStyle, hostPeer, spanAt, type Mechanism, ConnectionSet, explainPair, fixWorkspace, applyEdits, type AppliedFix, formatConnlist, focusOn, PortSet, exposureAnalysis, formatExposure, policiesBeyondExposure, type Direction, LineIndex, parseCidr, severityRank, type Analysis, type ConnlistFormat, type Explanation, type Peer, type Protocol, type Reachability, type Severity, type SourceRef, type Workload } from '../engine';
import { VERSION } from '../host/version';
import { displayPath, IoError, load, parseArgs, UsageError, type Io } from './common';
import { uriToPath } from '../host/files';
import { diff } from './diff';
import { flowsCommand } from './flows';
import { toSarif } from './sarif';
import { toJsonArray, toYamlStream } from '../engine/kustomize';
import { renderFromDisk } from '../host/kustomize';
import { analyzeViews, type Analysed, type AnalysedView } from './views';
import { chooseViewFixes, PLAIN_VIEW, reportOf } from '../engine/views';
import { isRenderedUri, type Report } from '../engine/views';
import { Document } from 'yaml';


const USAGE = `Usage: egress-lens <command> [options]

Commands:
  check [paths...]     Report egress misconfigurations in Kubernetes YAML (default path: .)
      --format text|json|sarif   Output format (default: text; sarif: SARIF 2.1.0 for code scanning)
      --fail-on error|warning|info|hint
                                 Exit 1 when a finding is at least this severe (default: warning)
      --fix                      Apply every safe fix to the files first (what fix-all does in the
                                 editor), print what changed, then report and exit by what remains;
                                 in cluster views, in the file that owns each node (a base, a patch)
  reach [paths...]     List who can connect to whom, and on which ports
      --format txt|json|csv|md|dot
                                 Output format (default: txt, the np-guard/netpol-analyzer connlist format)
      --focus WORKLOAD           Only connections of this workload (ns/name[Kind], ns/name or name)
      --direction egress|ingress|both
                                 With --focus: only its outgoing or incoming connections (default: both)
      --exposure                 Also what each workload is exposed to beyond the workloads of the manifests:
                                 every pod of the cluster, pods that policies name by label and no manifest
                                 holds yet ("[all namespaces]/[pod with {app=x}]"), and what no policy
                                 protects (np-guard/netpol-analyzer's exposure analysis, for NetworkPolicy
                                 and the admin policies)
      --focus-conn PORT/PROTOCOL Only the pairs (and exposure) that allow this connection, e.g. 8080/TCP or tcp-8080
      --only unrestricted        Only connections of workloads whose egress reaches every destination on
                                 every port (as EL101, the status bar and the panel count them); each such
                                 workload and why is listed on stderr
  explain [paths...] --from A --to B [--port 443/TCP] [--format text|json]
                       Why A can or cannot reach B: every deciding rule, with file:line
  render PATH [--format yaml|json]
                       Print the resources of the Kustomize view rooted at PATH (a folder with a
                       kustomization, or the kustomization file), as kubectl kustomize would; what
                       cannot be rendered is reported on stderr
  render --cluster NAME [paths...] [--format yaml|json]
                       Print every resource of one view (its Kustomize roots, Helm releases and files)
  diff --dir1 OLD --dir2 NEW [--format txt|csv|md|dot|json]
                       What changed in who can reach whom between two folders
                       (txt, csv, md, dot: np-guard/netpol-analyzer's diff output)
  diff --base REV [--head REV] [paths...] [--format md|json|sarif]
      [--fail-on opens-external|opens-any|none] [--link-template URL]
                       The same between two git revisions (head: the working tree by default);
                       md is a pull-request comment, sarif one result per path opened to or from
                       outside the cluster. --fail-on: exit 1 when the change opens such a path
                       (default: none). --link-template links rules to their line, e.g.
                       https://github.com/OWNER/REPO/blob/{rev}/{path}#L{line}
  flows replay FLOWS... [paths...] [--format text|json|md] [--pods FILE]
                       Evaluate each distinct observed connection under the workspace's policies:
                       allowed (by which rule) or would be blocked (exit 1). FLOWS: Hubble JSON lines
                       (hubble observe -o json|jsonpb), Calico flow log JSON lines, or AWS VPC flow logs
                       (version 2) with --pods FILE (kubectl get pods -A -o json)
  flows explain [paths...] [--flow-file FILE] [--pods FILE] [--format text|json]
                       One flow (a line on standard input, or the first of FILE): what decides it here,
                       compared with what the cluster did (Hubble's egress_denied_by), and what would allow it
  flows synthesize FLOWS... [paths...] [--mechanism networkpolicy|cilium|calico]
      [--calico-edition open-source|enterprise] [--pods FILE]
                       The smallest policies allowing exactly the observed egress, DNS included, with a
                       default-deny for each namespace touched
  scaffold default-deny [paths...] --namespace NS [--dns allow|deny]
  scaffold allow [paths...] --from WORKLOAD --to WORKLOAD|CIDR|HOST [--port 443/TCP,...]
                 [--mechanism networkpolicy|cilium|calico|istio]
  scaffold gateway [paths...] --host HOST [--port N] [--protocol http|https|tls-origination]
                 [--namespace NS] [--style istio|gateway-api] [--network-policy yes|no]
  scaffold traffic-policy [paths...] --host HOST [--namespace NS]
                 Connection pool and outlier detection for an external host (a DestinationRule)
  scaffold access-logs [paths...] [--gateway NS/NAME]
                 Access logs for the egress gateway that routes hosts (a Telemetry resource)
  scaffold rate-limit [paths...] --host HOST [--per-minute N]
                 A local rate limit for a host at the egress gateway that routes it (an EnvoyFilter)
                       Print the policy or routing the editor commands would insert

Options for every command:
  --config FILE        Settings (default: the nearest .egress-lens.yaml above the first path)
  --cluster NAME       check, reach, explain, render: only this view (default: every view). Views
                       are each Kustomize root, each Helm chart and the plain manifests, or those
                       declared under clusters: in .egress-lens.yaml
  -h, --help           Show this help
  --version            Show the version

Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage, I/O or git error.
`;

export interface JsonFinding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  fixes: { title: string; safe: boolean }[];
}

export function toJsonFindings(a: Report, cwd: string): JsonFinding[] {
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
      fixes: f.fixable ? a.fixes(f).map((x) => ({ title: x.title, safe: x.safety === 'safe' })) : [],
    };
  });
}

function formatText(findings: JsonFinding[]): string {
  const lines = findings.map(
    // File names and messages come from the workspace: none may break its line (a fake finding) or hide characters.
    (f) => `${quoteName(f.file)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${escapeLine(f.message)} [${f.ruleId} ${f.ruleName}]`,
  );
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const parts = (['error', 'warning', 'info', 'hint'] as Severity[]).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}${count(s) === 1 ? '' : s === 'info' ? '' : 's'}`);
  const summary = findings.length === 0 ? 'No problems found.' : `${findings.length} problem${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`;
  return (lines.length > 0 ? lines.join('\n') + '\n\n' : '') + summary + '\n';
}

/** A file's text written back, or an I/O error naming it. */
async function writeBack(uri: string, text: string, io: Io): Promise<void> {
  const file = uriToPath(uri);
  if (!file) throw new IoError(`${displayPath(uri, io.cwd)}: cannot be written`);
  try {
    await fs.writeFile(file, text);
  } catch (e) {
    throw new IoError(`${displayPath(uri, io.cwd)}: cannot be written (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * What `check --fix` changed, one line per fix at its place in the file it changed, and a count. To stdout
 * in text format, to stderr with json and sarif (whose stdout is one document).
 */
function sayFixed(changed: readonly { uri: string; applied: readonly AppliedFix[] }[], format: string | undefined, io: Io): void {
  const say = format === 'json' || format === 'sarif' ? io.err : io.out;
  for (const c of changed) {
    const shown = quoteName(displayPath(c.uri, io.cwd));
    for (const f of c.applied) {
      const pos = new LineIndex(f.text).position(f.offset);
      say(`${shown}:${pos.line + 1}:${pos.character + 1}: fixed: ${escapeLine(f.title)} [${f.ruleId}]\n`);
    }
  }
  const count = changed.reduce((n, c) => n + c.applied.length, 0);
  say(count === 0 ? 'Nothing to fix safely.\n' : `Fixed ${count} problem${count === 1 ? '' : 's'} in ${changed.length} file${changed.length === 1 ? '' : 's'}.\n`);
  if (format !== 'json' && format !== 'sarif') say('\n');
}

/** `check --fix` on plain manifests: fix-all on every file, the fixed files written back. */
async function applySafeFixes(a: Analysis, format: string | undefined, io: Io): Promise<Analysis> {
  const { changed, analysis } = fixWorkspace(a);
  for (const c of changed) await writeBack(c.uri, c.text, io);
  sayFixed(changed, format, io);
  return analysis;
}

/**
 * `check --fix` on cluster views: the safe fixes of every view, each written to the file that owns what it
 * changes, once per file when views agree; the views are rendered again and fixed again until nothing safe
 * is left (a fix can make another possible). Returns the analysis of the result.
 */
async function applySafeViewFixes(paths: string[], options: Map<string, string>, first: Analysed, io: Io, maxPasses = 10): Promise<Analysed> {
  let analysed = first;
  const changed = new Map<string, AppliedFix[]>();
  for (let pass = 0; pass < maxPasses; pass++) {
    const chosen = chooseViewFixes(analysed.report);
    if (chosen.length === 0) break;
    for (const uri of new Set(chosen.map((c) => c.uri))) {
      const here = chosen.filter((c) => c.uri === uri);
      const file = uriToPath(uri);
      const text = file ? await fs.readFile(file, 'utf8').catch(() => undefined) : undefined;
      if (text === undefined) throw new IoError(`${displayPath(uri, io.cwd)}: cannot be read`);
      await writeBack(uri, applyEdits(text, here.flatMap((c) => c.fix.edits)), io);
      const applied = changed.get(uri) ?? [];
      // At the finding when it is in this file; at the edit when the fix lands elsewhere (an overlay's patch).
      for (const c of here) applied.push({ ruleId: c.finding.ruleId, title: c.fix.title, offset: c.finding.uri === uri ? c.finding.span.start : c.fix.edits[0].start, text });
      changed.set(uri, applied);
    }
    analysed = await analyzeViews(paths, options, io);
  }
  sayFixed([...changed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([uri, applied]) => ({ uri, applied })), options.get('format'), io);
  return analysed;
}

async function check(args: string[], io: Io): Promise<number> {
  const { paths, options } = parseArgs(args, { format: ['text', 'json', 'sarif'], 'fail-on': ['error', 'warning', 'info', 'hint'], config: null, cluster: null }, ['fix']);
  const failOn = (options.get('fail-on') ?? 'warning') as Severity;
  const analysed = await analyzeViews(paths, options, io);
  let report = analysed.report;
  if (options.has('fix')) {
    const [only] = analysed.views;
    if (analysed.views.length === 1 && only.name === PLAIN_VIEW && !analysed.viewMode) report = reportOf(await applySafeFixes(only.analysis, options.get('format'), io));
    else report = (await applySafeViewFixes(paths, options, analysed, io)).report;
  }
  const findings = toJsonFindings(report, io.cwd);
  const format = options.get('format');
  if (format === 'sarif') io.out(JSON.stringify(toSarif(report, io.cwd, VERSION), null, 2) + '\n');
  else io.out(format === 'json' ? JSON.stringify(findings, null, 2) + '\n' : formatText(findings));
  return findings.some((f) => severityRank[f.severity] >= severityRank[failOn]) ? 1 : 0;
}

function resolvePeer(spec: string, r: Reachability, flag: string): Peer {
  const exact = r.workloads.filter((w) => w.id === spec);
  const candidates = exact.length > 0 ? exact : r.workloads.filter((w) => focusMatches(spec, w));
  if (candidates.length === 1) return { kind: 'workload', workload: candidates[0] };
  if (candidates.length > 1) throw new UsageError(`${flag} "${spec}" is ambiguous: ${candidates.map((w) => w.id).join(', ')}`);
  const cidr = parseCidr(spec.includes('/') ? spec : spec.includes(':') ? `${spec}/128` : `${spec}/32`);
  if (cidr) return { kind: 'ip', ips: cidr.set, name: `${spec}[External]` };
  // A host name: rules that name it (Cilium toFQDNs, Calico domains) or cover every public address decide.
  if (/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/i.test(spec)) return hostPeer(spec);
  throw new UsageError(`${flag} "${spec}": no workload, IP address or host name matches`);
}

/** `443`, `443/TCP`, `TCP/443`, or netpol-analyzer's `tcp-443`. */
function parsePort(spec: string, flag = '--port'): { protocol: Protocol; port: number } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(spec) ?? /^(tcp|udp|sctp)[/-](\d+)$/i.exec(spec);
  if (!m) throw new UsageError(`${flag} "${spec}": expected PORT or PORT/PROTOCOL, e.g. 443/TCP`);
  const [num, proto] = /^\d+$/.test(m[1]) ? [m[1], m[2]] : [m[2], m[1]];
  const port = Number(num);
  if (port < 1 || port > 65535) throw new UsageError(`${flag} "${spec}": a port is 1-65535`);
  return { port, protocol: (proto ?? 'TCP').toUpperCase() as Protocol };
}

/** `file`, 1-based `line` and `column` of an offset in an analysed file (of a rendered text: where it was written). */
type Where = (uri: string, offset: number) => { file: string; line: number; column: number };

function whereIn(view: AnalysedView, texts: ReadonlyMap<string, string>, cwd: string): Where {
  return (uri, offset) => {
    const at = view.trace(uri, { start: offset, end: offset });
    const text = texts.get(at.uri) ?? view.analysis.files.find((f) => f.uri === at.uri)?.text ?? '';
    const pos = new LineIndex(text).position(at.span.start);
    return { file: displayPath(at.uri, cwd), line: pos.line + 1, column: pos.character + 1 };
  };
}

function formatExplanation(e: Explanation, location: Where): string {
  const lines: string[] = [];
  const where = (ref: SourceRef) => {
    const at = location(ref.uri, ref.span.start);
    return `${quoteName(at.file)}:${at.line}:${at.column}`;
  };
  lines.push(`${e.src} => ${e.dst}`);
  if (e.query) lines.push(`${e.query.protocol} ${e.query.port}: ${e.query.allowed ? 'ALLOWED' : 'DENIED'}${e.query.undecidable ? ' (UNDECIDABLE: a rule below may match depending on pod IPs)' : ''}`);
  else lines.push(`Allowed: ${e.allowed.toString()}`);
  for (const s of e.sides) {
    lines.push('');
    lines.push(`${s.direction === 'egress' ? 'Egress of' : 'Ingress of'} ${s.subject}${s.restricted ? '' : ' (no policy restricts it)'}: ${s.allowed.isEmpty ? 'nothing allowed' : s.allowed.toString() + ' allowed'}`);
    for (const d of s.decisions) {
      lines.push(`  ${d.verdict === 'allow' ? '+' : '-'} ${d.conns.toString()}: ${d.text}`);
      for (const ref of d.refs) lines.push(`      at ${where(ref)}`);
    }
    for (const u of s.undecidable ?? []) {
      lines.push(`  ? ${u.text}`);
      for (const ref of u.refs) lines.push(`      at ${where(ref)}`);
    }
  }
  return lines.map(escapeLine).join('\n') + '\n';
}

async function explain(args: string[], io: Io): Promise<number> {
  const { paths, options } = parseArgs(args, { from: null, to: null, port: null, format: ['text', 'json'], config: null, cluster: null });
  const from = options.get('from');
  const to = options.get('to');
  if (!from || !to) throw new UsageError('explain needs --from and --to');
  const query = options.has('port') ? parsePort(options.get('port')!) : undefined;
  const analysed = await analyzeViews(paths, options, io);
  const texts = new Map(analysed.report.files.map((f) => [f.uri, f.text]));
  // In every view that has the workloads named: a view without them says nothing (none at all is an error).
  const results: { view: string; text: string; json: unknown }[] = [];
  let firstError: UsageError | undefined;
  for (const view of analysed.views) {
    try {
      results.push({ view: view.name, ...explainIn(view, from, to, query, whereIn(view, texts, io.cwd)) });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      firstError ??= e;
    }
  }
  if (results.length === 0) throw firstError ?? new UsageError('nothing to explain');
  const several = analysed.views.length > 1;
  if (options.get('format') === 'json') io.out(JSON.stringify(several ? Object.fromEntries(results.map((r) => [r.view, r.json])) : results[0].json, (k, v) => (v instanceof ConnectionSet ? v.toString() : k === 'span' ? undefined : v), 2) + '\n');
  else io.out(results.map((r) => (several ? `# view ${escapeLine(r.view)}\n${r.text}` : r.text)).join('\n'));
  return 0;
}

function explainIn(view: AnalysedView, from: string, to: string, query: { protocol: Protocol; port: number } | undefined, location: Where): { text: string; json: unknown } {
  const analysis = view.analysis;
  const r = analysis.reach;
  const src = resolvePeer(from, r, '--from');
  const dst = resolvePeer(to, r, '--to');
  if (src.kind === 'ip' && dst.kind === 'ip') throw new UsageError('one of --from and --to must be a workload');
  const e = explainPair(r, src, dst, query);
  // Through the mesh: which route, gateway and policy the traffic to a host meets on its way.
  const mesh = analysis.mesh;
  const path = src.kind === 'workload' && dst.kind === 'host' && mesh.istioPresent ? egressPath(mesh, r, src.workload, dst.host, query?.protocol === 'TCP' ? query.port : undefined) : undefined;
  const meshPath = path && { outcome: path.outcome, summary: path.summary, gateway: path.gateway?.label, steps: path.steps.map((st) => ({ text: st.text, ...location(st.resource.uri, spanAt(st.resource, st.path).start) })) };
  let text = formatExplanation(e, location);
  if (path) {
    const lines = ['', `Mesh path: ${path.outcome}`, `  ${path.summary}`];
    for (const st of path.steps) {
      const at = location(st.resource.uri, spanAt(st.resource, st.path).start);
      lines.push(`  - ${st.text}`, `      at ${quoteName(at.file)}:${at.line}:${at.column}`);
    }
    text += lines.map(escapeLine).join('\n') + '\n';
  }
  return { text, json: { ...e, ...(meshPath ? { meshPath } : {}) } };
}

/** `egress-lens scaffold default-deny|allow …`: the YAML the palette commands insert. */
async function scaffoldCommand(args: string[], io: Io): Promise<number> {
  const [what, ...rest] = args;
  const style = { indent: 2, indentSeq: false, eol: '\n' as const };
  // Every scaffold is checked and named against the workspace (paths, or the current folder).
  const made = async (paths: string[], options: Map<string, string>, request: ScaffoldRequest, usage: boolean): Promise<number> => {
    const { sources, config } = await load(paths, options, io);
    const r = scaffold(analyze(sources, config), request);
    if (!r.ok) throw usage ? new UsageError(r.error) : new IoError(r.error);
    for (const n of r.notes) io.err(`note: ${escapeLine(n)}\n`);
    io.out(scaffoldYaml(r.resources, style));
    return 0;
  };
  if (what === 'default-deny') {
    const { paths, options } = parseArgs(rest, { namespace: null, dns: ['allow', 'deny'], config: null });
    const namespace = options.get('namespace');
    if (!namespace) throw new UsageError('scaffold default-deny needs --namespace');
    const problem = namespaceProblem(namespace);
    if (problem) throw new UsageError(`--namespace: ${problem}`);
    return made(paths, options, { kind: 'default-deny', namespace, allowDns: options.get('dns') !== 'deny' }, true);
  }
  if (what === 'allow') {
    const { paths, options } = parseArgs(rest, { from: null, to: null, port: null, mechanism: ['networkpolicy', 'cilium', 'calico', 'istio'], config: null });
    const from = options.get('from');
    const to = options.get('to');
    if (!from || !to) throw new UsageError('scaffold allow needs --from WORKLOAD and --to WORKLOAD|CIDR|HOST');
    const { sources, config } = await load(paths, options, io);
    const r = analyze(sources, config).reach;
    const src = resolvePeer(from, r, '--from');
    if (src.kind !== 'workload') throw new UsageError('--from must be a workload');
    const wl = r.workloads.filter((w) => focusMatches(to, w));
    const cidr = to.includes('/') ? to : `${to}/32`;
    const dest: Extract<ScaffoldRequest, { kind: 'allow' }>['to'] = wl.length === 1 ? { kind: 'workload', id: wl[0].id } : parseCidr(cidr) ? { kind: 'cidr', cidr } : { kind: 'host', host: to };
    const ports = (options.get('port') ?? '').split(',').filter(Boolean).map((p) => parsePort(p));
    return made(paths, options, { kind: 'allow', from: src.workload.id, to: dest, ports, mechanism: (options.get('mechanism') ?? 'networkpolicy') as Mechanism }, false);
  }
  if (what === 'gateway') {
    const { paths, options } = parseArgs(rest, { host: null, port: null, protocol: ['http', 'https', 'tls-origination'], namespace: null, style: ['istio', 'gateway-api'], 'network-policy': ['yes', 'no'], config: null });
    const host = options.get('host');
    if (!host) throw new UsageError('scaffold gateway needs --host HOST');
    const port = options.has('port') ? parsePort(options.get('port')!) : undefined;
    if (port && port.protocol !== 'TCP') throw new UsageError('--port: the gateway routes TCP');
    const request: ScaffoldRequest = {
      kind: 'gateway',
      host,
      port: port?.port,
      protocol: (options.get('protocol') ?? 'https') as GatewayProtocol,
      namespace: options.get('namespace') ?? 'default',
      style: (options.get('style') ?? 'istio') as GatewayStyle,
      networkPolicy: options.get('network-policy') !== 'no',
    };
    return made(paths, options, request, true);
  }
  if (what === 'traffic-policy') {
    const { paths, options } = parseArgs(rest, { host: null, namespace: null, config: null });
    const host = options.get('host');
    if (!host) throw new UsageError('scaffold traffic-policy needs --host HOST');
    return made(paths, options, { kind: 'traffic-policy', host, namespace: options.get('namespace') ?? 'istio-system' }, true);
  }
  if (what === 'access-logs') {
    const { paths, options } = parseArgs(rest, { gateway: null, config: null });
    return made(paths, options, { kind: 'gateway-access-logs', gateway: options.get('gateway') }, false);
  }
  if (what === 'rate-limit') {
    const { paths, options } = parseArgs(rest, { host: null, 'per-minute': null, config: null });
    const host = options.get('host');
    if (!host) throw new UsageError('scaffold rate-limit needs --host HOST');
    const raw = options.get('per-minute');
    const perMinute = raw === undefined ? undefined : Number(raw);
    if (perMinute !== undefined && (!Number.isInteger(perMinute) || perMinute < 1)) throw new UsageError(`--per-minute: ${raw} is not a whole number of requests, at least 1`);
    return made(paths, options, { kind: 'rate-limit', host, perMinute }, false);
  }
  throw new UsageError('scaffold what? default-deny, allow, gateway, traffic-policy, access-logs or rate-limit');
}

/** A workload named on the command line: `ns/name[Kind]`, `ns/name` or `name`. */
function focusMatches(spec: string, w: Workload): boolean {
  return spec === w.id || spec === `${w.namespace}/${w.name}` || spec === w.name;
}

async function reach(args: string[], io: Io): Promise<number> {
  const { paths, options } = parseArgs(args, { format: ['txt', 'json', 'csv', 'md', 'dot'], focus: null, direction: ['egress', 'ingress', 'both'], only: ['unrestricted'], 'focus-conn': null, config: null, cluster: null }, ['exposure']);
  const focusSpec = options.get('focus-conn');
  const focusPort = focusSpec === undefined ? undefined : parsePort(focusSpec, '--focus-conn');
  const focusConn = focusPort && ConnectionSet.of(focusPort.protocol, PortSet.port(focusPort.port));
  const format = (options.get('format') ?? 'txt') as ConnlistFormat;
  const focus = options.get('focus');
  const direction = options.get('direction') ?? 'both';
  const exposure = options.has('exposure');
  if (options.has('direction') && !focus) throw new UsageError('--direction needs --focus');
  if (exposure && options.has('only')) throw new UsageError('--exposure and --only cannot be combined');
  const { views } = await analyzeViews(paths, options, io);
  const lists: { view: string; text: string }[] = [];
  for (const view of views) {
    const r = view.analysis.reach;
    // A view without the workload lists nothing; no view with it is an error.
    if (focus && !r.workloads.some((w) => focusMatches(focus, w))) continue;
    if (exposure) {
      const dir = direction === 'both' ? undefined : (direction as Direction);
      const x = exposureAnalysis(view.analysis.model, r, { ...(focus ? { focus: (w: Workload) => focusMatches(focus, w) } : {}), direction: dir, focusConn });
      const shown = focus ? r.workloads.filter((w) => focusMatches(focus, w) || x.connections.some((c) => (c.src.kind === 'workload' && c.src.workload === w) || (c.dst.kind === 'workload' && c.dst.workload === w))) : r.workloads;
      lists.push({ view: view.name, text: formatExposure(x, format, shown) });
      // Exposure is NetworkPolicy's and the admin policies' (as netpol-analyzer's): say what it leaves out.
      const others = policiesBeyondExposure(r);
      if (others > 0) io.err(escapeLine(`note: exposure covers NetworkPolicy and admin network policies; ${others} other polic${others === 1 ? 'y' : 'ies'} (Calico, Cilium, GKE, Antrea, egress firewalls)${views.length === 1 ? '' : ` in view ${view.name}`} ${others === 1 ? 'is' : 'are'} not part of it`) + '\n');
      continue;
    }
    let conns = r.connections();
    if (focus) {
      const is = (p: Peer) => p.kind === 'workload' && focusMatches(focus, p.workload);
      conns = conns.filter((c) => (direction !== 'ingress' && is(c.src)) || (direction !== 'egress' && is(c.dst)));
    }
    if (options.get('only') === 'unrestricted') {
      const open = r.workloads.filter((w) => unrestrictedEgress(r, w) !== undefined);
      const set = new Set(open);
      conns = conns.filter((c) => c.src.kind === 'workload' && set.has(c.src.workload));
      const where = views.length === 1 ? '' : ` in view ${view.name}`;
      io.err(escapeLine(`note: ${open.length} of ${r.workloads.length} workload${r.workloads.length === 1 ? '' : 's'} with unrestricted egress${where}`) + '\n');
      for (const w of open) io.err(`note: ${escapeLine(`${w.id}: ${unrestrictedReason(unrestrictedEgress(r, w)!)}`)}\n`);
    }
    if (focusConn) conns = focusOn(conns, focusConn);
    lists.push({ view: view.name, text: formatConnlist(conns, format, focus ? r.workloads.filter((w) => conns.some((c) => (c.src.kind === 'workload' && c.src.workload === w) || (c.dst.kind === 'workload' && c.dst.workload === w)) || focusMatches(focus, w)) : r.workloads, focusConn) });
  }
  if (focus && lists.length === 0) throw new UsageError(`no workload matches --focus "${focus}"`);
  if (views.length === 1) io.out(lists[0]?.text ?? '');
  else if (format === 'json') io.out(`{\n${lists.map((l) => `${JSON.stringify(l.view)}: ${l.text.trim()}`).join(',\n')}\n}\n`);
  // One list per view, each under its name (a comment line in every text format).
  else io.out(lists.map((l) => `${format === 'csv' ? '#' : format === 'dot' ? '//' : '#'} view ${escapeLine(l.view)}\n${l.text}`).join('\n'));
  return 0;
}

/**
 * `egress-lens render PATH`: the Kustomize view's resources on stdout, the render's findings on stderr.
 * Exit 0 when it rendered, 1 when a finding is an error (something was left out), 2 for a missing path.
 */
async function render(args: string[], io: Io): Promise<number> {
  const { paths, options } = parseArgs(args, { format: ['yaml', 'json'], cluster: null, config: null });
  if (options.has('cluster')) return renderView(paths, options, io);
  if (paths.length !== 1 || (paths[0] === '.' && !args.includes('.'))) throw new UsageError('render takes one PATH: a folder with a kustomization, or the kustomization file');
  const target = path.resolve(io.cwd, paths[0]);
  if (!(await fs.stat(target).catch(() => undefined))) throw new IoError(`${paths[0]}: no such file or directory`);
  const result = await renderFromDisk(target);
  io.out(options.get('format') === 'json' ? toJsonArray(result.resources) : toYamlStream(result.resources));
  for (const f of result.findings) {
    const text = result.texts.get(f.uri);
    const pos = text !== undefined ? new LineIndex(text).position(f.span.start) : { line: 0, character: 0 };
    io.err(`${displayPath(f.uri, io.cwd)}:${pos.line + 1}:${pos.character + 1}: ${f.severity}: ${f.message} [${f.ruleId} ${f.ruleName}]\n`);
  }
  return result.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

/** `egress-lens render --cluster NAME [paths…]`: every resource of one view, as its renders give them. */
async function renderView(paths: string[], options: Map<string, string>, io: Io): Promise<number> {
  const { views } = await analyzeViews(paths, options, io);
  const view = views[0];
  const docs: unknown[] = [];
  const texts: string[] = [];
  for (const f of view.analysis.files) {
    for (const d of f.documents) {
      if (d.value === null || d.value === undefined || typeof d.value !== 'object') continue;
      docs.push(d.value);
      texts.push(new Document(d.value, { sortMapEntries: isRenderedUri(f.uri) }).toString({ lineWidth: 0, indentSeq: false }));
    }
  }
  io.out(options.get('format') === 'json' ? JSON.stringify(docs, null, 2) + '\n' : texts.join('---\n'));
  // What could not be rendered (a chart without helm, a remote resource) is said on stderr, as render PATH does.
  const problems = view.problems ?? [];
  for (const f of problems) {
    const file = uriToPath(f.uri);
    const pos = new LineIndex(file ? await fs.readFile(file, 'utf8').catch(() => '') : '').position(f.span.start);
    io.err(`${displayPath(f.uri, io.cwd)}:${pos.line + 1}:${pos.character + 1}: ${f.severity}: ${escapeLine(f.message)} [${f.ruleId} ${f.ruleName}]\n`);
  }
  return problems.some((f) => f.severity === 'error') ? 1 : 0;
}

export { UsageError, IoError, type Io } from './common';

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
      case 'reach':
        return await reach(rest, io);
      case 'explain':
        return await explain(rest, io);
      case 'scaffold':
        return await scaffoldCommand(rest, io);
      case 'render':
        return await render(rest, io);
      case 'diff':
        return await diff(rest, io);
      case 'flows':
        return await flowsCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`egress-lens: ${escapeLine(e.message)}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof IoError) {
      io.err(`egress-lens: ${escapeLine(e.message)}\n`);
      return 2;
    }
    io.err(`egress-lens: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}
