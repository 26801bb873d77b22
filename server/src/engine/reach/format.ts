import type { Connection } from './reachability';
import { peerName } from './rules';
import type { Workload } from '../model/workloads';
import { escapeLine } from '../text';
import type { ConnectionSet } from '../sets/connections';

/** Connectivity list formats, byte-compatible with netpol-analyzer's connlist. */
export type ConnlistFormat = 'txt' | 'json' | 'csv' | 'md' | 'dot';

interface Row {
  src: string;
  dst: string;
  conn: string;
}

function rows(conns: readonly Connection[]): Row[] {
  return conns.map((c) => ({ src: peerName(c.src), dst: peerName(c.dst), conn: c.conns.toConnlistString() }));
}

/** A CSV field as Go's encoding/csv writes it: quoted when it holds a comma, a quote or a line break, or starts with a space. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s.startsWith(' ') ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Go's %q for the plain strings that appear in names: quotes and backslashes escaped. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A Markdown table cell on one line, its pipes escaped. */
export function mdCell(s: string): string {
  return escapeLine(s).replace(/\|/g, '\\|');
}

export function jsonString(s: string): string {
  // Go's encoder escapes <, > and & too.
  return JSON.stringify(s).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * The connection list; with `focusConn` (connections already narrowed to it), netpol-analyzer's focus form:
 * the pairs without their ports, under `Permitted connections on TCP 8080:`.
 */
export function formatConnlist(conns: readonly Connection[], format: ConnlistFormat, workloads: readonly Workload[] = [], focusConn?: ConnectionSet): string {
  const list = rows(conns);
  if (focusConn && format !== 'dot') return focusedConnlist(list, format, focusConn);
  switch (format) {
    case 'txt':
      // Names come from the YAML: one that holds a line break must not make a line (a connection) of its own.
      return list.map((r) => `${escapeLine(r.src)} => ${escapeLine(r.dst)} : ${r.conn}\n`).join('');
    case 'json':
      return rowsJson(list, '');
    case 'csv':
      return ['src,dst,conn', ...list.map((r) => [r.src, r.dst, r.conn].map(csvField).join(','))].join('\n') + '\n';
    case 'md':
      return ['| src | dst | conn |', '|-----|-----|------|', ...list.map((r) => `| ${mdCell(r.src)} | ${mdCell(r.dst)} | ${r.conn} |`)].join('\n') + '\n';
    case 'dot':
      return formatDot(conns, list, workloads);
  }
}

function focusedConnlist(list: Row[], format: Exclude<ConnlistFormat, 'dot'>, focus: ConnectionSet): string {
  switch (format) {
    case 'txt':
      return `Permitted connections on ${focus.toConnlistString()}:\n` + list.map((r) => `${escapeLine(r.src)} => ${escapeLine(r.dst)}\n`).join('');
    case 'json':
      return rowsJson(list.map((r) => ({ src: r.src, dst: r.dst })), '');
    case 'csv':
      return ['src,dst', ...list.map((r) => [r.src, r.dst].map(csvField).join(','))].join('\n') + '\n';
    case 'md':
      return ['| src | dst |', '|-----|-----|', ...list.map((r) => `| ${mdCell(r.src)} | ${mdCell(r.dst)} |`)].join('\n') + '\n';
  }
}

/** `[{"src", "dst"[, "conn"]}, …]` as Go's indenting encoder writes it, at an indent; `[]` when empty. */
export function rowsJson(list: readonly { src: string; dst: string; conn?: string }[], indent: string): string {
  if (list.length === 0) return '[]';
  const field = (name: string, v: string, last: boolean) => `${indent}    "${name}": ${jsonString(v)}${last ? '' : ','}\n`;
  return `[\n${list.map((r) => `${indent}  {\n${field('src', r.src, false)}${field('dst', r.dst, r.conn === undefined)}${r.conn === undefined ? '' : field('conn', r.conn, true)}${indent}  }`).join(',\n')}\n${indent}]`;
}

function formatDot(conns: readonly Connection[], list: Row[], workloads: readonly Workload[]): string {
  // Nodes: every workload of the input, and every address range that appears in a connection.
  const byNamespace = new Map<string, Set<string>>();
  const external = new Set<string>();
  const addWorkload = (ns: string, id: string) => {
    let s = byNamespace.get(ns);
    if (!s) byNamespace.set(ns, (s = new Set()));
    s.add(id);
  };
  for (const w of workloads) addWorkload(w.namespace, w.id);
  for (const c of conns) {
    for (const p of [c.src, c.dst]) {
      if (p.kind === 'workload') addWorkload(p.workload.namespace, p.workload.id);
      else external.add(p.name);
    }
  }
  const lines = ['digraph {'];
  const nodes = new Map([...byNamespace].map(([ns, ids]) => [ns, [...ids].map((id) => workloadNode(id, ns, 'blue'))]));
  lines.push(...namespaceGroups(nodes));
  lines.push(...[...external].map((n) => `\t${quote(n)} [label=${quote(n)} color="red2" fontcolor="red2"]`).sort());
  lines.push(...list.map((r) => dotEdge(r.src, r.dst, r.conn, 'gold2', 'darkgreen')).sort());
  lines.push('}');
  return lines.join('\n');
}

/** A workload's node inside its namespace's box: the id, labelled without the namespace. */
export function workloadNode(id: string, namespace: string, color: string): string {
  return `\t\t${quote(id)} [label=${quote(id.slice(namespace.length + 1))} color=${quote(color)} fontcolor=${quote(color)}]`;
}

/** One box per namespace (sorted), with its nodes' lines (sorted), as netpol-analyzer draws them. */
export function namespaceGroups(nodes: ReadonlyMap<string, readonly string[]>): string[] {
  const lines: string[] = [];
  const groups = [...nodes.keys()].map((ns) => ({ ns, key: `${ns}[namespace]` })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { ns, key } of groups) {
    lines.push(`\tsubgraph ${quote(`cluster_${ns.replace(/-/g, '_')}[namespace]`)} {`);
    lines.push('\t\tcolor="black"');
    lines.push('\t\tfontcolor="black"');
    lines.push(...[...nodes.get(ns)!].sort());
    lines.push(`\t\tlabel=${quote(key)}`);
    lines.push('\t}');
  }
  return lines;
}

/** An edge of netpol-analyzer's drawings: lighter when the source sorts first. */
export function dotEdge(src: string, dst: string, label: string, color: string, fontColor = color): string {
  return `\t${quote(src)} -> ${quote(dst)} [label=${quote(label)} color=${quote(color)} fontcolor=${quote(fontColor)} weight=${src <= dst ? '0.5' : '1'}]`;
}
