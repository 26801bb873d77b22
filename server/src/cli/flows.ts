/**
 * `egress-lens flows replay|explain|synthesize`: observed traffic (Hubble, Calico and AWS VPC flow logs)
 * against the workspace's policies.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { allowEgress, analyze, escapeLine, flows, LineIndex, quoteName, renderYaml, type Analysis, type SourceRef } from '../engine';
import { forEachLine, NotAFlowLog, readFlowFile, sniffFormat } from '../host/flow-files';
import { isManifestPath, looksLikeKubernetesJson, readRegularFile } from '../host/files';
import { displayPath, IoError, load, parseArgs, UsageError, type Io } from './common';

/** Flow logs and pod maps may be large; kubectl's pod list is read whole. */
const MAX_PODS_BYTES = 256 * 1024 * 1024;

interface Where {
  file: string;
  line: number;
  column: number;
}

function where(a: Analysis, ref: SourceRef, cwd: string): Where {
  const file = a.files.find((f) => f.uri === ref.uri);
  const pos = new LineIndex(file?.text ?? '').position(ref.span.start);
  return { file: displayPath(ref.uri, cwd), line: pos.line + 1, column: pos.character + 1 };
}

/** Positional arguments: flow logs (sniffed) and the workspace's paths (folders, YAML, Kubernetes JSON). */
async function splitInputs(positional: string[], io: Io): Promise<{ flowFiles: string[]; paths: string[] }> {
  const flowFiles: string[] = [];
  const paths: string[] = [];
  for (const p of positional) {
    const abs = path.resolve(io.cwd, p);
    const st = await fs.stat(abs).catch(() => undefined);
    if (!st) throw new IoError(`${p}: no such file or directory`);
    if (st.isDirectory() || /\.ya?ml$/i.test(p)) {
      paths.push(p);
      continue;
    }
    if (!st.isFile()) throw new IoError(`${p}: not a regular file`);
    if (isManifestPath(p)) {
      // A .json file is a flow log when its lines are flows, a manifest when it is a Kubernetes object.
      if (await sniffFormat(abs)) flowFiles.push(p);
      else {
        const head = await readRegularFile(abs, 64 * 1024).catch(() => undefined);
        if (head && 'text' in head && looksLikeKubernetesJson(head.text)) paths.push(p);
        else flowFiles.push(p);
      }
      continue;
    }
    flowFiles.push(p);
  }
  return { flowFiles, paths: paths.length > 0 ? paths : ['.'] };
}

async function readPods(file: string | undefined, io: Io): Promise<flows.PodAddressMap | undefined> {
  if (file === undefined) return undefined;
  const r = await readRegularFile(path.resolve(io.cwd, file), MAX_PODS_BYTES);
  if (!r || !('text' in r)) throw new IoError(`${file}: cannot be read`);
  let json: unknown;
  try {
    json = JSON.parse(r.text);
  } catch (e) {
    throw new IoError(`${file}: not JSON (${(e as Error).message}); expected kubectl get pods -A -o json`);
  }
  const { map, error } = flows.readPodAddresses(json);
  if (error) throw new IoError(`${file}: ${error}`);
  return map;
}

interface Loaded {
  analysis: Analysis;
  traffic: flows.ObservedTraffic;
  formats: string[];
  flowFiles: string[];
}

async function loadTraffic(args: string[], extra: Record<string, readonly string[] | null>, io: Io): Promise<Loaded & { options: Map<string, string> }> {
  const { paths: positional, options } = parseArgs(args, { pods: null, config: null, ...extra });
  const explicit = positional.length === 1 && positional[0] === '.' && !args.includes('.') ? [] : positional;
  const { flowFiles, paths } = await splitInputs(explicit, io);
  if (flowFiles.length === 0) throw new UsageError('no flow log given (Hubble JSON lines, Calico flow log JSON lines or AWS VPC flow log records)');
  const pods = await readPods(options.get('pods'), io);
  const { sources, config } = await load(paths, options, io);
  const analysis = analyze(sources, config);
  const traffic = new flows.ObservedTraffic(analysis.reach);
  const formats: string[] = [];
  for (const f of flowFiles) {
    try {
      formats.push(flows.FORMAT_NAMES[await readFlowFile(path.resolve(io.cwd, f), traffic, { shown: f, pods })]);
    } catch (e) {
      if (e instanceof NotAFlowLog) throw new IoError(e.message);
      throw e;
    }
  }
  return { analysis, traffic, formats, flowFiles, options };
}

interface ReplayRow {
  source: string;
  destination: string;
  protocol: string;
  port?: number;
  flows: number;
  verdict: 'allowed' | 'blocked';
  because: { text: string; at: Where[] }[];
  cluster: { allowed: number; denied: number; deniedBy?: string[] };
}

function rowsOf(l: Loaded, cwd: string): ReplayRow[] {
  const rows: ReplayRow[] = [];
  for (const c of l.traffic.sorted()) {
    const v = flows.evaluateConnection(l.analysis.reach, c);
    const [src, dst] = flows.connectionName(c).split(' => ');
    rows.push({
      source: src,
      destination: dst.slice(0, dst.lastIndexOf(' ')),
      protocol: c.protocol,
      ...(c.port !== undefined ? { port: c.port } : {}),
      flows: c.flows || c.seenAtDestination,
      verdict: v.allowed ? 'allowed' : 'blocked',
      because: v.because.map((b) => ({ text: b.text, at: b.refs.map((r) => where(l.analysis, r, cwd)) })),
      cluster: { ...c.cluster, ...(c.deniedBy.length > 0 ? { deniedBy: c.deniedBy } : {}) },
    });
  }
  // Blocked first: what would break.
  return [...rows.filter((r) => r.verdict === 'blocked'), ...rows.filter((r) => r.verdict === 'allowed')];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function summaryOf(l: Loaded, rows: ReplayRow[]) {
  const t = l.traffic;
  const blocked = rows.filter((r) => r.verdict === 'blocked');
  return {
    files: l.flowFiles,
    formats: [...new Set(l.formats)],
    lines: t.lines,
    flows: t.flows,
    connections: rows.length,
    blockedConnections: blocked.length,
    blockedFlows: blocked.reduce((s, r) => s + r.flows, 0),
    ignored: ignoredOf(t),
  };
}

function ignoredOf(t: flows.ObservedTraffic) {
  return { replies: t.replies, icmp: t.icmp, unknownEndpoints: t.unknownFlows, malformedLines: t.malformed };
}

function ignoredText(s: { ignored: ReturnType<typeof ignoredOf> }): string {
  const parts = [
    s.ignored.replies > 0 ? plural(s.ignored.replies, 'reply', 'replies') : '',
    s.ignored.icmp > 0 ? `${plural(s.ignored.icmp, 'ICMP flow')} (no policy here decides ICMP)` : '',
    s.ignored.unknownEndpoints > 0 ? `${plural(s.ignored.unknownEndpoints, 'flow')} with an endpoint the workspace does not know` : '',
    s.ignored.malformedLines > 0 ? plural(s.ignored.malformedLines, 'malformed line') : '',
  ].filter(Boolean);
  return parts.length > 0 ? `ignored: ${parts.join(', ')}` : '';
}

function formatReplayText(l: Loaded, rows: ReplayRow[]): string {
  const s = summaryOf(l, rows);
  const out: string[] = [`Replayed ${plural(s.flows, 'flow')} (${plural(s.connections, 'distinct connection')}) from ${s.files.map(quoteName).join(', ')} (${s.formats.join(', ')})`];
  const ign = ignoredText(s);
  if (ign) out.push(`  ${ign}`);
  out.push('');
  for (const r of rows) {
    out.push(`${r.verdict === 'blocked' ? 'BLOCKED' : 'allowed'}  ${r.source} => ${r.destination} ${r.port !== undefined ? `${r.port}/${r.protocol}` : r.protocol}  (${plural(r.flows, 'flow')})`);
    for (const b of r.because) {
      out.push(`    ${b.text}`);
      for (const at of b.at) out.push(`      at ${quoteName(at.file)}:${at.line}:${at.column}`);
    }
  }
  appendUnknownAndErrors(l, out);
  out.push('');
  out.push(s.blockedConnections > 0 ? `${s.blockedConnections} of ${plural(s.connections, 'connection')} (${plural(s.blockedFlows, 'flow')}) would be blocked.` : `Every observed connection is allowed (${plural(s.connections, 'connection')}).`);
  return out.map(escapeLine).join('\n') + '\n';
}

function appendUnknownAndErrors(l: Loaded, out: string[]): void {
  const t = l.traffic;
  if (t.unknown.size > 0) {
    out.push('', 'Endpoints the workspace does not know (not matched, never guessed):');
    for (const u of [...t.unknown.values()].sort((a, b) => b.flows - a.flows || (a.name < b.name ? -1 : 1))) out.push(`  ${u.name}: ${u.reason} (${plural(u.flows, 'flow')})`);
    if (t.unknownDropped > 0) out.push(`  … and ${plural(t.unknownDropped, 'more flow')}`);
  }
  if (t.malformed > 0) {
    out.push('', 'Malformed lines (skipped):');
    for (const e of t.errors) out.push(`  ${e.file ?? ''}:${e.line}: ${e.message}`);
    if (t.malformed > t.errors.length) out.push(`  … and ${plural(t.malformed - t.errors.length, 'more')}`);
  }
}

function mdCell(s: string): string {
  return s.replace(/[\\|`*_[\]<>]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

function formatReplayMd(l: Loaded, rows: ReplayRow[]): string {
  const s = summaryOf(l, rows);
  const out = [
    `### Observed traffic: ${s.blockedConnections > 0 ? `${s.blockedConnections} of ${plural(s.connections, 'connection')} would be blocked` : `all ${plural(s.connections, 'connection')} allowed`}`,
    '',
    `${plural(s.flows, 'flow')} from ${s.files.map((f) => `\`${mdCell(f)}\``).join(', ')}${ignoredText(s) ? `; ${ignoredText(s)}` : ''}.`,
    '',
    '| verdict | source | destination | port | flows | because |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const because = r.because.map((b) => `${mdCell(b.text)}${b.at.length > 0 ? ` (${b.at.map((a) => `${mdCell(a.file)}:${a.line}`).join(', ')})` : ''}`).join('<br>');
    out.push(`| ${r.verdict === 'blocked' ? '**blocked**' : 'allowed'} | ${mdCell(r.source)} | ${mdCell(r.destination)} | ${r.port !== undefined ? `${r.port}/${r.protocol}` : r.protocol} | ${r.flows} | ${because} |`);
  }
  return out.join('\n') + '\n';
}

async function replay(args: string[], io: Io): Promise<number> {
  const l = await loadTraffic(args, { format: ['text', 'json', 'md'] }, io);
  const rows = rowsOf(l, io.cwd);
  const format = l.options.get('format') ?? 'text';
  if (format === 'json') {
    const t = l.traffic;
    io.out(JSON.stringify({ summary: summaryOf(l, rows), connections: rows, unknown: [...t.unknown.values()], malformed: t.errors }, null, 2) + '\n');
  } else io.out(format === 'md' ? formatReplayMd(l, rows) : formatReplayText(l, rows));
  return rows.some((r) => r.verdict === 'blocked') ? 1 : 0;
}

async function synthesizeCommand(args: string[], io: Io): Promise<number> {
  const l = await loadTraffic(args, { mechanism: ['networkpolicy', 'cilium', 'calico'], 'calico-edition': ['open-source', 'enterprise'] }, io);
  const a = l.analysis;
  const mechanism = (l.options.get('mechanism') ?? 'networkpolicy') as flows.SynthesisMechanism;
  const policies = flows.synthesize(l.traffic.connections.values(), {
    mechanism,
    dns: a.config.dns,
    dnsTargets: a.reach.dnsTargets,
    calicoEnterprise: l.options.get('calico-edition') === 'enterprise',
    taken: flows.namesByNamespace(a.model.resources),
  });
  const t = l.traffic;
  const note = ignoredText({ ignored: ignoredOf(t) });
  io.err(`# ${plural(policies.length, 'policy', 'policies')} from ${plural(t.connections.size, 'distinct connection')} (${plural(t.flows, 'flow')})${note ? `; ${note}` : ''}\n`);
  for (const c of l.traffic.sorted().filter(flows.deniedByCluster)) io.err(`# not allowed, only ever dropped by the cluster: ${escapeLine(flows.connectionName(c))}\n`);
  for (const u of [...t.unknown.values()].slice(0, 20)) io.err(`# not allowed, unknown endpoint: ${escapeLine(u.name)}: ${escapeLine(u.reason)}\n`);
  io.out(policies.map((p) => renderYaml(p, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n'));
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `flows explain`: one flow, which policy or rule decides it here, and what would allow it. */
async function explainFlow(args: string[], io: Io, stdin: () => Promise<string>): Promise<number> {
  const { paths, options } = parseArgs(args, { 'flow-file': null, pods: null, config: null, format: ['text', 'json'] });
  let text: string;
  const flowFile = options.get('flow-file');
  if (flowFile !== undefined) {
    const lines: string[] = [];
    const abs = path.resolve(io.cwd, flowFile);
    if (!(await fs.stat(abs).catch(() => undefined))?.isFile()) throw new IoError(`${flowFile}: no such file`);
    await forEachLine(abs, (line) => {
      if (line !== undefined && line.trim() !== '') lines.push(line);
      return lines.length < 1;
    });
    text = lines[0] ?? '';
  } else text = (await stdin()).split('\n').find((x) => x.trim() !== '') ?? '';
  const format = flows.detectFormat([text]);
  if (!format) throw new IoError(`${flowFile ?? 'standard input'}: not a flow (expected one Hubble or Calico JSON line, or a VPC flow log record)`);
  const pods = await readPods(options.get('pods'), io);
  if (format === 'vpc' && !pods) throw new IoError('a VPC flow log record names addresses only: pass the pods with --pods FILE');
  const result = flows.lineReader(format, pods)(text.trim());
  if (result.kind !== 'flow') throw new IoError(`${flowFile ?? 'standard input'}: ${result.kind === 'error' ? result.message : 'not a flow (another kind of event)'}`);
  const { sources, config } = await load(paths, options, io);
  const a = analyze(sources, config);
  const traffic = new flows.ObservedTraffic(a.reach);
  const f = result.flow;
  if (f.protocol === 'ICMP' || f.port === undefined) throw new IoError('an ICMP flow: the policies of the workspace are not evaluated for ICMP here');
  const rs = traffic.matcher.resolve(f.src);
  const rd = traffic.matcher.resolve(f.dst);
  const unknown = [rs, rd].filter((r): r is Extract<flows.ResolvedEndpoint, { kind: 'unknown' }> => r.kind === 'unknown');
  if (unknown.length > 0 || (rs.kind === 'external' && rd.kind === 'external')) {
    const msg = unknown.length > 0 ? unknown.map((u) => `${u.name}: ${u.reason}`).join('; ') : 'both ends are outside the cluster';
    throw new IoError(`the workspace cannot decide this flow: ${msg}`);
  }
  const end = (r: flows.ResolvedEndpoint, ip: string | undefined, names: string[]): flows.ConnectionEnd =>
    r.kind === 'workload' ? { kind: 'workload', workload: r.workload } : { kind: 'external', ...(ip ? { ip } : {}), names };
  const conn = { src: end(rs, f.srcIp, []), dst: end(rd, f.dstIp, f.names), protocol: f.protocol, port: f.port };
  const v = flows.evaluateConnection(a.reach, conn);
  const ours = new Set(v.because.flatMap((b) => b.refs.map((r) => /^\S+ (\S+?)(?:,|$)/.exec(r.label)?.[1] ?? r.label)));
  // The cluster's word: its verdict, and the policies Hubble says denied the flow.
  const clusterDenied = f.verdict === 'denied';
  const disagreements: string[] = [];
  if (f.verdict !== 'other' && clusterDenied === v.allowed) {
    disagreements.push(`the cluster ${clusterDenied ? 'dropped' : 'forwarded'} this flow, but the workspace ${v.allowed ? 'allows' : 'blocks'} it: the cluster runs policies the workspace does not hold (or the workspace has changes not applied yet)`);
  }
  const clusterPolicies = f.deniedBy ?? [];
  // Calico names policies with their tier (`default.name`, `knp.default.name` for a Kubernetes NetworkPolicy).
  const bare = (p: string) => p.replace(/(^|\/)(?:knp\.default\.|default\.)/, '$1');
  const missing = clusterPolicies.filter((p) => !ours.has(bare(p)) && !ours.has(bare(p).split('/').pop()!));
  if (missing.length > 0 && !v.allowed) disagreements.push(`the cluster says ${missing.join(', ')} denied it; the workspace blocks it by ${[...ours].join(', ') || 'no policy it holds'}`);
  else if (missing.length > 0) disagreements.push(`the cluster says ${missing.join(', ')} denied it; the workspace holds no such denial`);
  let scaffold: string | undefined;
  if (!v.allowed && conn.src.kind === 'workload') {
    const w = conn.src.workload;
    const to = conn.dst.kind === 'workload' ? { kind: 'workload' as const, namespace: conn.dst.workload.namespace, name: conn.dst.workload.name, labels: conn.dst.workload.labels } : { kind: 'cidr' as const, cidr: conn.dst.ip?.includes(':') ? `${conn.dst.ip}/128` : `${conn.dst.ip ?? ''}/32` };
    const r = allowEgress({ from: { namespace: w.namespace, name: w.name, labels: w.labels }, to, ports: [{ protocol: f.protocol, port: f.port }], mechanism: 'networkpolicy', dns: a.config.dns, taken: new Set(a.model.resources.filter((x) => x.namespace === w.namespace).map((x) => x.name)) });
    if (r.ok) scaffold = r.resources.map((x) => renderYaml(x, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n');
  }
  const name = flows.connectionName(conn);
  const because = v.because.map((b) => ({ text: b.text, at: b.refs.map((r) => where(a, r, io.cwd)) }));
  if (options.get('format') === 'json') {
    io.out(JSON.stringify({ connection: name, verdict: v.allowed ? 'allowed' : 'blocked', because, cluster: { verdict: f.verdict, ...(clusterPolicies.length > 0 ? { deniedBy: clusterPolicies } : {}) }, disagreements, ...(scaffold ? { scaffold } : {}) }, null, 2) + '\n');
    return 0;
  }
  const out = [name, `${v.allowed ? 'ALLOWED' : 'BLOCKED'} by the workspace; the cluster ${f.verdict === 'allowed' ? 'forwarded it' : f.verdict === 'denied' ? 'dropped it' : 'did not say'}${clusterPolicies.length > 0 ? ` (denied by ${clusterPolicies.join(', ')})` : ''}`];
  for (const b of because) {
    out.push(`  ${b.text}`);
    for (const at of b.at) out.push(`    at ${quoteName(at.file)}:${at.line}:${at.column}`);
  }
  for (const d of disagreements) out.push(`Disagreement: ${d}`);
  let text2 = out.map(escapeLine).join('\n') + '\n';
  if (scaffold) text2 += `\nTo allow it (egress side):\n${scaffold}`;
  io.out(text2);
  return 0;
}

export async function flowsCommand(args: string[], io: Io, stdin: () => Promise<string> = readStdin): Promise<number> {
  const [what, ...rest] = args;
  if (what === 'replay') return replay(rest, io);
  if (what === 'synthesize') return synthesizeCommand(rest, io);
  if (what === 'explain') return explainFlow(rest, io, stdin);
  throw new UsageError('flows what? replay, explain or synthesize');
}
