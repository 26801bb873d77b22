/**
 * Hubble flows: `hubble observe -o json` / `-o jsonpb`, one object per line, with or without the
 * `{"flow": …}` wrapper of GetFlowsResponse, in proto field names (`traffic_direction`) or protojson's
 * camelCase ones (`trafficDirection`). Field names as in Cilium's flow.proto: `verdict`, `IP`, `l4`
 * (`TCP`/`UDP`/`SCTP` with `destination_port`, `ICMPv4`/`ICMPv6`), `source`/`destination` endpoints
 * (`namespace`, `labels` like `k8s:app=x` or `reserved:world`, `pod_name`, `workloads`),
 * `destination_names`, `traffic_direction`, `is_reply`, `egress_denied_by`/`ingress_denied_by`.
 */
import { utf8 } from '../text/utf8';
import { ByteTable, bytesAt, hashBytes, PLAIN_BYTE_OPS, type ByteOps } from './bytes';
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

// The fast path works on the line's UTF-8 bytes: no line is decoded to text unless something in it is new (an
// endpoint not seen yet, host names, addresses) or the fast path leaves it to the full parse. Structural
// characters are ASCII and never occur inside a multi-byte UTF-8 sequence, so bytes can be walked as JSON.

const bytesOf = utf8;

/** The text of bytes [start, end): short ASCII runs built directly, anything else decoded as UTF-8. */
function textOf(ops: ByteOps, b: Uint8Array, start: number, end: number): string {
  if (end - start <= 48) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) return ops.text(b, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return ops.text(b, start, end);
}

// Searches are plain loops: a call to indexOf costs more than the few bytes these look at.

/** The first index of byte `c` in b[from, to), or -1. */
function indexOfByte(b: Uint8Array, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === c) return i;
  return -1;
}

/** Whether b[start, end) holds a backslash (an escape the fast path leaves to the full parse). */
function hasEscape(b: Uint8Array, start: number, end: number): boolean {
  return indexOfByte(b, 92, start, end) >= 0;
}

/** The end (index after the closing quote) of the string starting at `start` (a `"`), or -1. */
function stringEnd(b: Uint8Array, start: number): number {
  for (let i = start + 1; i < b.length; i++) {
    const c = b[i];
    if (c === 34) return i + 1;
    if (c === 92) i++;
  }
  return -1;
}

/** The end (index after `}` or `]`) of the JSON object or array starting at `start`, or -1. Strings are skipped. */
function objectEnd(b: Uint8Array, start: number): number {
  let depth = 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i];
    if (c === 34) {
      i = stringEnd(b, i) - 1;
      if (i < 0) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The end of a number or literal (true, false, null) at `start`, or -1 when it is none. */
function scalarEnd(b: Uint8Array, start: number): number {
  let i = start;
  while (i < b.length) {
    const c = b[i];
    // Digits, sign, point, exponent and the letters of true/false/null.
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || (c >= 97 && c <= 122) || c === 69) i++;
    else break;
  }
  return i > start ? i : -1;
}

/** The end of any JSON value at `start`, or -1. */
function valueEnd(b: Uint8Array, start: number): number {
  const c = b[start];
  if (c === 34) return stringEnd(b, start);
  if (c === 123 || c === 91) return objectEnd(b, start);
  return scalarEnd(b, start);
}

/** The first index of `needle` in b[from, to), or -1. */
function find(b: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const last = to - needle.length;
  for (let i = from; i <= last; i++) if (b[i] === first && bytesAt(b, i, needle)) return i;
  return -1;
}

function numberIn(b: Uint8Array, key: Uint8Array, from: number, to: number): number | undefined {
  const k = find(b, key, from, to);
  if (k < 0) return undefined;
  let n = 0;
  let i = k + key.length;
  const first = i;
  for (; i < to; i++) {
    const c = b[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > first && i - first < 6 ? n : undefined;
}

const NO_NAMES: string[] = [];

/** The top-level keys the fast path knows: read (one bit each: a key read twice sends the line to the full parse), or left to the full parse (LEAVE). */
const LEAVE = -1;
const KEY_LIST: [string, number][] = [
  ['verdict', 1],
  ['traffic_direction', 2],
  ['is_reply', 4],
  ['IP', 8],
  ['l4', 16],
  ['source', 32],
  ['destination', 64],
  ['destination_names', 128],
  // Hubble's deprecated spelling of is_reply, still written beside it on replies.
  ['reply', 256],
  // Fields this path does not read, and the camelCase spellings of those it does.
  ...['egress_denied_by', 'ingress_denied_by', 'egressDeniedBy', 'ingressDeniedBy', 'isReply', 'trafficDirection', 'destinationNames', 'flow'].map((k): [string, number] => [k, LEAVE]),
];
interface KnownKey {
  bytes: Uint8Array;
  bit: number;
}
const KEYS_BY_LENGTH: KnownKey[][] = [];
for (let n = 0; n <= Math.max(...KEY_LIST.map(([k]) => k.length)); n++) KEYS_BY_LENGTH.push([]);
for (const [k, bit] of KEY_LIST) KEYS_BY_LENGTH[k.length].push({ bytes: bytesOf(k), bit });

/** The key at b[start, end) (without its quotes, and without escapes): its bit, LEAVE, or 0 for a key this path skips. */
function keyOf(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < KEYS_BY_LENGTH.length) {
    const keys = KEYS_BY_LENGTH[length];
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j].bytes;
      let i = 0;
      while (i < length && b[start + i] === k[i]) i++;
      if (i === length) return keys[j].bit;
    }
  }
  return 0;
}

/** The closing quote of a key starting at `from` (after its opening quote), or -1 when there is none or the key has an escape (left to the full parse). */
function keyEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 34) return i;
    if (c === 92) return -1;
  }
  return -1;
}

const WRAPPED = bytesOf('{"flow":{');
const FLOW_KEY = bytesOf('flow');
const TRUE = bytesOf('true');
const FALSE = bytesOf('false');
const INGRESS = bytesOf('"INGRESS"');
const VERDICTS: [Uint8Array, FlowVerdict][] = [...['FORWARDED', 'REDIRECTED', 'TRANSLATED'].map((v): [Uint8Array, FlowVerdict] => [bytesOf(`"${v}"`), 'allowed']), [bytesOf('"DROPPED"'), 'denied']];
const SOURCE = bytesOf('source');
const DESTINATION = bytesOf('destination');
const PROTOCOLS: [Uint8Array, ObservedFlow['protocol']][] = [
  [bytesOf('{"TCP":{'), 'TCP'],
  [bytesOf('{"UDP":{'), 'UDP'],
  [bytesOf('{"SCTP":{'), 'SCTP'],
  [bytesOf('{"ICMPv4":{'), 'ICMP'],
  [bytesOf('{"ICMPv6":{'), 'ICMP'],
];
const DESTINATION_PORT = bytesOf('"destination_port":');
/** The keys Hubble writes after each endpoint object. */
const AFTER_SOURCE = bytesOf(',"destination":{');
const AFTER_DESTINATION = bytesOf(',"Type":"');

/**
 * A hash of an endpoint's first bytes, up to 48 or its first `}` (its ID and identity tell most apart): it
 * depends on the endpoint's bytes only, so it is computed before its end is known.
 */
function headHash(b: Uint8Array, start: number): number {
  let h = 2166136261;
  const stop = Math.min(b.length, start + 48);
  for (let i = start; i < stop; i++) {
    const c = b[i];
    h = Math.imul(h ^ c, 16777619);
    if (c === 125) break;
  }
  return h & 0x3fffffff;
}

/** Whether key b[start, end) is `k`. */
function isKey(b: Uint8Array, start: number, end: number, k: Uint8Array): boolean {
  return end - start === k.length && bytesAt(b, start, k);
}

/**
 * Reads Hubble lines, fast. The top level of a flow is walked key by key on the line's bytes; the endpoint
 * objects, most of a line and the same from flow to flow of a pod, are parsed once and then recognised by
 * their exact bytes, and so are addresses and DNS names (one string, one array, for every flow that has
 * them: readers of the flows must not change them). A line the fast path is not sure of (escapes in the
 * fields it reads, a key it does not read such as `egress_denied_by`, anything unexpected) is parsed in
 * full, so the result is the one JSON.parse gives.
 */
export class HubbleReader {
  private readonly endpoints: ByteTable<FlowEndpoint>;
  private readonly strings: ByteTable<string>;
  private readonly names: ByteTable<string[]>;
  constructor(
    private readonly ops: ByteOps = PLAIN_BYTE_OPS,
    maxCached = 50_000,
  ) {
    this.endpoints = new ByteTable(ops, maxCached);
    this.strings = new ByteTable(ops, maxCached);
    this.names = new ByteTable(ops, maxCached);
  }

  /** One line, as text or as its UTF-8 bytes (which the reader does not keep: a buffer may be reused). */
  read(line: string | Uint8Array): LineResult {
    const bytes = typeof line === 'string' ? bytesOf(line) : line;
    return this.fast(bytes) ?? jsonLine(typeof line === 'string' ? line : this.ops.text(line, 0, line.length), hubbleFromObject);
  }

  /**
   * The endpoint object at `start`: its end (index after it) and what it says, or undefined. Known objects
   * are found by a hash of their first bytes and confirmed by all of them.
   */
  private endpointAt(b: Uint8Array, start: number, follower: Uint8Array): [number, FlowEndpoint] | undefined {
    const h = headHash(b, start);
    // A known endpoint is known by its bytes: a complete JSON object there is exactly the value (a complete
    // JSON value has no complete proper prefix).
    const known = this.endpoints.prefix(b, start, h, 125);
    if (known) return [start + known[1], known[0]];
    // A new one: its end is looked for as the key Hubble writes after it (`follower`), without walking its
    // bytes, and the slice is parsed (it parses only when it is one whole object).
    let end = this.ops.find(b, follower, start, b.length);
    if (end < 0 || b[end - 1] !== 125) end = objectEnd(b, start);
    if (end < 0) return undefined;
    let endpoint: FlowEndpoint;
    try {
      const o: unknown = JSON.parse(this.ops.text(b, start, end));
      if (!isRecord(o)) return undefined;
      endpoint = hubbleEndpoint(o);
    } catch {
      return undefined;
    }
    this.endpoints.add(b, start, end, h, endpoint);
    return [end, endpoint];
  }

  /** The string b[start, end) (inside its quotes), the same string object each time; null when it has escapes. */
  private stringAt(b: Uint8Array, start: number, end: number): string | null {
    const h = hashBytes(b, start, end);
    const known = this.strings.get(b, start, end, h);
    if (known !== undefined) return known;
    if (hasEscape(b, start, end)) return null;
    const s = textOf(this.ops, b, start, end);
    this.strings.add(b, start, end, h, s);
    return s;
  }

  /** The IP object at `v`: its end (index after it), source and destination addresses, or undefined to leave the line to the full parse. */
  private addresses(b: Uint8Array, v: number): [number, string | undefined, string | undefined] | undefined {
    let src: string | undefined;
    let dst: string | undefined;
    let i = v + 1;
    if (b[i] === 125) return [i + 1, src, dst];
    for (;;) {
      if (b[i] !== 34) return undefined;
      const kEnd = keyEnd(b, i + 1, b.length);
      if (kEnd < 0 || b[kEnd + 1] !== 58) return undefined;
      const at = kEnd + 2;
      const valueStop = valueEnd(b, at);
      if (valueStop < 0) return undefined;
      const isSource = isKey(b, i + 1, kEnd, SOURCE);
      if (isSource || isKey(b, i + 1, kEnd, DESTINATION)) {
        if (b[at] !== 34) return undefined;
        const s = this.stringAt(b, at + 1, valueStop - 1);
        if (s === null) return undefined;
        // As `str` reads it: an empty address is none.
        if (isSource) src = s || undefined;
        else dst = s || undefined;
      }
      const c = b[valueStop];
      if (c === 125) return [valueStop + 1, src, dst];
      if (c !== 44) return undefined;
      i = valueStop + 1;
    }
  }

  /** The DNS names array at b[start, end), the same array each time; null when it has escapes. */
  private namesAt(b: Uint8Array, start: number, end: number): string[] | null {
    const h = hashBytes(b, start, end);
    const known = this.names.get(b, start, end, h);
    if (known !== undefined) return known;
    if (hasEscape(b, start, end)) return null;
    const names = (JSON.parse(this.ops.text(b, start, end)) as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '').map(trimDot);
    this.names.add(b, start, end, h, names);
    return names;
  }

  /** The fast path alone: undefined when it leaves the line to the full parse. */
  fast(line: string | Uint8Array): LineResult | undefined {
    const b = typeof line === 'string' ? bytesOf(line) : line;
    const n = b.length;
    if (n < 2 || b[0] !== 123 || b[n - 1] !== 125) return undefined;
    // The flow object: inside the GetFlowsResponse wrapper, or the line itself.
    const wrapped = bytesAt(b, 0, WRAPPED);
    let i = wrapped ? 8 : 0;
    let verdict: FlowVerdict | undefined;
    let ingress = false;
    let reply: boolean | undefined;
    let legacyReply = false;
    let src: FlowEndpoint | undefined;
    let dst: FlowEndpoint | undefined;
    let srcIp: string | undefined;
    let dstIp: string | undefined;
    let protocol: ObservedFlow['protocol'] | undefined;
    let port: number | undefined;
    let names: string[] = NO_NAMES;
    // Keys read twice: JSON.parse keeps the last value; such lines are left to it.
    let read = 0;
    if (b[i] !== 123) return undefined;
    i++;
    if (b[i] === 125) return undefined;
    for (;;) {
      if (b[i] !== 34) return undefined;
      const kEnd = keyEnd(b, i + 1, n);
      if (kEnd < 0 || b[kEnd + 1] !== 58) return undefined;
      const bit = keyOf(b, i + 1, kEnd);
      if (bit === LEAVE) return undefined;
      if (bit !== 0) {
        if ((read & bit) !== 0) return undefined;
        read |= bit;
      }
      const v = kEnd + 2;
      let end: number;
      switch (bit) {
        case 1: // verdict
          end = stringEnd(b, v);
          if (b[v] !== 34 || end < 0 || hasEscape(b, v, end)) return undefined;
          verdict = 'other';
          for (let j = 0; j < VERDICTS.length; j++) {
            const lit = VERDICTS[j][0];
            if (lit.length === end - v && bytesAt(b, v, lit)) verdict = VERDICTS[j][1];
          }
          break;
        case 2: // traffic_direction
          end = stringEnd(b, v);
          if (b[v] !== 34 || end < 0 || hasEscape(b, v, end)) return undefined;
          ingress = end - v === INGRESS.length && bytesAt(b, v, INGRESS);
          break;
        case 4: // is_reply
        case 256: {
          // reply
          end = scalarEnd(b, v);
          let value: boolean;
          if (end === v + 4 && bytesAt(b, v, TRUE)) value = true;
          else if (end === v + 5 && bytesAt(b, v, FALSE)) value = false;
          else return undefined;
          if (bit === 4) reply = value;
          else legacyReply = value;
          break;
        }
        case 8: {
          // IP
          if (b[v] !== 123) return undefined;
          const ips = this.addresses(b, v);
          if (!ips) return undefined;
          [end, srcIp, dstIp] = ips;
          break;
        }
        case 16: {
          // l4
          let known: [Uint8Array, ObservedFlow['protocol']] | undefined;
          for (let j = 0; j < PROTOCOLS.length && !known; j++) if (bytesAt(b, v, PROTOCOLS[j][0])) known = PROTOCOLS[j];
          if (!known) return undefined;
          protocol = known[1];
          // One protocol only, as the slow path reads it: the l4 object ends where the protocol's does.
          const inner = v + known[0].length - 1;
          const innerEnd = objectEnd(b, inner);
          if (innerEnd < 0 || b[innerEnd] !== 125) return undefined;
          end = innerEnd + 1;
          if (protocol !== 'ICMP') {
            port = numberIn(b, DESTINATION_PORT, inner, innerEnd);
            if (port === undefined || port < 1 || port > 65535) return undefined;
          }
          break;
        }
        case 32: // source
        case 64: {
          // destination
          if (b[v] !== 123) return undefined;
          const found = this.endpointAt(b, v, bit === 32 ? AFTER_SOURCE : AFTER_DESTINATION);
          if (!found) return undefined;
          end = found[0];
          if (bit === 32) src = found[1];
          else dst = found[1];
          break;
        }
        case 128: {
          // destination_names
          end = objectEnd(b, v);
          if (end < 0 || b[v] !== 91) return undefined;
          const known = this.namesAt(b, v, end);
          if (!known) return undefined;
          names = known;
          break;
        }
        default:
          end = valueEnd(b, v);
          if (end < 0) return undefined;
      }
      const c = b[end];
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
      while (b[i] === 44) {
        i++;
        if (b[i] !== 34) return undefined;
        const kEnd = keyEnd(b, i + 1, n);
        if (kEnd < 0 || b[kEnd + 1] !== 58) return undefined;
        if (kEnd - i - 1 === FLOW_KEY.length && bytesAt(b, i + 1, FLOW_KEY)) return undefined;
        i = valueEnd(b, kEnd + 2);
        if (i < 0) return undefined;
      }
      if (b[i] !== 125) return undefined;
      i++;
    }
    if (i !== n || verdict === undefined || protocol === undefined || !src || !dst) return undefined;
    const duplicate = ingress && src.namespace !== undefined;
    // The usual flow built whole (one object shape, no properties added one by one); others as fields say.
    // A reply as the full parse reads it: is_reply when present, else the deprecated reply.
    if (srcIp && dstIp && port !== undefined) return { kind: 'flow', flow: { src, dst, srcIp, dstIp, protocol, port, names, verdict, reply: reply ?? legacyReply, duplicate } };
    const flow: ObservedFlow = { src, dst, protocol, names, verdict, reply: reply ?? legacyReply, duplicate };
    if (srcIp) flow.srcIp = srcIp;
    if (dstIp) flow.dstIp = dstIp;
    if (port !== undefined) flow.port = port;
    return { kind: 'flow', flow };
  }
}
