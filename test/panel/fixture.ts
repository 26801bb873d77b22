/**
 * Reachability data for the panel's unit tests, written the way a person reads it:
 * nodes by id, edges as `src -> dst: CONNECTIONS verdict`.
 */
import type { EdgeVerdict, PortInterval, ReachabilityResult, ReachConns, ReachNode } from '../../server/src/lsp/protocol';

/** `TCP 443`, `UDP 53,TCP 53`, `TCP 8000-8080`, `all` -> the protocol's connection set. */
export function conns(text: string): ReachConns {
  if (text === 'all') return { all: true, text: 'All Connections', TCP: [[1, 65535]], UDP: [[1, 65535]], SCTP: [[1, 65535]] };
  const out: ReachConns = { all: false, text: '' };
  for (const part of text.split(/,(?=[A-Z])/)) {
    const [proto, ports] = part.split(' ') as ['TCP' | 'UDP' | 'SCTP', string];
    out[proto] = ports.split(',').map((p) => p.split('-').map(Number)).map(([a, b]) => [a, b ?? a] as PortInterval);
  }
  out.text = (['SCTP', 'TCP', 'UDP'] as const)
    .filter((p) => out[p])
    .map((p) => `${p} ${out[p]!.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`)
    .join(',');
  return out;
}

/** `ns/name[Kind]` a workload, `ip:…` an address block (label after `=`), `internet`. */
export function node(spec: string, opts: { open?: boolean; label?: string } = {}): ReachNode {
  if (spec === 'internet') return { id: 'internet', kind: 'internet', label: 'internet', ranges: ['0.0.0.0-255.255.255.255'] };
  if (spec.startsWith('ip:')) return { id: spec, kind: 'external', label: opts.label ?? spec.slice(3), ranges: [spec.slice(3)] };
  const m = /^([^/]*)\/(.*)\[([^\]]*)\]$/s.exec(spec);
  if (!m) throw new Error(`not a workload id: ${spec}`);
  return { id: spec, kind: 'workload', label: m[2], namespace: m[1], workloadKind: m[3], egressRestricted: !opts.open, ingressRestricted: false, labels: { app: m[2] } };
}

/** Nodes and `src -> dst: CONNS verdict` edges (ids as in `node`). */
export function reach(nodes: ReachNode[], edges: string[], focus?: string): ReachabilityResult {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const list: ReachConns[] = [];
  const out = edges.map((line) => {
    const m = /^(.+?) -> (.+?): (.+) (allowed|unrestricted|gateway)$/s.exec(line);
    if (!m) throw new Error(`not an edge: ${line}`);
    const c = conns(m[3]);
    let ci = list.findIndex((x) => x.text === c.text);
    if (ci < 0) ci = list.push(c) - 1;
    const at = (id: string) => {
      const i = index.get(id);
      if (i === undefined) throw new Error(`unknown node ${id}`);
      return i;
    };
    return { src: at(m[1]), dst: at(m[2]), conns: ci, verdict: m[4] as EdgeVerdict };
  });
  const namespaces = [...new Set(nodes.flatMap((n) => (n.namespace ? [n.namespace] : [])))].sort().map((name) => ({ name, labels: {}, declared: true }));
  const workloads = nodes.filter((n) => n.kind === 'workload');
  return {
    revision: 1,
    focus,
    namespaces,
    nodes,
    conns: list,
    edges: out,
    stats: { workloads: workloads.length, edges: out.length, unrestrictedWorkloads: workloads.filter((n) => !n.egressRestricted).length },
  };
}

export const WEB = 'shop/web[Deployment]';
export const API = 'shop/api[Deployment]';
export const BATCH = 'shop/batch[CronJob]';
export const LEDGER = 'payments/ledger[Deployment]';
export const POSTGRES = 'payments/postgres[StatefulSet]';
export const LAKE = 'ip:10.40.0.0-10.40.255.255';
export const INTERNET = 'internet';

/**
 * Two namespaces: shop/web has no egress policy (the risk), shop/api is limited to ports, shop/batch
 * reaches nothing; payments is locked down. The internet reaches postgres (no ingress policy).
 */
export function shopAndPayments(focus?: string): ReachabilityResult {
  return reach(
    [node(WEB, { open: true }), node(API), node(BATCH), node(LEDGER), node(POSTGRES), node(LAKE, { label: '10.40.0.0/16' }), node(INTERNET)],
    [
      `${WEB} -> ${API}: all unrestricted`,
      `${WEB} -> ${LEDGER}: all unrestricted`,
      `${WEB} -> ${INTERNET}: all unrestricted`,
      `${API} -> ${LEDGER}: TCP 8000-8080 allowed`,
      `${API} -> ${LAKE}: TCP 443 allowed`,
      `${LEDGER} -> ${POSTGRES}: TCP 5432 allowed`,
      `${LEDGER} -> ${INTERNET}: TCP 53,UDP 53 allowed`,
      `${INTERNET} -> ${POSTGRES}: all unrestricted`,
    ],
    focus,
  );
}

/** `count` workloads spread over namespaces of `perNamespace`, each reaching the internet. */
export function many(count: number, perNamespace = 10): ReachabilityResult {
  const nodes: ReachNode[] = [];
  const edges: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `ns${String(Math.floor(i / perNamespace)).padStart(3, '0')}/w${i}[Deployment]`;
    nodes.push(node(id, { open: i % 7 === 0 }));
    edges.push(`${id} -> ${INTERNET}: ${i % 7 === 0 ? 'all unrestricted' : 'TCP 443 allowed'}`);
  }
  nodes.push(node(INTERNET));
  return reach(nodes, edges);
}
