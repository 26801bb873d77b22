import { csvField, dotEdge, formatConnlist, mdCell, namespaceGroups, quote, rowsJson, workloadNode, type ConnlistFormat } from '../reach/format';
import type { Workload } from '../model/workloads';
import { escapeLine } from '../text';
import type { ExposureLine, ExposureResult, RepresentativePeer } from './exposure';

/**
 * The exposure result in netpol-analyzer's `--exposure` output, byte for byte: the connection list, then
 * the egress and ingress exposure of each exposed workload and the workloads no policy protects.
 */
export function formatExposure(x: ExposureResult, format: ConnlistFormat, workloads: readonly Workload[]): string {
  switch (format) {
    case 'txt':
      return exposureTxt(x);
    case 'json':
      return exposureJson(x);
    case 'csv':
      return exposureCsv(x);
    case 'md':
      return exposureMd(x);
    case 'dot':
      return exposureDot(x, workloads);
  }
}

/** `Exposure Analysis Result:`, or `Exposure Analysis Result On TCP 8080:` for one connection. */
function title(x: ExposureResult): string {
  return x.focusConn ? `Exposure Analysis Result On ${x.focusConn.toConnlistString()}:` : 'Exposure Analysis Result:';
}

function exposureTxt(x: ExposureResult): string {
  const list = formatConnlist(x.connections, 'txt', [], x.focusConn);
  const width = Math.max(0, ...x.exposed.map((w) => escapeLine(w.id).length));
  const line = (l: ExposureLine, arrow: string) => `${escapeLine(l.workload.id).padEnd(width)} \t${arrow} \t${escapeLine(l.peer)}${x.focusConn ? '' : ` : ${l.conn}`}\n`;
  let out = list.length > 0 ? `${list}\n` : '';
  out += `${title(x)}\n`;
  if (x.egress.length > 0) out += 'Egress Exposure:\n' + x.egress.map((l) => line(l, '=>')).join('');
  if (x.egress.length > 0 && x.ingress.length > 0) out += '\n';
  if (x.ingress.length > 0) out += 'Ingress Exposure:\n' + x.ingress.map((l) => line(l, '<=')).join('');
  if (x.unprotected.length > 0 && !x.focusConn) {
    const texts = x.unprotected.map((u) => `${escapeLine(u.workload.id)} is not protected on ${u.direction === 'egress' ? 'Egress' : 'Ingress'}`).sort();
    out += `\nWorkloads not protected by network policies:\n${texts.join('\n')}\n`;
  }
  return out;
}

function exposureJson(x: ExposureResult): string {
  if (x.focusConn) {
    const egress = x.egress.map((l) => ({ src: l.workload.id, dst: l.peer }));
    const ingress = x.ingress.map((l) => ({ src: l.peer, dst: l.workload.id }));
    // netpol-analyzer writes an empty section of a focused result as an empty list (null otherwise).
    const section = (rows: typeof egress) => rowsJson(rows, '    ');
    const conns = x.connections.map((c) => ({ src: name(c.src), dst: name(c.dst) }));
    return `{\n  "connlist_conn_focus_results": ${rowsJson(conns, '  ')},\n  "exposure_conn_focus_results": {\n    "egress_exposure": ${section(egress)},\n    "ingress_exposure": ${section(ingress)}\n  }\n}`;
  }
  const conns = x.connections.map((c) => ({ src: name(c.src), dst: name(c.dst), conn: c.conns.toConnlistString() }));
  const egress = x.egress.map((l) => ({ src: l.workload.id, dst: l.peer, conn: l.conn }));
  const ingress = x.ingress.map((l) => ({ src: l.peer, dst: l.workload.id, conn: l.conn }));
  const section = (rows: typeof egress) => (rows.length === 0 ? 'null' : rowsJson(rows, '    '));
  return `{\n  "connlist_results": ${conns.length === 0 ? '[]' : rowsJson(conns, '  ')},\n  "exposure_results": {\n    "egress_exposure": ${section(egress)},\n    "ingress_exposure": ${section(ingress)}\n  }\n}`;
}

function name(p: ExposureResult['connections'][number]['src']): string {
  return p.kind === 'workload' ? p.workload.id : p.name;
}

function exposureCsv(x: ExposureResult): string {
  let out = formatConnlist(x.connections, 'csv', [], x.focusConn);
  out += `${title(x)},,\n`;
  const conn = x.focusConn ? '' : ',conn';
  const row = (l: ExposureLine) => (x.focusConn ? [l.workload.id, l.peer] : [l.workload.id, l.peer, l.conn]).map(csvField).join(',') + '\n';
  if (x.egress.length > 0) out += `Egress Exposure:,,\nsrc,dst${conn}\n` + x.egress.map(row).join('');
  if (x.ingress.length > 0) out += `Ingress Exposure:,,\ndst,src${conn}\n` + x.ingress.map(row).join('');
  return out;
}

function exposureMd(x: ExposureResult): string {
  const f = x.focusConn !== undefined;
  const row = (l: ExposureLine) => (f ? `| ${mdCell(l.workload.id)} | ${mdCell(l.peer)} |` : `| ${mdCell(l.workload.id)} | ${mdCell(l.peer)} | ${l.conn} |`);
  const block = (name: string, header: string, lines: ExposureLine[]) => (lines.length === 0 ? '' : `### ${name}:\n${header}${f ? ' |\n|-----|-----|' : ' | conn |\n|-----|-----|------|'}\n${lines.map(row).join('\n')}\n`);
  const list = formatConnlist(x.connections, 'md', [], x.focusConn).replace(/\n$/, '');
  return [list, `## ${title(x)}`, block('Egress Exposure', '| src | dst', x.egress), block('Ingress Exposure', '| dst | src', x.ingress)].join('\n');
}

/** A representative peer's namespace and pods, as the drawing labels them (no brackets). */
function repParts(rep: RepresentativePeer): { ns: string; pods: string } {
  const i = rep.name.indexOf(']/[') >= 0 ? rep.name.indexOf(']/[') + 1 : rep.name.indexOf('/[');
  const strip = (s: string) => (s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s);
  return { ns: strip(rep.name.slice(0, i)), pods: strip(rep.name.slice(i + 1)) };
}

function repNode(rep: RepresentativePeer): string {
  const { ns, pods } = repParts(rep);
  return `${pods}_in_${ns}`;
}

function exposureDot(x: ExposureResult, workloads: readonly Workload[]): string {
  const real = new Map<string, Set<string>>();
  const add = (w: Workload) => {
    let s = real.get(w.namespace);
    if (!s) real.set(w.namespace, (s = new Set()));
    s.add(w.id);
  };
  for (const w of workloads) add(w);
  for (const w of x.exposed) add(w);
  const external = new Set<string>();
  for (const c of x.connections) {
    for (const p of [c.src, c.dst]) {
      if (p.kind === 'workload') add(p.workload);
      else external.add(p.name);
    }
  }
  const lines = ['digraph {'];
  lines.push(...namespaceGroups(new Map([...real].map(([ns, ids]) => [ns, [...ids].map((id) => workloadNode(id, ns, 'blue'))]))));
  // The representative peers, in boxes of their namespaces (red: pods that may come).
  const repNs = new Map<string, Set<string>>();
  let cluster = false;
  const edges: string[] = [];
  for (const l of [...x.egress, ...x.ingress]) {
    if (l.peer.endsWith('[External]')) continue;
    let node: string;
    if (l.representative) {
      const { ns, pods } = repParts(l.representative);
      node = repNode(l.representative);
      let s = repNs.get(ns);
      if (!s) repNs.set(ns, (s = new Set()));
      s.add(`\t\t${quote(node)} [label=${quote(pods)} color="red2" fontcolor="red2"]`);
    } else {
      node = 'entire-cluster';
      cluster = true;
    }
    edges.push(
      l.direction === 'egress'
        ? `\t${quote(l.workload.id)} -> ${quote(node)} [label=${quote(l.conn)} color="darkorange4" fontcolor="darkgreen" weight=0.5 style=dashed]`
        : `\t${quote(node)} -> ${quote(l.workload.id)} [label=${quote(l.conn)} color="darkorange2" fontcolor="darkgreen" weight=1 style=dashed]`,
    );
  }
  const repGroups = [...repNs.keys()].map((ns) => ({ ns, key: `${ns}[namespace]` })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { ns, key } of repGroups) {
    lines.push(`\tsubgraph ${quote(`cluster_${ns.replace(/-/g, '_')}[namespace]`)} {`, '\t\tcolor="red2"', '\t\tfontcolor="red2"', ...[...repNs.get(ns)!].sort(), `\t\tlabel=${quote(key)}`, '\t}');
  }
  const ext = [...external].map((n) => `\t${quote(n)} [label=${quote(n)} color="red2" fontcolor="red2"]`);
  if (cluster) ext.push('\t"entire-cluster" [label="entire-cluster" color="red2" fontcolor="red2" shape=diamond]');
  lines.push(...ext.sort());
  const connEdges = x.connections.map((c) => dotEdge(name(c.src), name(c.dst), c.conns.toConnlistString(), 'gold2', 'darkgreen'));
  lines.push(...[...connEdges, ...edges].sort());
  lines.push('}');
  return lines.join('\n');
}
