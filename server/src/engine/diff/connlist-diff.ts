/**
 * np-guard/netpol-analyzer's `diff` output, byte for byte: txt, csv, md and dot. Only connection
 * changes appear there (a route through the mesh that changed while the connections did not is
 * Egress Lens's own, shown by the review formats).
 */
import { PROTOCOLS } from '../sets/connections';
import { csvField, dotEdge, namespaceGroups, quote, workloadNode } from '../reach/format';
import type { ConnectionChange, ConnectivityDiff, DiffPeer } from './diff';

export type ConnlistDiffFormat = 'txt' | 'csv' | 'md' | 'dot';

/** The names of the two states in the output: the library's `ref1`/`ref2`, the command line's `dir1`/`dir2`. */
export interface StateNames {
  ref1: string;
  ref2: string;
}

interface Row {
  type: ConnectionChange['type'];
  src: string;
  dst: string;
  ref1: string;
  ref2: string;
  info: string;
}

const NO_CONNECTIONS = 'No Connections';

/**
 * netpol-analyzer knows TCP, UDP and SCTP ports only: a change of ICMP alone (or of the route through the
 * mesh alone) is no change there.
 */
function portsChanged(c: ConnectionChange): boolean {
  return PROTOCOLS.some((p) => !c.before.portsOf(p).equals(c.after.portsOf(p)));
}

/** The changes the connlist shows. */
function connectionChanges(d: ConnectivityDiff): ConnectionChange[] {
  return d.changes.filter(portsChanged);
}

function row(c: ConnectionChange): Row {
  const names = [c.newOrRemoved.src ? c.src.id : undefined, c.newOrRemoved.dst ? c.dst.id : undefined].filter((x) => x !== undefined);
  return {
    type: c.type,
    src: c.src.id,
    dst: c.dst.id,
    ref1: c.type === 'added' ? NO_CONNECTIONS : c.before.toConnlistString(),
    ref2: c.type === 'removed' ? NO_CONNECTIONS : c.after.toConnlistString(),
    info: names.length > 0 ? `workload ${names.join(' and ')} ${c.type}` : '',
  };
}

/** Lines per kind of change (changed, added, removed), each kind sorted by its own line text. */
function lines(d: ConnectivityDiff, line: (r: Row) => string, sortKey: (r: Row) => string = line): string[] {
  const out: string[] = [];
  for (const type of ['changed', 'added', 'removed'] as const) {
    const rows = connectionChanges(d)
      .filter((c) => c.type === type)
      .map(row)
      .map((r) => ({ key: sortKey(r), text: line(r) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    out.push(...rows.map((r) => r.text));
  }
  return out;
}

const LEGEND = [
  '\tnodesep=0.5',
  '\tsubgraph cluster_legend {',
  '\t\tlabel="Legend"',
  '\t\tfontsize = 10',
  '\t\tmargin=0',
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => `\t\t${n} [style=invis height=0 width=0]`),
  '\t\t{rank=source a b c d}',
  '\t\t{rank=same e f g h}',
  '\t\ta -> b [label="added connection", color="#008000" fontcolor="#008000" fontsize = 10 arrowsize=0.2]',
  '\t\tc -> d [label="removed connection", color="red2" fontcolor="red2" fontsize = 10 arrowsize=0.2]',
  '\t\te -> f [label="changed connection", color="magenta" fontcolor="magenta" fontsize = 10 arrowsize=0.2]',
  '\t\tg -> h [label="unchanged connection", color="grey" fontcolor="grey" fontsize = 10 arrowsize=0.2]',
  '\t\tnp [label="new peer" color="#008000" fontcolor="#008000" fontsize = 10]',
  '\t\tlp [label="lost peer" color="red" fontcolor="red" fontsize = 10]',
  '\t\tpp [label="persistent peer" color="blue" fontcolor="blue" fontsize = 10]',
  '\t\t{rank=sink np lp pp}',
  '\t\tnp->lp [style=invis]',
  '\t\tlp->pp [style=invis]',
  '\t}',
];

const EDGE_COLOR = { unchanged: 'grey', changed: 'magenta', added: '#008000', removed: 'red2' } as const;

function formatDot(d: ConnectivityDiff, names: StateNames): string {
  const nodes = new Map<string, string[]>();
  const external: string[] = [];
  const seen = new Set<string>();
  const edges: string[] = [];
  const node = (p: DiffPeer, color: string) => {
    if (seen.has(p.id)) return;
    seen.add(p.id);
    if (p.kind !== 'workload') {
      external.push(`\t${quote(p.id)} [label=${quote(p.id)} color=${quote(color)} fontcolor=${quote(color)}]`);
      return;
    }
    let l = nodes.get(p.namespace);
    if (!l) nodes.set(p.namespace, (l = []));
    l.push(workloadNode(p.id, p.namespace, color));
  };
  // Unchanged first: a peer's colour comes from the first connection that shows it.
  const unchanged = [...d.unchanged, ...d.changes.filter((c) => !portsChanged(c)).map((c) => ({ src: c.src, dst: c.dst, conns: c.after }))];
  for (const u of unchanged) {
    if (u.conns.isEmpty) continue;
    node(u.src, 'blue');
    node(u.dst, 'blue');
    edges.push(dotEdge(u.src.id, u.dst.id, u.conns.toConnlistString(), EDGE_COLOR.unchanged));
  }
  for (const type of ['changed', 'added', 'removed'] as const) {
    for (const c of connectionChanges(d).filter((x) => x.type === type)) {
      const lostOrNew = type === 'added' ? '#008000' : 'red';
      node(c.src, c.newOrRemoved.src ? lostOrNew : 'blue');
      node(c.dst, c.newOrRemoved.dst ? lostOrNew : 'blue');
      const r = row(c);
      const label = type === 'changed' ? `${r.ref2} (${names.ref1}: ${r.ref1})` : type === 'added' ? r.ref2 : r.ref1;
      edges.push(dotEdge(c.src.id, c.dst.id, label, EDGE_COLOR[type]));
    }
  }
  return ['digraph {', ...namespaceGroups(nodes), ...external.sort(), ...edges.sort(), ...LEGEND, '}'].join('\n');
}

/**
 * The diff in one of netpol-analyzer's formats; nothing at all when no connection changed. `names` are
 * the column names of the two states (`ref1`/`ref2` by default).
 */
export function formatConnlistDiff(d: ConnectivityDiff, format: ConnlistDiffFormat, names: StateNames = { ref1: 'ref1', ref2: 'ref2' }): string {
  if (connectionChanges(d).length === 0) return '';
  switch (format) {
    case 'txt':
      return (
        ['Connectivity diff:', ...lines(d, (r) => `diff-type: ${r.type}, source: ${r.src}, destination: ${r.dst}, ${names.ref1}: ${r.ref1}, ${names.ref2}: ${r.ref2}${r.info ? `, workloads-diff-info: ${r.info}` : ''}`)].join('\n') + '\n'
      );
    case 'csv': {
      const fields = (r: Row) => [r.type, r.src, r.dst, r.ref1, r.ref2, r.info];
      const body = lines(d, (r) => fields(r).map(csvField).join(','), (r) => fields(r).join(';'));
      return [['diff-type', 'source', 'destination', names.ref1, names.ref2, 'workloads-diff-info'].join(','), ...body].join('\n') + '\n';
    }
    case 'md':
      return [`| diff-type | source | destination | ${names.ref1} | ${names.ref2} | workloads-diff-info |`, '|-----------|--------|-------------|------|------|---------------------|', ...lines(d, (r) => `| ${r.type} | ${r.src} | ${r.dst} | ${r.ref1} | ${r.ref2} | ${r.info} |`)].join('\n');
    case 'dot':
      return formatDot(d, names);
  }
}
