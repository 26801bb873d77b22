/**
 * Text exports of what the panel shows (the filtered edges): Markdown, CSV, DOT, JSON. Every value is
 * escaped for its format: names come from the workspace's YAML and may hold anything.
 */
import type { ReachabilityResult } from '../../server/src/lsp/protocol';
import type { Filters } from '../src/panel/messages';
import { edgeRows, groupLabel, groupOf, type Filtered } from './model';

/** Text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A Markdown table cell: no HTML, no emphasis, links or code, no line breaks, no column breaks. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** A CSV field (RFC 4180), guarded against spreadsheet formulas. */
export function csvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A DOT double-quoted string. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

const VERDICT_TEXT = { allowed: 'allowed', unrestricted: 'unrestricted (no egress policy)', gateway: 'via egress gateway', blocked: 'observed, would be blocked', exposure: 'exposed to pods that may come' } as const;

export function toMarkdown(data: ReachabilityResult, filtered: Filtered): string {
  const lines = ['| Source | Destination | Connections | Verdict |', '|---|---|---|---|'];
  for (const r of edgeRows(data, filtered)) lines.push(`| ${escapeMarkdown(r.src)} | ${escapeMarkdown(r.dst)} | ${escapeMarkdown(r.conns)} | ${VERDICT_TEXT[r.verdict]} |`);
  return lines.join('\n') + '\n';
}

export function toCsv(data: ReachabilityResult, filtered: Filtered): string {
  const lines = ['source,destination,connections,verdict'];
  for (const r of edgeRows(data, filtered)) lines.push([r.src, r.dst, r.conns, r.verdict].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

const DOT_COLOR = { allowed: '#388a34', unrestricted: '#e51400', gateway: '#652d90', blocked: '#e5534b', exposure: '#c27d0e' } as const;

export function toDot(data: ReachabilityResult, filtered: Filtered): string {
  const out = ['digraph reachability {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="sans-serif"];', '  edge [fontname="sans-serif", fontsize=10];'];
  const byGroup = new Map<string, number[]>();
  for (const i of filtered.nodes) {
    const g = groupOf(data.nodes[i]);
    let l = byGroup.get(g);
    if (!l) byGroup.set(g, (l = []));
    l.push(i);
  }
  let cluster = 0;
  for (const [g, members] of byGroup) {
    out.push(`  subgraph cluster_${cluster++} {`);
    out.push(`    label=${dotString(groupLabel(g))};`);
    for (const i of members) {
      const n = data.nodes[i];
      const risk = n.kind === 'workload' && n.egressRestricted === false ? ', color="#e51400"' : '';
      out.push(`    ${dotString(n.id)} [label=${dotString(n.label)}${n.kind === 'workload' ? '' : n.kind === 'exposure' ? ', style="rounded,dashed"' : ', shape=ellipse'}${risk}];`);
    }
    out.push('  }');
  }
  for (const ei of filtered.edges) {
    const e = data.edges[ei];
    const style = e.verdict === 'unrestricted' ? ', style=bold' : e.verdict === 'gateway' || e.verdict === 'exposure' ? ', style=dashed' : '';
    out.push(`  ${dotString(data.nodes[e.src].id)} -> ${dotString(data.nodes[e.dst].id)} [label=${dotString(data.conns[e.conns].text)}, color=${dotString(DOT_COLOR[e.verdict])}${style}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

export function toJson(data: ReachabilityResult, filtered: Filtered, filters: Filters, focus?: string): string {
  const nodes = filtered.nodes.map((i) => {
    const n = data.nodes[i];
    return { id: n.id, kind: n.kind, label: n.label, namespace: n.namespace, workloadKind: n.workloadKind, egressRestricted: n.egressRestricted, ranges: n.ranges };
  });
  const edges = filtered.edges.map((ei) => {
    const e = data.edges[ei];
    return { src: data.nodes[e.src].id, dst: data.nodes[e.dst].id, conns: data.conns[e.conns].text, verdict: e.verdict };
  });
  return JSON.stringify({ focus, filters, nodes, edges }, null, 2) + '\n';
}
