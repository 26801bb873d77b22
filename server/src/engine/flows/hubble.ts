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

/** A Hubble endpoint object (its address is the flow's). */
export function hubbleEndpoint(e: unknown): FlowEndpoint {
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
  const src = hubbleEndpoint(f.source);
  const dst = hubbleEndpoint(f.destination);
  const srcIp = str(ip.source);
  const dstIp = str(ip.destination);
  const names = field(f, 'destination_names');
  const direction = field(f, 'traffic_direction');
  const reply = field(f, 'is_reply') === true || (field(f, 'is_reply') === undefined && f.reply === true);
  const denied = [...policyNames(field(f, 'egress_denied_by')), ...policyNames(field(f, 'ingress_denied_by'))];
  return {
    kind: 'flow',
    flow: {
      src,
      dst,
      ...(srcIp ? { srcIp } : {}),
      ...(dstIp ? { dstIp } : {}),
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

/** The end (index after `}`) of the JSON object or array starting at `start`, or -1. Strings are skipped. */
export function objectEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(s, i) - 1;
      if (i < 0) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The end (index after the closing quote) of the string starting at `start` (a `"`), or -1. */
function stringEnd(s: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return -1;
    // An escaped quote has an odd number of backslashes before it.
    let b = q - 1;
    while (b > start && s.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** The end of a number or literal (true, false, null) at `start`, or -1 when it is none. */
function scalarEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    // Digits, sign, point, exponent and the letters of true/false/null.
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || (c >= 97 && c <= 122) || c === 69) i++;
    else break;
  }
  return i > start ? i : -1;
}

/** The end of any JSON value at `start`, or -1. */
function valueEnd(s: string, start: number): number {
  const c = s.charCodeAt(start);
  if (c === 34) return stringEnd(s, start);
  if (c === 123 || c === 91) return objectEnd(s, start);
  return scalarEnd(s, start);
}

/** A string value without escapes at [start, end), or undefined (the slow path decodes escapes). */
function plainString(s: string, start: number, end: number): string | undefined {
  if (s.charCodeAt(start) !== 34 || end < 0) return undefined;
  const v = s.slice(start + 1, end - 1);
  return v.includes('\\') ? undefined : v;
}

/** `"key":"value"` inside [from, to): undefined when absent, null when it has escapes (left to the full parse). */
function stringIn(s: string, key: string, from: number, to: number): string | null | undefined {
  const k = s.indexOf(key, from);
  if (k < 0 || k >= to) return undefined;
  const start = k + key.length - 1;
  return plainString(s, start, stringEnd(s, start)) ?? null;
}

function numberIn(s: string, key: string, from: number, to: number): number | undefined {
  const k = s.indexOf(key, from);
  if (k < 0 || k >= to) return undefined;
  let n = 0;
  let i = k + key.length;
  const first = i;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > first && i - first < 6 ? n : undefined;
}

const NO_NAMES: string[] = [];

/** The keys the fast path reads, one bit each (a key read twice sends the line to the full parse). */
const READ_KEYS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { verdict: 1, traffic_direction: 2, is_reply: 4, IP: 8, l4: 16, source: 32, destination: 64, destination_names: 128 });

interface CachedEndpoint {
  text: string;
  endpoint: FlowEndpoint;
}

/**
 * Reads Hubble lines, fast. The top level of a flow is walked key by key; the endpoint objects, most of a
 * line and the same from flow to flow of a pod, are parsed once and then recognised by their exact text.
 * A line the fast path is
 * not sure of (escapes in the fields it reads, a key it does not read such as `egress_denied_by`, anything
 * unexpected) is parsed in full, so the result is the one JSON.parse gives.
 */
export class HubbleReader {
  private endpoints = new Map<string, CachedEndpoint[]>();
  private cached = 0;
  constructor(private readonly maxCached = 50_000) {}

  read(line: string): LineResult {
    return this.fast(line) ?? this.slow(line);
  }

  private slow(line: string): LineResult {
    return jsonLine(line, hubbleFromObject);
  }

  /**
   * The endpoint object at `start`: its end (index after it) and what it says, or undefined. Its end is
   * looked for as the key Hubble writes after it (`follower`), without walking its characters: a slice that
   * is one whole JSON object there is exactly the value (a complete JSON value has no complete proper
   * prefix). Known objects are found by a short key (length, pod name, identity) and confirmed by their text.
   */
  private endpointAt(line: string, start: number, follower: string): [number, FlowEndpoint] | undefined {
    let end = line.indexOf(follower, start);
    if (end < 0 || line.charCodeAt(end - 1) !== 125) end = objectEnd(line, start);
    if (end < 0) return undefined;
    const text = line.slice(start, end);
    // The tail of an endpoint (pod name, workloads) tells most apart; the whole text decides.
    const key = end - start > 64 ? `${end - start}:${line.slice(end - 64, end)}` : text;
    const bucket = this.endpoints.get(key);
    // (Comparing slices is several times faster than startsWith at an offset in V8.)
    if (bucket) for (const c of bucket) if (c.text === text) return [end, c.endpoint];
    let endpoint: FlowEndpoint;
    try {
      const o: unknown = JSON.parse(text);
      if (!isRecord(o)) return undefined;
      endpoint = hubbleEndpoint(o);
    } catch {
      return undefined;
    }
    if (this.cached >= this.maxCached) {
      this.endpoints.clear();
      this.cached = 0;
    }
    this.cached++;
    if (bucket) bucket.push({ text, endpoint });
    else this.endpoints.set(key, [{ text, endpoint }]);
    return [end, endpoint];
  }

  /** The fast path alone: undefined when it leaves the line to the full parse. */
  fast(line: string): LineResult | undefined {
    const n = line.length;
    if (n < 2 || line.charCodeAt(0) !== 123 || line.charCodeAt(n - 1) !== 125) return undefined;
    // The flow object: inside the GetFlowsResponse wrapper, or the line itself.
    const wrapped = line.startsWith('{"flow":{');
    let i = wrapped ? 8 : 0;
    let verdict: string | undefined;
    let direction: string | undefined;
    let reply: boolean | undefined;
    let src: FlowEndpoint | undefined;
    let dst: FlowEndpoint | undefined;
    let srcIp: string | null | undefined;
    let dstIp: string | null | undefined;
    let protocol: ObservedFlow['protocol'] | undefined;
    let port: number | undefined;
    let names: string[] = NO_NAMES;
    // Keys read twice: JSON.parse keeps the last value; such lines are left to it.
    let read = 0;
    if (line.charCodeAt(i) !== 123) return undefined;
    i++;
    if (line.charCodeAt(i) === 125) return undefined;
    for (;;) {
      if (line.charCodeAt(i) !== 34) return undefined;
      const keyEnd = line.indexOf('"', i + 1);
      if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== 58) return undefined;
      const key = line.slice(i + 1, keyEnd);
      const bit = READ_KEYS[key] ?? 0;
      if (bit !== 0) {
        if ((read & bit) !== 0) return undefined;
        read |= bit;
      } else if (key.includes('\\')) return undefined;
      const v = keyEnd + 2;
      let end: number;
      switch (key) {
        case 'verdict':
          end = stringEnd(line, v);
          verdict = plainString(line, v, end);
          if (verdict === undefined) return undefined;
          break;
        case 'traffic_direction':
          end = stringEnd(line, v);
          direction = plainString(line, v, end);
          if (direction === undefined) return undefined;
          break;
        case 'is_reply':
          end = scalarEnd(line, v);
          if (line.startsWith('true', v) && end === v + 4) reply = true;
          else if (line.startsWith('false', v) && end === v + 5) reply = false;
          else return undefined;
          break;
        case 'IP': {
          end = objectEnd(line, v);
          if (end < 0 || line.charCodeAt(v) !== 123) return undefined;
          srcIp = stringIn(line, '"source":"', v, end);
          dstIp = stringIn(line, '"destination":"', v, end);
          if (srcIp === null || dstIp === null) return undefined;
          break;
        }
        case 'l4': {
          end = objectEnd(line, v);
          if (end < 0) return undefined;
          if (line.startsWith('{"TCP":{', v)) protocol = 'TCP';
          else if (line.startsWith('{"UDP":{', v)) protocol = 'UDP';
          else if (line.startsWith('{"SCTP":{', v)) protocol = 'SCTP';
          else if (line.startsWith('{"ICMPv4":{', v) || line.startsWith('{"ICMPv6":{', v)) protocol = 'ICMP';
          else return undefined;
          if (protocol !== 'ICMP') {
            port = numberIn(line, '"destination_port":', v, end);
            if (port === undefined || port < 1 || port > 65535) return undefined;
          }
          // One protocol only, as the slow path reads it.
          if (objectEnd(line, line.indexOf(':', v + 2) + 1) !== end - 1) return undefined;
          break;
        }
        case 'source':
        case 'destination': {
          if (line.charCodeAt(v) !== 123) return undefined;
          const found = this.endpointAt(line, v, key === 'source' ? ',"destination":{' : ',"Type":"');
          if (!found) return undefined;
          end = found[0];
          if (key === 'source') src = found[1];
          else dst = found[1];
          break;
        }
        case 'destination_names': {
          end = objectEnd(line, v);
          if (end < 0 || line.charCodeAt(v) !== 91) return undefined;
          const text = line.slice(v, end);
          if (text.includes('\\')) return undefined;
          names = (JSON.parse(text) as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '').map(trimDot);
          break;
        }
        // Fields this path does not read, and the camelCase spellings of those it does.
        case 'reply':
        case 'egress_denied_by':
        case 'ingress_denied_by':
        case 'egressDeniedBy':
        case 'ingressDeniedBy':
        case 'isReply':
        case 'trafficDirection':
        case 'destinationNames':
        case 'flow':
          return undefined;
        default:
          end = valueEnd(line, v);
          if (end < 0) return undefined;
      }
      const c = line.charCodeAt(end);
      if (c === 44) {
        i = end + 1;
        continue;
      }
      if (c !== 125) return undefined;
      i = end + 1;
      break;
    }
    // After the flow: the wrapper's other fields (node_name, time), or the end of the line.
    if (wrapped) {
      while (line.charCodeAt(i) === 44) {
        i++;
        if (line.charCodeAt(i) !== 34) return undefined;
        const keyEnd = line.indexOf('"', i + 1);
        if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== 58) return undefined;
        const key = line.slice(i + 1, keyEnd);
        if (key === 'flow' || key.includes('\\')) return undefined;
        i = valueEnd(line, keyEnd + 2);
        if (i < 0) return undefined;
      }
      if (line.charCodeAt(i) !== 125) return undefined;
      i++;
    }
    if (i !== n || verdict === undefined || protocol === undefined || !src || !dst) return undefined;
    const flow: ObservedFlow = { src, dst, protocol, names, verdict: verdictOf(verdict), reply: reply === true, duplicate: direction === 'INGRESS' && src.namespace !== undefined };
    if (srcIp) flow.srcIp = srcIp;
    if (dstIp) flow.dstIp = dstIp;
    if (port !== undefined) flow.port = port;
    return { kind: 'flow', flow };
  }
}
