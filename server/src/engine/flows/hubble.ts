/**
 * Hubble flows: `hubble observe -o json` / `-o jsonpb`, one object per line, with or without the
 * `{"flow": …}` wrapper of GetFlowsResponse, in proto field names (`traffic_direction`) or protojson's
 * camelCase ones (`trafficDirection`). Field names as in Cilium's flow.proto: `verdict`, `IP`, `l4`
 * (`TCP`/`UDP`/`SCTP` with `destination_port`, `ICMPv4`/`ICMPv6`), `source`/`destination` endpoints
 * (`namespace`, `labels` like `k8s:app=x` or `reserved:world`, `pod_name`, `workloads`),
 * `destination_names`, `traffic_direction`, `is_reply`, `egress_denied_by`/`ingress_denied_by`.
 */
import { isRecord, jsonLine, labelMap, str, validPort, type FlowEndpoint, type FlowVerdict, type LineResult, type ObservedFlow } from './flow';

/** A field by its proto name or its protojson camelCase name. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[camel];
}

/** Cilium's own labels (namespace, service account, cluster), not the pod's Kubernetes labels. */
function isCiliumLabel(key: string): boolean {
  return key === 'io.kubernetes.pod.namespace' || key.startsWith('io.cilium.');
}

const RESERVED_EXTERNAL = new Set(['world', 'world-ipv4', 'world-ipv6']);

/** A Hubble endpoint object. `ip` is the address from the flow's `IP` section. */
export function hubbleEndpoint(e: unknown, ip: string | undefined): FlowEndpoint {
  return withIp(endpointOf(e), ip);
}

function endpointOf(e: unknown): FlowEndpoint {
  const ep: FlowEndpoint = {};
  if (!isRecord(e)) return ep;
  const ns = str(e.namespace);
  if (ns) ep.namespace = ns;
  const pod = str(field(e, 'pod_name'));
  if (pod) ep.pod = pod;
  const wl = e.workloads;
  if (Array.isArray(wl) && isRecord(wl[0]) && str(wl[0].name)) ep.workload = { name: String(wl[0].name), ...(str(wl[0].kind) ? { kind: String(wl[0].kind) } : {}) };
  const k8s: string[] = [];
  let reserved: string | undefined;
  for (const l of Array.isArray(e.labels) ? e.labels : []) {
    if (typeof l !== 'string') continue;
    const colon = l.indexOf(':');
    const source = colon < 0 ? '' : l.slice(0, colon);
    const rest = colon < 0 ? l : l.slice(colon + 1);
    if (source === 'k8s') {
      const eq = rest.indexOf('=');
      if (!isCiliumLabel(eq < 0 ? rest : rest.slice(0, eq))) k8s.push(rest);
    } else if (source === 'reserved') {
      const name = rest.split('=')[0];
      if (RESERVED_EXTERNAL.has(name)) ep.external = true;
      else reserved ??= name;
    }
  }
  // Identity 2 is reserved:world in every Cilium version.
  if (e.identity === 2) ep.external = true;
  if (!ep.external && reserved && !ns) ep.reserved = reserved;
  if (k8s.length > 0) ep.labels = labelMap(k8s);
  return ep;
}

/** The endpoint with the flow's address; endpoints without one are shared as they are. */
function withIp(ep: FlowEndpoint, ip: string | undefined): FlowEndpoint {
  return ip ? { ...ep, ip } : ep;
}

function verdictOf(v: unknown): FlowVerdict {
  if (v === 'FORWARDED' || v === 'REDIRECTED' || v === 'TRANSLATED' || v === 1 || v === 4) return 'allowed';
  if (v === 'DROPPED' || v === 2) return 'denied';
  return 'other';
}

function policyNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).map((p) => (str(p.namespace) ? `${p.namespace}/${str(p.name) ?? ''}` : (str(p.name) ?? '')));
}

/** A parsed Hubble line (any spelling). Lines of other events (agent, debug, lost events) are skipped. */
export function hubbleFromObject(o: unknown): LineResult {
  if (!isRecord(o)) return { kind: 'error', message: 'not a JSON object' };
  const f = isRecord(o.flow) ? o.flow : o;
  if (!('verdict' in f) && !('source' in f) && !('l4' in f)) {
    if ('agent_event' in o || 'debug_event' in o || 'lost_events' in o || 'agentEvent' in o || 'debugEvent' in o || 'lostEvents' in o || 'node_status' in o || 'nodeStatus' in o) return { kind: 'skip' };
    return { kind: 'error', message: 'no Hubble flow here (no verdict, source or l4)' };
  }
  const ip = isRecord(f.IP) ? f.IP : {};
  const l4 = isRecord(f.l4) ? f.l4 : undefined;
  let protocol: ObservedFlow['protocol'] | undefined;
  let port: number | undefined;
  if (l4) {
    for (const p of ['TCP', 'UDP', 'SCTP'] as const) {
      if (isRecord(l4[p])) {
        protocol = p;
        port = validPort(field(l4[p] as Record<string, unknown>, 'destination_port'));
      }
    }
    if (isRecord(l4.ICMPv4) || isRecord(l4.ICMPv6)) protocol = 'ICMP';
  }
  if (!protocol) return { kind: 'skip' };
  if (protocol !== 'ICMP' && port === undefined) return { kind: 'error', message: `a ${protocol} flow without a destination_port` };
  const src = hubbleEndpoint(f.source, str(ip.source));
  const dst = hubbleEndpoint(f.destination, str(ip.destination));
  const names = field(f, 'destination_names');
  const direction = field(f, 'traffic_direction');
  const reply = field(f, 'is_reply') === true || (field(f, 'is_reply') === undefined && f.reply === true);
  const denied = [...policyNames(field(f, 'egress_denied_by')), ...policyNames(field(f, 'ingress_denied_by'))];
  return {
    kind: 'flow',
    flow: {
      src,
      dst,
      protocol,
      ...(port !== undefined ? { port } : {}),
      names: Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && n !== '').map(trimDot) : [],
      verdict: verdictOf(f.verdict),
      ...(denied.length > 0 ? { deniedBy: denied } : {}),
      reply,
      // A pod-to-pod flow is observed twice: leaving its source (EGRESS) and entering its destination (INGRESS).
      duplicate: direction === 'INGRESS' && src.namespace !== undefined,
    },
  };
}

function trimDot(n: string): string {
  return n.endsWith('.') ? n.slice(0, -1).toLowerCase() : n.toLowerCase();
}

/** The end (index after `}`) of the JSON object starting at `start` (a `{`), or -1. Strings are skipped. */
export function objectEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote.
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The value of a `"key":"value"` pair (no escapes in the value), or undefined. */
function stringAt(s: string, key: string, from = 0, to = s.length): string | undefined {
  const k = s.indexOf(key, from);
  if (k < 0 || k >= to) return undefined;
  const start = k + key.length;
  const end = s.indexOf('"', start);
  if (end < 0 || end > to) return undefined;
  const v = s.slice(start, end);
  return v.includes('\\') ? undefined : v;
}

function numberAt(s: string, key: string, from: number, to: number): number | undefined {
  const k = s.indexOf(key, from);
  if (k < 0 || k >= to) return undefined;
  let i = k + key.length;
  let n = 0;
  let digits = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 && digits < 6 ? n : undefined;
}

/**
 * Reads Hubble lines, fast: the endpoints of a flow repeat from line to line, so each endpoint object's text
 * is parsed once and remembered (the cache is bounded); the few scalar fields are read where Hubble writes
 * them. A line the fast path is not sure of is parsed in full, so the result is always what JSON.parse gives.
 */
export class HubbleReader {
  private endpoints = new Map<string, FlowEndpoint>();
  constructor(private readonly maxCached = 50_000) {}

  read(line: string): LineResult {
    return this.fast(line) ?? this.slow(line);
  }

  private slow(line: string): LineResult {
    return jsonLine(line, hubbleFromObject);
  }

  private endpoint(text: string): FlowEndpoint | undefined {
    let v = this.endpoints.get(text);
    if (v === undefined) {
      try {
        v = endpointOf(JSON.parse(text));
      } catch {
        return undefined;
      }
      if (this.endpoints.size >= this.maxCached) this.endpoints.clear();
      this.endpoints.set(text, v);
    }
    return v;
  }

  /** The fast path alone: undefined when it leaves the line to the full parse. */
  fast(line: string): LineResult | undefined {
    const n = line.length;
    if (n < 2 || line.charCodeAt(0) !== 123 || line.charCodeAt(n - 1) !== 125) return undefined;
    const verdict = stringAt(line, '"verdict":"');
    const direction = stringAt(line, '"traffic_direction":"');
    if (verdict === undefined || direction === undefined) return undefined;
    // Every field the slow path reads and this one does not: leave those lines to it.
    if (line.includes('_denied_by"') || line.includes('"reply":')) return undefined;
    const s = line.indexOf('"source":{');
    const d = line.indexOf('"destination":{');
    if (s < 0 || d < 0 || line.indexOf('"source":{', s + 1) >= 0 || line.indexOf('"destination":{', d + 1) >= 0) return undefined;
    const sEnd = objectEnd(line, s + 9);
    const dEnd = objectEnd(line, d + 14);
    if (sEnd < 0 || dEnd < 0) return undefined;
    const ipAt = line.indexOf('"IP":{');
    const ipEnd = ipAt < 0 ? -1 : line.indexOf('}', ipAt);
    const l4 = line.indexOf('"l4":{');
    if (l4 < 0) return undefined;
    const l4End = objectEnd(line, l4 + 5);
    if (l4End < 0) return undefined;
    let protocol: ObservedFlow['protocol'] | undefined;
    let port: number | undefined;
    const inner = line.charCodeAt(l4 + 7);
    if (line.startsWith('"TCP":{', l4 + 6)) protocol = 'TCP';
    else if (line.startsWith('"UDP":{', l4 + 6)) protocol = 'UDP';
    else if (line.startsWith('"SCTP":{', l4 + 6)) protocol = 'SCTP';
    else if (inner === 73 /* I */ && line.startsWith('"ICMPv', l4 + 6)) protocol = 'ICMP';
    else return undefined;
    if (protocol !== 'ICMP') {
      port = numberAt(line, '"destination_port":', l4, l4End);
      if (port === undefined || port < 1 || port > 65535) return undefined;
    }
    const src = this.endpoint(line.slice(s + 9, sEnd));
    const dst = this.endpoint(line.slice(d + 14, dEnd));
    if (src === undefined || dst === undefined) return undefined;
    let names: string[] = [];
    const dn = line.indexOf('"destination_names":[');
    if (dn >= 0) {
      const end = line.indexOf(']', dn);
      try {
        names = (JSON.parse(line.slice(dn + 20, end + 1)) as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '').map(trimDot);
      } catch {
        return undefined;
      }
    }
    const srcIp = ipAt >= 0 ? stringAt(line, '"source":"', ipAt, ipEnd) : undefined;
    const dstIp = ipAt >= 0 ? stringAt(line, '"destination":"', ipAt, ipEnd) : undefined;
    const srcEp = withIp(src, srcIp);
    const flow: ObservedFlow = {
      src: srcEp,
      dst: withIp(dst, dstIp),
      protocol,
      ...(port !== undefined ? { port } : {}),
      names,
      verdict: verdictOf(verdict),
      reply: line.includes('"is_reply":true'),
      duplicate: direction === 'INGRESS' && srcEp.namespace !== undefined,
    };
    return { kind: 'flow', flow };
  }
}
