/**
 * Observed traffic on the reachability panel (issue 19): the flows loaded with Load Observed Flows…, replayed
 * against the analysis, laid over its graph. An edge that flows took is marked `seen` (the workspace allows
 * them) or `blocked` (it would block some); an edge no flow took carries no mark (a candidate for tightening);
 * a blocked connection that no edge stands for gets an edge of its own, to the observed destination (a node
 * of its own when the graph has none for it). Each marked edge is explained by its connections, as
 * `egress-lens flows explain` says them: the rule that allows each, or the policies that block it.
 */
import type { Analysis } from '../../analyze';
import * as flows from '../../flows';
import { ConnectionSet } from '../../sets/connections';
import { PortSet } from '../../sets/portset';
import type { ExplainItem, ExplainLink, ExplainSection, ObservedSummary, ReachConns, ReachEdge, ReachNode } from './types';
import { INTERNET, rangesHold, toConns, type ReachabilityView } from './view';

/** One observed connection on an edge: what it is, how many flows took it, and the workspace's verdict. */
export interface ObservedDetail {
  text: string;
  flows: number;
  verdict: flows.ReplayVerdict;
}

/** The view with the overlay: its nodes and edges (marked, and the observed-only ones added). */
export interface ObservedOverlay {
  nodes: ReachNode[];
  index: Map<string, number>;
  conns: ReachConns[];
  edges: ReachEdge[];
  /** Per edge (`srcId>dstId`): the observed connections on it. */
  details: Map<string, ObservedDetail[]>;
  summary: Omit<ObservedSummary, 'sources'>;
}

const overlays = new WeakMap<Analysis, ObservedOverlay | undefined>();

function endText(e: flows.ConnectionEnd): string {
  if (e.kind === 'workload') return e.workload.id;
  if (e.names.length > 0) return e.ip ? `${e.names.join(', ')} (${e.ip})` : e.names.join(', ');
  return e.ip ?? '';
}

/** The overlay of the flows an analysis was configured with (none when no flows are loaded); cached per analysis. */
export function observedOverlay(a: Analysis, view: ReachabilityView): ObservedOverlay | undefined {
  if (overlays.has(a)) return overlays.get(a);
  const records = a.config.observedFlows;
  const made = records && records.length > 0 ? overlay(a, view, records) : undefined;
  overlays.set(a, made);
  return made;
}

function overlay(a: Analysis, view: ReachabilityView, records: readonly flows.ObservedConnectionRecord[]): ObservedOverlay {
  const reach = a.reach;
  const matcher = flows.matcherOf(reach);
  const nodes = [...view.nodes];
  const index = new Map(view.index);
  const existing = new Set(view.edges.map((e) => `${e.src}>${e.dst}`));
  const nodeOf = (id: string, make: () => ReachNode): number => {
    let i = index.get(id);
    if (i === undefined) {
      index.set(id, (i = nodes.length));
      nodes.push(make());
    }
    return i;
  };
  /** The external node whose addresses hold one address (IPv4), else the internet when the graph has it. */
  const holding = (ip: string | undefined): number | undefined => {
    if (ip !== undefined) {
      const i = view.nodes.findIndex((n) => n.kind === 'external' && n.ranges !== undefined && rangesHold(n.ranges, ip) === true);
      if (i >= 0) return i;
    }
    return index.get(INTERNET);
  };
  /** A destination of its own: the host name it was reached by, else its address. */
  const ownNode = (e: flows.ConnectionEnd & { kind: 'external' }): number =>
    e.names.length > 0
      ? nodeOf(`fqdn:${e.names[0]}`, () => ({ id: `fqdn:${e.names[0]}`, kind: 'fqdn', label: e.names[0], observed: true }))
      : nodeOf(`ip:${e.ip}-${e.ip}`, () => ({ id: `ip:${e.ip}-${e.ip}`, kind: 'external', label: e.ip!, ranges: [`${e.ip}-${e.ip}`], observed: true }));
  const sourceNode = (e: flows.ConnectionEnd): number | undefined => (e.kind === 'workload' ? view.index.get(e.workload.id) : holding(e.ip));
  /** Where a connection is drawn: an edge the graph has (allowed), else the observed destination itself. */
  const destinationNode = (src: number, e: flows.ConnectionEnd, allowed: boolean): number | undefined => {
    if (e.kind === 'workload') return view.index.get(e.workload.id);
    const candidates = [...e.names.map((n) => view.index.get(`fqdn:${n}`)), holding(e.ip)].filter((i): i is number => i !== undefined);
    if (allowed) {
      const drawn = candidates.find((d) => existing.has(`${src}>${d}`));
      if (drawn !== undefined) return drawn;
    }
    const named = candidates.find((d) => nodes[d].kind === 'fqdn' || nodes[d].kind === 'external');
    return named ?? ownNode(e);
  };

  const marks = new Map<string, { src: number; dst: number; flows: number; blockedFlows: number; conns: ConnectionSet; details: ObservedDetail[] }>();
  const summary = { flows: 0, connections: 0, blocked: 0, blockedFlows: 0, unmatched: 0, unobservedEdges: 0 };
  for (const rec of records) {
    const src = flows.endOf(matcher, rec.from);
    const dst = flows.endOf(matcher, rec.to);
    const si = src && sourceNode(src);
    if (!src || !dst || si === undefined || (src.kind === 'external' && dst.kind === 'external')) {
      summary.unmatched++;
      continue;
    }
    const verdict = flows.evaluateConnection(reach, { src, dst, protocol: rec.protocol, port: rec.port });
    const di = destinationNode(si, dst, verdict.allowed);
    if (di === undefined) {
      summary.unmatched++;
      continue;
    }
    summary.connections++;
    summary.flows += rec.flows;
    if (!verdict.allowed) {
      summary.blocked++;
      summary.blockedFlows += rec.flows;
    }
    const key = `${nodes[si].id}>${nodes[di].id}`;
    let m = marks.get(key);
    if (!m) marks.set(key, (m = { src: si, dst: di, flows: 0, blockedFlows: 0, conns: ConnectionSet.none, details: [] }));
    m.flows += rec.flows;
    if (!verdict.allowed) m.blockedFlows += rec.flows;
    m.conns = m.conns.union(ConnectionSet.of(rec.protocol, PortSet.of([[rec.port, rec.port]])));
    m.details.push({ text: `${endText(src)} → ${endText(dst)} ${rec.protocol} ${rec.port}`, flows: rec.flows, verdict });
  }

  const conns = [...view.conns];
  const connsIndex = new Map(conns.map((c, i) => [c.text, i]));
  const connOf = (c: ConnectionSet): number => {
    const r = toConns(c);
    let i = connsIndex.get(r.text);
    if (i === undefined) {
      connsIndex.set(r.text, (i = conns.length));
      conns.push(r);
    }
    return i;
  };
  const mark = (m: { flows: number; blockedFlows: number }): Pick<ReachEdge, 'observed' | 'flows' | 'blockedFlows'> => ({
    observed: m.blockedFlows > 0 ? 'blocked' : 'seen',
    flows: m.flows,
    ...(m.blockedFlows > 0 ? { blockedFlows: m.blockedFlows } : {}),
  });
  const edges: ReachEdge[] = view.edges.map((e) => {
    const m = marks.get(`${nodes[e.src].id}>${nodes[e.dst].id}`);
    // Exposure edges lead to pods that do not exist: no flow can take them, and they are no candidate for tightening here.
    if (!m && e.verdict !== 'exposure') summary.unobservedEdges++;
    return m ? { ...e, ...mark(m) } : e;
  });
  for (const m of marks.values()) {
    if (existing.has(`${m.src}>${m.dst}`)) continue;
    // Drawn only because it was observed: what the flows used, blocked when the workspace allows none of it.
    edges.push({ src: m.src, dst: m.dst, conns: connOf(m.conns), verdict: m.blockedFlows === m.flows ? 'blocked' : 'allowed', ...mark(m) });
  }
  const details = new Map([...marks].map(([k, m]) => [k, m.details.sort((x, y) => y.flows - x.flows)]));
  return { nodes, index, conns, edges, details, summary };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** The explanation's observed part for an edge: one line, and a section listing each connection and why. */
export function observedExplanation(
  o: ObservedOverlay,
  src: string,
  dst: string,
  link: (ref: { uri: string; span: { start: number; end: number }; label: string }) => ExplainLink,
): { summary: string; section?: ExplainSection } {
  const details = o.details.get(`${src}>${dst}`);
  if (!details) return { summary: 'No observed flow took it: a candidate for tightening.' };
  const total = details.reduce((n, d) => n + d.flows, 0);
  const blocked = details.filter((d) => !d.verdict.allowed).reduce((n, d) => n + d.flows, 0);
  const summary = blocked > 0 ? `Observed: ${plural(total, 'flow')}, ${plural(blocked, 'flow')} would be blocked.` : `Observed: ${plural(total, 'flow')}, all allowed.`;
  const items: ExplainItem[] = [];
  for (const d of details) {
    items.push({ text: `${d.text}: ${plural(d.flows, 'flow')}, ${d.verdict.allowed ? 'allowed' : 'would be blocked'}`, tone: d.verdict.allowed ? 'allow' : 'deny', links: [] });
    for (const b of d.verdict.because) {
      items.push({ text: `${b.direction === 'egress' ? 'Egress' : 'Ingress'}: ${b.text}`, tone: b.refs.length === 0 ? 'info' : d.verdict.allowed ? 'allow' : 'deny', links: b.refs.map(link) });
    }
  }
  return { summary, section: { heading: `Observed traffic: ${plural(details.length, 'connection')}`, items } };
}
