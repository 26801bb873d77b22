/**
 * Calico flow logs, one JSON object per line: the classic flow log records (Elasticsearch field names:
 * `source_namespace`, `source_name_aggr`, `source_labels: {labels: ["app=x"]}`, `source_type` wep/hep/ns/net,
 * `dest_*`, `dest_port`, `proto`, `action` allow/deny, `reporter` src/dst, `dest_domains`) and the flows of
 * Calico's Whisker / flows API (`protocol`, labels as one string, `action` Allow/Deny, `reporter` Src/Dst).
 */
import { isRecord, jsonLine, labelMap, protocolOf, str, validPort, type FlowEndpoint, type LineResult } from './flow';

/** `-` is Calico's "none" (not namespaced, aggregated away). */
function value(v: unknown): string | undefined {
  const s = str(v);
  return s === '-' ? undefined : s;
}

function labelsOf(v: unknown): Record<string, string> | undefined {
  let items: string[] = [];
  if (isRecord(v) && Array.isArray(v.labels)) items = v.labels.filter((x): x is string => typeof x === 'string');
  else if (Array.isArray(v)) items = v.filter((x): x is string => typeof x === 'string');
  else if (typeof v === 'string' && v.trim() !== '' && v !== '-') items = v.split(/\s*[|,]\s*/).filter((x) => x.includes('='));
  else if (isRecord(v)) items = Object.entries(v).filter(([, x]) => typeof x === 'string').map(([k, x]) => `${k}=${x as string}`);
  return items.length > 0 ? labelMap(items) : undefined;
}

function endpoint(o: Record<string, unknown>, side: 'source' | 'dest'): FlowEndpoint {
  const ep: FlowEndpoint = {};
  const type = value(o[`${side}_type`]);
  const ns = value(o[`${side}_namespace`]);
  const name = value(o[`${side}_name`]);
  const aggr = value(o[`${side}_name_aggr`]);
  // Networks outside the cluster: `pub` (public) and `pvt` (private, not a pod), and network sets.
  if (type === 'net' || type === 'ns' || aggr === 'pub' || aggr === 'pvt' || (!ns && (name === 'pub' || name === 'pvt'))) {
    ep.external = true;
    return ep;
  }
  if (type === 'hep') {
    ep.reserved = 'host';
    return ep;
  }
  if (ns) ep.namespace = ns;
  const pod = name ?? aggr?.replace(/\*$/, '');
  if (pod) ep.pod = pod;
  const labels = labelsOf(o[`${side}_labels`]);
  if (labels) ep.labels = labels;
  return ep;
}

function policyNames(v: unknown): string[] {
  if (!isRecord(v)) return [];
  const out: string[] = [];
  for (const p of Array.isArray(v.enforced) ? v.enforced : []) {
    if (isRecord(p) && /deny/i.test(String(p.action ?? ''))) out.push(str(p.namespace) ? `${p.namespace}/${str(p.name) ?? ''}` : (str(p.name) ?? ''));
  }
  // Classic records: `index|tier|namespace/tier.name|action|rule`.
  for (const p of Array.isArray(v.all_policies) ? v.all_policies : []) {
    const parts = typeof p === 'string' ? p.split('|') : [];
    if (parts.length >= 4 && parts[3] === 'deny') out.push(parts[2]);
  }
  return out;
}

export function isCalicoObject(o: Record<string, unknown>): boolean {
  return ('source_namespace' in o || 'source_name' in o || 'source_name_aggr' in o) && ('dest_port' in o || 'dest_name' in o || 'dest_name_aggr' in o);
}

export function calicoFromObject(o: unknown): LineResult {
  if (!isRecord(o) || !isCalicoObject(o)) return { kind: 'error', message: 'not a Calico flow log record (no source_* / dest_* fields)' };
  const protocol = protocolOf(o.proto ?? o.protocol);
  if (!protocol) return { kind: 'error', message: `unknown protocol ${JSON.stringify(o.proto ?? o.protocol ?? null)}` };
  const port = validPort(o.dest_port);
  if (protocol !== 'ICMP' && port === undefined) return { kind: 'error', message: `a ${protocol} flow without a valid dest_port` };
  const src = endpoint(o, 'source');
  const dst = endpoint(o, 'dest');
  const srcIp = value(o.source_ip);
  const dstIp = value(o.dest_ip);
  const action = String(o.action ?? '').toLowerCase();
  const reporter = String(o.reporter ?? '').toLowerCase();
  const domains = Array.isArray(o.dest_domains) ? o.dest_domains.filter((d): d is string => typeof d === 'string' && d !== '' && d !== '-').map((d) => d.toLowerCase()) : [];
  const denied = policyNames(o.policies);
  return {
    kind: 'flow',
    flow: {
      src,
      dst,
      ...(srcIp ? { srcIp } : {}),
      ...(dstIp ? { dstIp } : {}),
      protocol,
      ...(port !== undefined && protocol !== 'ICMP' ? { port } : {}),
      names: domains,
      verdict: action === 'allow' ? 'allowed' : action === 'deny' ? 'denied' : 'other',
      ...(denied.length > 0 ? { deniedBy: denied } : {}),
      // Calico logs connections, not packets: no replies.
      reply: false,
      // Both ends report a pod-to-pod flow: the source's record counts.
      duplicate: reporter === 'dst' && src.namespace !== undefined,
    },
  };
}

export function calicoLine(line: string): LineResult {
  return jsonLine(line, calicoFromObject);
}
