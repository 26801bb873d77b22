/**
 * Exposure to workloads that do not exist yet (np-guard/netpol-analyzer's `--exposure`).
 *
 * The workloads of the manifests are known; the policies also name pods and namespaces by label that the
 * manifests may not hold yet ("any pod with role=monitoring in a namespace with team=ops"). Each such
 * selector pair becomes a *representative peer*: a pod that stands for whatever will match it. For each
 * workload and direction this says what it is exposed to: `entire-cluster` (a rule that admits every pod
 * of every namespace), a representative peer, or, when no policy protects it in that direction, everything.
 *
 * The semantics are netpol-analyzer's, for Kubernetes NetworkPolicy and the admin policies
 * (AdminNetworkPolicy, BaselineAdminNetworkPolicy): a rule admits a representative peer only when its
 * selectors are the peer's own (or empty), never by label overlap; a representative peer is dropped when a
 * workload of the manifests matches its plain labels in a named namespace; NetworkPolicies never select a
 * representative peer, admin policies whose subject selector is the same (or empty) do.
 */
import { isRecord, kindName, type Resource } from '../model/resources';
import { matches, readSelector } from '../model/selector';
import { objectNumber, perObject } from '../memo';
import type { Workload } from '../model/workloads';
import { ConnectionSet, PROTOCOLS, type Protocol } from '../sets/connections';
import { PortSet } from '../sets/portset';
import { adminPortSpecs } from '../policy/compile-admin';
import { netpolPortSpec, resolveNamedPort, type PortSpec } from '../reach/ports';
import type { CompiledAdminPolicy, CompiledNetpol } from '../reach/compiled';
import type { Model } from '../model/model';
import { focusOn, type Connection, type Reachability } from '../reach/reachability';
import type { Direction } from '../reach/rules';
import type { SourceRef } from '../reach/explain';
import { spanAt } from '../model/anchor';

// ---------------------------------------------------------------------------------------------------------
// Connections with port names: towards a pod that does not exist, a named port stays a name.

const ALL_PORTS = ConnectionSet.from({ SCTP: PortSet.all, TCP: PortSet.all, UDP: PortSet.all });

/** Port names as `PROTOCOL/name` (protocol empty when the rule does not state one): a set, or every name but some. */
interface NameSet {
  readonly co: boolean;
  readonly names: ReadonlySet<string>;
}

const NO_NAMES: NameSet = { co: false, names: new Set() };
const ALL_NAMES: NameSet = { co: true, names: new Set() };

function namesUnion(a: NameSet, b: NameSet): NameSet {
  if (!a.co && !b.co) return { co: false, names: new Set([...a.names, ...b.names]) };
  if (a.co && b.co) return { co: true, names: new Set([...a.names].filter((n) => b.names.has(n))) };
  const [co, set] = a.co ? [a, b] : [b, a];
  return { co: true, names: new Set([...co.names].filter((n) => !set.names.has(n))) };
}

function namesComplement(a: NameSet): NameSet {
  return { co: !a.co, names: a.names };
}

function namesIntersect(a: NameSet, b: NameSet): NameSet {
  return namesComplement(namesUnion(namesComplement(a), namesComplement(b)));
}

function namesEqual(a: NameSet, b: NameSet): boolean {
  return a.co === b.co && a.names.size === b.names.size && [...a.names].every((n) => b.names.has(n));
}

/** TCP, UDP and SCTP ports, and port names: what netpol-analyzer's exposure connections hold. */
export class ExposureConns {
  private constructor(
    readonly ports: ConnectionSet,
    readonly names: NameSet,
  ) {}

  static readonly all = new ExposureConns(ALL_PORTS, ALL_NAMES);
  static readonly none = new ExposureConns(ConnectionSet.none, NO_NAMES);

  static of(ports: ConnectionSet, names: readonly string[] = []): ExposureConns {
    return new ExposureConns(ports.intersect(ALL_PORTS), { co: false, names: new Set(names) });
  }

  get isEmpty(): boolean {
    return this.ports.isEmpty && !this.names.co && this.names.names.size === 0;
  }

  get isAll(): boolean {
    return this.ports.allPorts && this.names.co && this.names.names.size === 0;
  }

  union(o: ExposureConns): ExposureConns {
    return new ExposureConns(this.ports.union(o.ports), namesUnion(this.names, o.names));
  }

  intersect(o: ExposureConns): ExposureConns {
    return new ExposureConns(this.ports.intersect(o.ports), namesIntersect(this.names, o.names));
  }

  subtract(o: ExposureConns): ExposureConns {
    return new ExposureConns(this.ports.subtract(o.ports), namesIntersect(this.names, namesComplement(o.names)));
  }

  equals(o: ExposureConns): boolean {
    return this.ports.equals(o.ports) && namesEqual(this.names, o.names);
  }

  /** Named ports resolved against a workload's container ports (a name it does not have stays a name). */
  resolvedOn(w: Workload): ExposureConns {
    if (this.names.co) return this;
    let ports = this.ports;
    const names: string[] = [];
    for (const key of this.names.names) {
      const { protocol, name } = splitName(key);
      const p = resolveNamedPort(w, name, protocol === '' ? undefined : (protocol as Protocol));
      if (p) ports = ports.union(ConnectionSet.of(p.protocol, PortSet.port(p.port)));
      else names.push(key);
    }
    return ExposureConns.of(ports, names);
  }

  /** netpol-analyzer's rendering: `All Connections`, `No Connections`, or `TCP 80,http,UDP 53` (names after numbers). */
  toString(): string {
    if (this.isAll) return 'All Connections';
    if (this.isEmpty) return 'No Connections';
    const byProtocol = new Map<string, string[]>();
    for (const p of PROTOCOLS) if (!this.ports.portsOf(p).isEmpty) byProtocol.set(p, [this.ports.portsOf(p).toString()]);
    if (!this.names.co) {
      for (const key of [...this.names.names].sort()) {
        const { protocol, name } = splitName(key);
        const list = byProtocol.get(protocol) ?? [];
        list.push(name);
        byProtocol.set(protocol, list);
      }
    }
    return [...byProtocol]
      .map(([p, parts]) => `${p} ${parts.join(',')}`)
      .sort()
      .join(',');
  }
}

function splitName(key: string): { protocol: string; name: string } {
  const i = key.indexOf('/');
  return { protocol: key.slice(0, i), name: key.slice(i + 1) };
}

/** What a list of port specs allows towards a destination: a workload resolves names, an unknown pod keeps them. */
function specsConns(specs: readonly PortSpec[] | undefined, dst: Workload | undefined): ExposureConns {
  if (specs === undefined) return ExposureConns.all;
  let ports = ConnectionSet.none;
  const names: string[] = [];
  for (const s of specs) {
    if (s.kind === 'all') return ExposureConns.all;
    if (s.kind === 'numbers') ports = ports.union(s.conns);
    else if (dst) {
      const p = resolveNamedPort(dst, s.name, s.protocol);
      if (p) ports = ports.union(ConnectionSet.of(p.protocol, PortSet.port(p.port)));
    } else names.push(`${s.protocol ?? ''}/${s.name}`);
  }
  return ExposureConns.of(ports, names);
}

// ---------------------------------------------------------------------------------------------------------
// Selectors as written: their labels and expressions, for comparing and printing.

interface Expression {
  key: string;
  operator: string;
  values: string[];
}

/** A label selector as the policy writes it. */
export interface WrittenSelector {
  labels: [string, string][];
  expressions: Expression[];
}

function written(raw: unknown): WrittenSelector | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) return { labels: [], expressions: [] };
  const labels: [string, string][] = isRecord(raw.matchLabels) ? Object.entries(raw.matchLabels).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]) : [];
  const expressions: Expression[] = Array.isArray(raw.matchExpressions)
    ? raw.matchExpressions.filter(isRecord).map((e) => ({ key: String(e.key ?? ''), operator: String(e.operator ?? ''), values: Array.isArray(e.values) ? e.values.map(String) : [] }))
    : [];
  return { labels, expressions };
}

/** Absent, null, or a map whose matchLabels is a map and whose matchExpressions is a list of maps with a key and a known operator. */
function selectorShaped(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  return isRecord(raw) && !readSelector(raw).invalid;
}

function isEmptySelector(s: WrittenSelector | undefined): boolean {
  return s === undefined || (s.labels.length === 0 && s.expressions.length === 0);
}

const canonicalTexts = new WeakMap<WrittenSelector, string>();

/** Kubernetes' canonical requirements (sorted by key; `In` with one value is `k=v`, as a label is). */
function canonical(s: WrittenSelector | undefined): string {
  if (!s) return '';
  let text = canonicalTexts.get(s);
  if (text === undefined) canonicalTexts.set(s, (text = canonicalText(s)));
  return text;
}

function canonicalText(s: WrittenSelector): string {
  const items: { key: string; text: string }[] = s.labels.map(([k, v]) => ({ key: k, text: `${k}=${v}` }));
  for (const e of s.expressions) {
    const values = [...e.values].sort();
    let text: string;
    if (e.operator === 'In' && values.length === 1) text = `${e.key}=${values[0]}`;
    else if (e.operator === 'In') text = `${e.key} in (${values.join(',')})`;
    else if (e.operator === 'NotIn') text = `${e.key} notin (${values.join(',')})`;
    else if (e.operator === 'Exists') text = e.key;
    else text = `!${e.key}`;
    items.push({ key: e.key, text });
  }
  return items
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map((i) => i.text)
    .join(',');
}

/** A rule's selector admits a representative peer's when it is empty or requires exactly the same. */
function fullMatch(rule: WrittenSelector | undefined, rep: WrittenSelector | undefined): boolean {
  return isEmptySelector(rule) || canonical(rule) === canonical(rep);
}

/** `{a=1,b=2}`, then the expressions as netpol-analyzer prints them (`{Key:k,Operator:In,Values:[x y],}`). */
function selectorText(s: WrittenSelector): string {
  const labels = [...s.labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  const expressions = s.expressions.map((e) => `{Key:${e.key},Operator:${e.operator},Values:[${e.values.join(' ')}],}`).sort();
  return `{${[...labels, ...expressions].join(',')}}`;
}

const NAME_LABEL = 'kubernetes.io/metadata.name';

/** A pod that stands for every pod a policy names by selector: in the namespaces of `namespaces` (none: all). */
export interface RepresentativePeer {
  namespaces: WrittenSelector | undefined;
  /** The namespace of the NetworkPolicy whose rule named pods without a namespace selector. */
  namespace?: string;
  pods: WrittenSelector | undefined;
  /** `[namespace with {team=ops}]/[pod with {role=db}]`, `[all namespaces]/[all pods]`, `backend/[all pods]`. */
  name: string;
}

function representativeName(ns: WrittenSelector | undefined, pods: WrittenSelector | undefined): string {
  let nsPart: string;
  if (ns && ns.expressions.length === 0 && ns.labels.length === 1 && ns.labels[0][0] === NAME_LABEL) nsPart = ns.labels[0][1];
  else if (isEmptySelector(ns)) nsPart = '[all namespaces]';
  else nsPart = `[namespace with ${selectorText(ns!)}]`;
  const podPart = isEmptySelector(pods) ? '[all pods]' : `[pod with ${selectorText(pods!)}]`;
  return `${nsPart}/${podPart}`;
}

// ---------------------------------------------------------------------------------------------------------
// Policies, read for exposure.

type AdminAction = 'allow' | 'deny' | 'pass';

/** One peer of a rule: every pod of the cluster, a selector pair, or something no pod is (an address block). */
type RulePeer = { kind: 'cluster' } | { kind: 'pods'; namespaces: WrittenSelector | undefined; pods: WrittenSelector | undefined; admin: boolean } | { kind: 'none' };

interface ExposureRule {
  /** Its index in the policy's `ingress` / `egress` list. */
  index: number;
  /** undefined: no peers listed, every peer. */
  peers?: RulePeer[];
  ports?: PortSpec[];
  action: AdminAction;
}

interface ExposurePolicy {
  resource: Resource;
  /** The namespace of a NetworkPolicy. */
  namespace?: string;
  rules: Record<Direction, ExposureRule[]>;
  /** What its rules give every pod of the cluster, in each direction, by action (the first rule decides). */
  cluster: Record<Direction, Record<AdminAction, ExposureConns>>;
  /** Admin policies: the subject's selectors. */
  subject?: { namespaces: WrittenSelector | undefined; pods: WrittenSelector | undefined };
  /** Whether the spec lists rules in a direction (an admin policy protects its subjects there). */
  hasRules: Record<Direction, boolean>;
}

function netpolRulePeers(raw: unknown): RulePeer[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((p): RulePeer => {
    if (!isRecord(p) || isRecord(p.ipBlock)) return { kind: 'none' };
    const hasNs = 'namespaceSelector' in p;
    const hasPods = 'podSelector' in p;
    // A selector that is not one (a string, a list) selects nothing, as the rest of the engine reads it.
    if ((!hasNs && !hasPods) || !selectorShaped(p.namespaceSelector) || !selectorShaped(p.podSelector)) return { kind: 'none' };
    const ns = written(p.namespaceSelector);
    const pods = written(p.podSelector);
    if (hasNs && isEmptySelector(ns) && isEmptySelector(pods)) return { kind: 'cluster' };
    return { kind: 'pods', namespaces: hasNs ? (ns ?? { labels: [], expressions: [] }) : undefined, pods: hasPods ? pods : undefined, admin: false };
  });
}

function netpolPorts(raw: unknown): PortSpec[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const specs: PortSpec[] = [];
  for (const p of raw) {
    if (!isRecord(p)) continue;
    const port = typeof p.port === 'number' || typeof p.port === 'string' ? p.port : undefined;
    const s = netpolPortSpec(typeof p.protocol === 'string' ? p.protocol : 'TCP', port, typeof p.endPort === 'number' ? p.endPort : undefined);
    if (s) specs.push(s);
  }
  return specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs;
}

function adminRulePeers(raw: unknown): RulePeer[] {
  if (!Array.isArray(raw)) return [];
  const out: RulePeer[] = [];
  for (const p of raw) {
    if (!isRecord(p)) continue;
    if (!selectorShaped(p.namespaces) || (isRecord(p.pods) && (!selectorShaped(p.pods.namespaceSelector) || !selectorShaped(p.pods.namespaces) || !selectorShaped(p.pods.podSelector)))) out.push({ kind: 'none' });
    else if ('namespaces' in p) {
      const ns = written(p.namespaces) ?? { labels: [], expressions: [] };
      out.push(isEmptySelector(ns) ? { kind: 'cluster' } : { kind: 'pods', namespaces: ns, pods: undefined, admin: true });
    } else if (isRecord(p.pods)) {
      const ns = written(p.pods.namespaces ?? p.pods.namespaceSelector) ?? { labels: [], expressions: [] };
      const pods = written(p.pods.podSelector) ?? { labels: [], expressions: [] };
      out.push(isEmptySelector(ns) && isEmptySelector(pods) ? { kind: 'cluster' } : { kind: 'pods', namespaces: ns, pods, admin: true });
    } else out.push({ kind: 'none' });
  }
  return out;
}

function adminAction(raw: unknown): AdminAction | undefined {
  return raw === 'Allow' || raw === 'Accept' ? 'allow' : raw === 'Deny' ? 'deny' : raw === 'Pass' ? 'pass' : undefined;
}

function emptyCluster(): Record<AdminAction, ExposureConns> {
  return { allow: ExposureConns.none, deny: ExposureConns.none, pass: ExposureConns.none };
}

/** A rule's own connections, with no destination known (names kept), added to what earlier rules left. */
function addCluster(cluster: Record<AdminAction, ExposureConns>, action: AdminAction, conns: ExposureConns): void {
  const decided = cluster.allow.union(cluster.deny).union(cluster.pass);
  cluster[action] = cluster[action].union(conns.subtract(decided));
}

/** A compiled policy read for exposure: once per compiled object (kept across analyses while the policy is unchanged). */
const readNetpol = perObject(readNetpolOnce);
const readAdmin = perObject(readAdminOnce);

function readNetpolOnce(np: CompiledNetpol): ExposurePolicy {
  const spec = isRecord(np.policy.resource.obj.spec) ? np.policy.resource.obj.spec : {};
  const rules: Record<Direction, ExposureRule[]> = { ingress: [], egress: [] };
  const cluster = { ingress: emptyCluster(), egress: emptyCluster() };
  for (const dir of ['ingress', 'egress'] as const) {
    if (!np.policy.affects[dir] || !Array.isArray(spec[dir])) continue;
    for (const [index, raw] of (spec[dir] as unknown[]).entries()) {
      const r = isRecord(raw) ? raw : {};
      const rule: ExposureRule = { index, peers: netpolRulePeers(r[dir === 'ingress' ? 'from' : 'to']), ports: netpolPorts(r.ports), action: 'allow' };
      rules[dir].push(rule);
      if (!rule.peers || rule.peers.some((p) => p.kind === 'cluster')) addCluster(cluster[dir], 'allow', specsConns(rule.ports, undefined));
    }
  }
  return { resource: np.policy.resource, namespace: np.policy.namespace, rules, cluster, hasRules: { ingress: np.policy.affects.ingress, egress: np.policy.affects.egress } };
}

function readAdminOnce(p: CompiledAdminPolicy): ExposurePolicy {
  const spec = isRecord(p.resource.obj.spec) ? p.resource.obj.spec : {};
  const rules: Record<Direction, ExposureRule[]> = { ingress: [], egress: [] };
  const cluster = { ingress: emptyCluster(), egress: emptyCluster() };
  const hasRules = { ingress: false, egress: false };
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    if (!Array.isArray(list)) continue;
    hasRules[dir] = list.length > 0;
    for (const [index, raw] of list.entries()) {
      if (!isRecord(raw)) continue;
      const action = adminAction(raw.action);
      if (!action) continue;
      const specs = adminPortSpecs(raw);
      const rule: ExposureRule = { index, peers: adminRulePeers(raw[dir === 'ingress' ? 'from' : 'to']), ports: specs === undefined ? undefined : specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs, action };
      rules[dir].push(rule);
      if (rule.peers!.some((x) => x.kind === 'cluster')) addCluster(cluster[dir], action, specsConns(rule.ports, undefined));
    }
  }
  const subjectRaw = isRecord(spec.subject) ? spec.subject : {};
  let subject: ExposurePolicy['subject'];
  if ('namespaces' in subjectRaw) subject = { namespaces: written(subjectRaw.namespaces) ?? { labels: [], expressions: [] }, pods: undefined };
  else if (isRecord(subjectRaw.pods)) subject = { namespaces: written(subjectRaw.pods.namespaces ?? subjectRaw.pods.namespaceSelector), pods: written(subjectRaw.pods.podSelector) };
  return { resource: p.resource, rules, cluster, subject, hasRules };
}

// ---------------------------------------------------------------------------------------------------------
// The analysis.

/** One line of the exposure result: a workload and what it is exposed to in one direction. */
export interface ExposureLine {
  workload: Workload;
  direction: Direction;
  /** `entire-cluster`, a representative peer's name, or an external address range. */
  peer: string;
  representative?: RepresentativePeer;
  conns: ExposureConns;
  /** The text of the connections (`All Connections`, `TCP 8080`, `No Connections`). */
  conn: string;
  /** The rules of the workload's policies that let these connections through (none for addresses). */
  rules: { resource: Resource; direction: Direction; index: number }[];
}

export interface ExposureResult {
  /** The workload pairs' connections (the connection list). */
  connections: readonly Connection[];
  /** The workloads with exposure, in id order. */
  exposed: Workload[];
  egress: ExposureLine[];
  ingress: ExposureLine[];
  /** Workloads no policy protects, per direction. */
  unprotected: { workload: Workload; direction: Direction }[];
  /** Every representative peer the policies imply that no workload of the manifests stands for. */
  representatives: RepresentativePeer[];
  /** The one connection the result is about, when asked for. */
  focusConn?: ConnectionSet;
  /** For a later analysis (`ExposureOptions.previous`); absent when focused or when an admin policy captures a representative peer. */
  memo?: ExposureMemo;
}

export interface ExposureOptions {
  /** Only these workloads' exposure (and connections), and only in this direction. */
  focus?: (w: Workload) => boolean;
  direction?: Direction;
  /** Only this connection (one protocol and port): who is exposed on it, connections shown without ports. */
  focusConn?: ConnectionSet;
  /** The reachability's connection list, when the caller has it already. */
  connections?: readonly Connection[];
  /**
   * What an earlier analysis found for each set of policies in force (`ExposureResult.memo`): taken over
   * where the representative peers and the admin policies are the same (a whole analysis, not focused).
   */
  previous?: ExposureMemo;
}

/** What exposure found per set of policies in force on a workload, and what that depends on besides. */
export interface ExposureMemo {
  /** The representative peers and the admin policies it was found with. */
  signature: string;
  bySet: Map<string, SetExposure>;
}

/** For one direction and set of policies in force: unprotected, or the lines (`entire-cluster` and representative peers). */
interface SetExposure {
  unprotected: boolean;
  lines: { peer: string; conns: ExposureConns; rep?: RepresentativePeer; rules: ExposureLine['rules'] }[];
}

type Side = { kind: 'workload'; workload: Workload } | { kind: 'rep'; rep: RepresentativePeer };

export function exposureAnalysis(model: Pick<Model, 'definitions'>, reach: Reachability, options: ExposureOptions = {}): ExposureResult {
  const order = new Map(model.definitions.map((r, i) => [r, i]));
  const netpols = reach.policies.netpols.map((np) => ({ compiled: np, read: readNetpol(np) }));
  const readOf = new Map(netpols.map((n) => [n.compiled, n]));
  /** The NetworkPolicies that select a workload in a direction. */
  const selecting = (w: Workload, dir: Direction) => reach.policies.of(w, dir).netpol.map((np) => readOf.get(np)!);
  const admins = reach.policies.adminPolicies.filter((p) => isNetworkPolicyApi(p.resource)).sort((a, b) => a.priority - b.priority || (a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0)).map((p) => ({ compiled: p, read: readAdmin(p) }));
  const anps = admins.filter((p) => p.compiled.tier === 'admin');
  const banps = admins.filter((p) => p.compiled.tier === 'baseline');
  const nsLabels = (w: Workload) => reach.index.namespaceLabels(w.namespace);

  // Representative peers: every selector pair the rules name, once (by their requirements).
  const reps = new Map<string, RepresentativePeer>();
  const addRep = (p: Extract<RulePeer, { kind: 'pods' }>, namespace: string | undefined) => {
    let ns = p.namespaces;
    let home: string | undefined;
    if (ns === undefined) {
      if (namespace !== undefined) {
        ns = { labels: [[NAME_LABEL, namespace]], expressions: [] };
        home = namespace;
      }
    }
    const key = `${canonical(ns)}/${canonical(p.pods)}`;
    if (!reps.has(key)) reps.set(key, { namespaces: ns, namespace: home, pods: p.pods, name: representativeName(ns, p.pods) });
  };
  // Policies in the order of the input, ingress rules before egress rules.
  const inOrder = [...netpols.map((x) => x.read), ...admins.map((x) => x.read)].sort((a, b) => (order.get(a.resource) ?? 0) - (order.get(b.resource) ?? 0));
  for (const p of inOrder) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const rule of p.rules[dir]) {
        if (!rule.peers) continue;
        // A NetworkPolicy rule that admits the whole cluster names no representative peer.
        if (p.namespace !== undefined && rule.peers.some((x) => x.kind === 'cluster')) continue;
        for (const x of rule.peers) if (x.kind === 'pods') addRep(x, p.namespace);
      }
    }
  }
  const listed = new Set(reach.workloads);
  // A workload that matches a representative peer's plain labels, in a namespace it names, stands for it.
  for (const [key, rep] of reps) {
    if (isEmptySelector(rep.pods) || isEmptySelector(rep.namespaces)) continue;
    if (rep.pods!.expressions.length > 0 || rep.namespaces!.expressions.length > 0) continue;
    const podSel = readSelector({ matchLabels: Object.fromEntries(rep.pods!.labels) });
    const nsSel = readSelector({ matchLabels: Object.fromEntries(rep.namespaces!.labels) });
    if (reach.index.selectNamespaces(nsSel).some((ns) => reach.index.select(ns.name, podSel).some((w) => listed.has(w)))) reps.delete(key);
  }
  const representatives = [...reps.values()];

  const subjectOf = (p: ExposurePolicy, s: Side): boolean => {
    if (!p.subject) return false;
    if (s.kind === 'workload') return false;
    return fullMatch(p.subject.namespaces, s.rep.namespaces) && (p.subject.pods === undefined || fullMatch(p.subject.pods, s.rep.pods));
  };
  // Whether an admin policy captures a representative peer: once per peer and policy.
  const capturing = new Map<RepresentativePeer, Set<ExposurePolicy>>();
  for (const rep of representatives) capturing.set(rep, new Set(admins.filter((x) => subjectOf(x.read, { kind: 'rep', rep })).map((x) => x.read)));
  const selectsAdmin = (x: (typeof admins)[number], s: Side) => (s.kind === 'workload' ? x.compiled.subjects.has(s.workload) : capturing.get(s.rep)!.has(x.read));

  /** Whether a peer of a rule of policy `p` admits the other side. */
  const peerAdmits = (p: ExposurePolicy, x: RulePeer, other: Side): boolean => {
    if (x.kind === 'none') return false;
    if (x.kind === 'cluster') return true;
    if (other.kind === 'workload') {
      const w = other.workload;
      const podsOk = x.pods === undefined || matches(readSelector(rawOf(x.pods)), w.labels);
      if (x.namespaces === undefined) return w.namespace === p.namespace && podsOk;
      return matches(readSelector(rawOf(x.namespaces)), nsLabels(w)) && podsOk;
    }
    const r = other.rep;
    if (x.namespaces === undefined) return r.namespace !== undefined && r.namespace === p.namespace && fullMatch(x.pods, r.pods);
    return fullMatch(x.namespaces, r.namespaces) && (x.pods === undefined || fullMatch(x.pods, r.pods));
  };
  const ruleAdmits = (p: ExposurePolicy, rule: ExposureRule, other: Side) => !rule.peers || rule.peers.some((x) => peerAdmits(p, x, other));
  /** The representative peers a selector peer of a rule names (once per peer). */
  const named = new Map<RulePeer, RepresentativePeer[]>();
  const namedBy = (p: ExposurePolicy, x: RulePeer): RepresentativePeer[] => {
    let list = named.get(x);
    if (!list) named.set(x, (list = representatives.filter((rep) => peerAdmits(p, x, { kind: 'rep', rep }))));
    return list;
  };

  /** What `subject` allows in direction `dir` with `other`; `dst` is the destination when it is a workload. */
  /** The rules that let a connection through, as `record` hears of them. */
  type Recorder = (p: ExposurePolicy, rule: ExposureRule) => void;
  const side = (subject: Side, dir: Direction, other: Side, record?: Recorder): ExposureConns => {
    // A representative peer no admin policy captures allows everything on its own side (no NetworkPolicy selects it).
    if (subject.kind === 'rep' && capturing.get(subject.rep)!.size === 0) return ExposureConns.all;
    const dst = dir === 'egress' ? (other.kind === 'workload' ? other.workload : undefined) : subject.kind === 'workload' ? subject.workload : undefined;
    let allow = ExposureConns.none;
    let deny = ExposureConns.none;
    let undecided = ExposureConns.all;
    for (const a of anps) {
      if (!selectsAdmin(a, subject)) continue;
      for (const rule of a.read.rules[dir]) {
        if (undecided.isEmpty || !ruleAdmits(a.read, rule, other)) continue;
        const c = specsConns(rule.ports, dst).intersect(undecided);
        undecided = undecided.subtract(c);
        if (rule.action === 'allow') allow = allow.union(c);
        else if (rule.action === 'deny') deny = deny.union(c);
        if (rule.action === 'allow' && !c.isEmpty) record?.(a.read, rule);
      }
    }
    // Passed connections and what no admin rule decided go down to the NetworkPolicies, then the baseline.
    const rest = ExposureConns.all.subtract(allow).subtract(deny);
    if (rest.isEmpty) return allow;
    if (subject.kind === 'workload') {
      const nps = selecting(subject.workload, dir);
      if (nps.length > 0) {
        let np = ExposureConns.none;
        for (const n of nps) {
          for (const rule of n.read.rules[dir]) {
            if (!ruleAdmits(n.read, rule, other)) continue;
            const c = specsConns(rule.ports, dst);
            np = np.union(c);
            if (!c.intersect(rest).isEmpty) record?.(n.read, rule);
          }
        }
        return allow.union(rest.intersect(np));
      }
    }
    let denied = ExposureConns.none;
    let open = ExposureConns.all;
    for (const b of banps) {
      if (!selectsAdmin(b, subject)) continue;
      for (const rule of b.read.rules[dir]) {
        if (open.isEmpty || rule.action === 'pass' || !ruleAdmits(b.read, rule, other)) continue;
        const c = specsConns(rule.ports, dst).intersect(open);
        open = open.subtract(c);
        if (rule.action === 'deny') denied = denied.union(c);
        else if (!c.intersect(rest).isEmpty) record?.(b.read, rule);
      }
    }
    return allow.union(rest.subtract(denied));
  };

  /** What every pod of the cluster may do with the workload in one direction (names resolved on ingress). */
  const clusterWide = (w: Workload, dir: Direction): ExposureConns => {
    const anp = emptyCluster();
    for (const a of anps) {
      if (!a.compiled.subjects.has(w)) continue;
      for (const action of ['allow', 'deny', 'pass'] as const) addCluster(anp, action, a.read.cluster[dir][action]);
    }
    const allow = anp.allow;
    const rest = ExposureConns.all.subtract(anp.allow).subtract(anp.deny);
    let out: ExposureConns;
    const nps = selecting(w, dir);
    if (rest.isEmpty) out = allow;
    else if (nps.length > 0) out = allow.union(rest.intersect(nps.reduce((acc, n) => acc.union(n.read.cluster[dir].allow), ExposureConns.none)));
    else {
      const base = emptyCluster();
      for (const b of banps) if (b.compiled.subjects.has(w)) for (const action of ['allow', 'deny'] as const) addCluster(base, action, b.read.cluster[dir][action]);
      out = allow.union(rest.subtract(base.deny));
    }
    return dir === 'ingress' ? out.resolvedOn(w) : out;
  };

  const isProtected = (w: Workload, dir: Direction): boolean =>
    selecting(w, dir).length > 0 || admins.some((a) => a.read.hasRules[dir] && a.compiled.subjects.has(w));

  // Policies are named in keys by their compiled objects, which an analysis keeps while a policy is unchanged.
  const ids = new Map<ExposurePolicy, number>([...netpols, ...admins].map((x) => [x.read, objectNumber(x.compiled)]));
  const repLines = new Map<string, { rep: RepresentativePeer; conns: ExposureConns; rules: ExposureLine['rules'] }[]>();
  const capturedAny = [...capturing.values()].some((c) => c.size > 0);
  // What a set of policies in force gives depends on it, the representative peers and the admin policies only
  // (where no admin policy captures a peer): an earlier analysis's findings for the same set serve again.
  const memoOk = !capturedAny && !options.focus && !options.direction && !options.focusConn;
  const signature = `${representatives.map((r) => r.name).join('\u0000')}|${admins.map((x) => ids.get(x.read)).join(',')}`;
  const bySet = memoOk ? (options.previous?.signature === signature ? new Map(options.previous.bySet) : new Map<string, SetExposure>()) : undefined;
  const focus = options.focus ?? (() => true);
  const focusConn = options.focusConn ? ExposureConns.of(options.focusConn) : undefined;
  const dirs: Direction[] = options.direction ? [options.direction] : ['egress', 'ingress'];
  const lines: Record<Direction, ExposureLine[]> = { egress: [], ingress: [] };
  const unprotected: { workload: Workload; direction: Direction }[] = [];
  const exposedSet = new Set<Workload>();
  for (const w of reach.workloads) {
    if (!focus(w)) continue;
    for (const dir of dirs) {
      const setKey = bySet && `${dir}|${anps.filter((x) => x.compiled.subjects.has(w)).map((x) => ids.get(x.read)).join(',')}|${selecting(w, dir).map((x) => ids.get(x.read)).join(',')}|${banps.filter((x) => x.compiled.subjects.has(w)).map((x) => ids.get(x.read)).join(',')}|${dir === 'ingress' ? portsKey(w) : ''}`;
      const known = setKey !== undefined ? bySet!.get(setKey) : undefined;
      if (known) {
        if (known.unprotected) unprotected.push({ workload: w, direction: dir });
        for (const l of known.lines) {
          lines[dir].push({ workload: w, direction: dir, peer: l.peer, conns: l.conns, conn: l.conns.toString(), rules: l.rules, ...(l.rep ? { representative: l.rep } : {}) });
          exposedSet.add(w);
        }
        continue;
      }
      const entry: SetExposure = { unprotected: false, lines: [] };
      if (setKey !== undefined) bySet!.set(setKey, entry);
      const push = (peer: string, conns: ExposureConns, rep?: RepresentativePeer, rules: ExposureLine['rules'] = []) => {
        lines[dir].push({ workload: w, direction: dir, peer, conns, conn: conns.toString(), rules, ...(rep ? { representative: rep } : {}) });
        entry.lines.push({ peer, conns, rules, ...(rep ? { rep } : {}) });
        exposedSet.add(w);
      };
      /** The rules of the policies in force on the workload that admit every pod of the cluster. */
      const clusterRules = (): ExposureLine['rules'] => {
        const out: ExposureLine['rules'] = [];
        const admits = (p: ExposurePolicy, rule: ExposureRule) => rule.action === 'allow' && (!rule.peers || rule.peers.some((x) => x.kind === 'cluster'));
        for (const x of [...anps, ...banps]) if (x.compiled.subjects.has(w)) for (const rule of x.read.rules[dir]) if (admits(x.read, rule)) out.push({ resource: x.read.resource, direction: dir, index: rule.index });
        for (const n of selecting(w, dir)) for (const rule of n.read.rules[dir]) if (admits(n.read, rule)) out.push({ resource: n.read.resource, direction: dir, index: rule.index });
        return out;
      };
      if (!isProtected(w, dir)) {
        unprotected.push({ workload: w, direction: dir });
        entry.unprotected = true;
        push('entire-cluster', ExposureConns.all);
        continue;
      }
      let whole = clusterWide(w, dir);
      if (focusConn) {
        // On one connection: exposed to the cluster on it, or not; a representative peer only where the cluster is not.
        if (focusConn.subtract(whole).isEmpty) whole = focusConn;
        if (whole === focusConn) push('entire-cluster', focusConn, undefined, clusterRules());
      } else if (!whole.isEmpty) push('entire-cluster', whole, undefined, clusterRules());
      const me: Side = { kind: 'workload', workload: w };
      // The workload's side depends on its policies only (and, for ingress, its port names): workloads that
      // share them share it, and, where no admin policy captures a representative peer, its lines too.
      const key = `${dir}|${anps.filter((x) => x.compiled.subjects.has(w)).map((x) => ids.get(x.read)).join(',')}|${selecting(w, dir).map((x) => ids.get(x.read)).join(',')}|${banps.filter((x) => x.compiled.subjects.has(w)).map((x) => ids.get(x.read)).join(',')}|${dir === 'ingress' ? portsKey(w) : ''}`;
      let found = repLines.get(key);
      if (!found || capturedAny) {
        found = [];
        // Representative peers that no selector of these policies names are admitted alike (by rules that
        // admit every pod, if any): their side is computed once.
        const named = new Set<RepresentativePeer>();
        const policies = [...anps.filter((x) => x.compiled.subjects.has(w)), ...selecting(w, dir), ...banps.filter((x) => x.compiled.subjects.has(w))].map((x) => x.read);
        for (const p of policies) for (const rule of p.rules[dir]) for (const x of rule.peers ?? []) if (x.kind === 'pods') for (const r of namedBy(p, x)) named.add(r);
        let alike: { conns: ExposureConns; rules: ExposureLine['rules'] } | undefined;
        for (const rep of representatives) {
          const r: Side = { kind: 'rep', rep };
          let rules: ExposureLine['rules'] = [];
          const record = (p: ExposurePolicy, rule: ExposureRule) => rules.push({ resource: p.resource, direction: dir, index: rule.index });
          let mine: ExposureConns;
          if (named.has(rep)) mine = side(me, dir, r, record);
          else {
            alike ??= { conns: side(me, dir, r, record), rules };
            mine = alike.conns;
            rules = alike.rules;
          }
          const c = capturing.get(rep)!.size === 0 ? mine : mine.intersect(dir === 'egress' ? side(r, 'ingress', me) : side(r, 'egress', me));
          if (focusConn && !focusConn.subtract(c).isEmpty) continue;
          const shown = focusConn ?? c;
          if (whole.isEmpty ? shown.isEmpty : shown.equals(whole)) continue;
          found.push({ rep, conns: shown, rules: shown.isEmpty ? [] : rules });
        }
        repLines.set(key, found);
      }
      for (const l of found) push(l.rep.name, l.conns, l.rep, l.rules);
    }
  }
  // The connection list, and, for each exposed workload, its connections with external addresses.
  let connections = options.connections ? [...options.connections] : reach.connections();
  if (options.focus) {
    const is = (p: Connection['src']) => p.kind === 'workload' && focus(p.workload);
    connections = connections.filter((c) => (options.direction !== 'ingress' && is(c.src)) || (options.direction !== 'egress' && is(c.dst)));
  }
  if (options.focusConn) connections = focusOn(connections, options.focusConn);
  for (const c of connections) {
    if (c.src.kind === 'workload' && c.dst.kind === 'ip' && exposedSet.has(c.src.workload)) {
      const conns = ExposureConns.of(c.conns);
      lines.egress.push({ workload: c.src.workload, direction: 'egress', peer: c.dst.name, conns, conn: c.conns.toConnlistString(), rules: [] });
    } else if (c.dst.kind === 'workload' && c.src.kind === 'ip' && exposedSet.has(c.dst.workload)) {
      const conns = ExposureConns.of(c.conns);
      lines.ingress.push({ workload: c.dst.workload, direction: 'ingress', peer: c.src.name, conns, conn: c.conns.toConnlistString(), rules: [] });
    }
  }
  const byLine = (a: ExposureLine, b: ExposureLine) => cmp(a.workload.id, b.workload.id) || cmp(a.peer, b.peer);
  lines.egress.sort(byLine);
  lines.ingress.sort(byLine);
  unprotected.sort((a, b) => cmp(a.workload.id, b.workload.id) || cmp(a.direction, b.direction));
  const exposed = [...exposedSet].sort((a, b) => cmp(a.id, b.id));
  return { connections, exposed, egress: lines.egress, ingress: lines.ingress, unprotected, representatives, ...(options.focusConn ? { focusConn: options.focusConn } : {}), ...(bySet ? { memo: { signature, bySet } } : {}) };
}

/** How many policies exposure does not read (Calico, Cilium, GKE, Antrea, egress firewalls): it reads NetworkPolicy and the admin policies. */
export function policiesBeyondExposure(reach: Reachability): number {
  const p = reach.policies;
  return p.tiers.flatMap((t) => t.policies).filter((x) => x.family !== 'netpol').length + p.firewalls.length + p.adminPolicies.filter((x) => !isNetworkPolicyApi(x.resource)).length;
}

/** The admin policies of the network-policy API (not other families compiled into the admin tiers, as Antrea's). */
export function isNetworkPolicyApi(r: Resource): boolean {
  return r.group === 'policy.networking.k8s.io';
}

function portsKey(w: Workload): string {
  return w.ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.port}`).join(',');
}

function rawOf(s: WrittenSelector): Record<string, unknown> {
  return { matchLabels: Object.fromEntries(s.labels), matchExpressions: s.expressions };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A selector in words: `app=db`, `tier in (a, b)`, `tier notin (x)`, `tier` (exists), `!tier`. */
function selectorWords(s: WrittenSelector): string {
  const labels = [...s.labels].sort((a, b) => cmp(a[0], b[0])).map(([k, v]) => `${k}=${v}`);
  const expressions = s.expressions.map((e) => (e.operator === 'In' ? `${e.key} in (${e.values.join(', ')})` : e.operator === 'NotIn' ? `${e.key} notin (${e.values.join(', ')})` : e.operator === 'Exists' ? e.key : `!${e.key}`));
  return [...labels, ...expressions].join(', ');
}

/**
 * Who a representative peer stands for, in words: `any pod with role=db in any namespace`, `any pod in backend`,
 * `any pod with app=x in a namespace with team=ops`; without one, every pod of the cluster.
 */
export function representativeWords(rep: RepresentativePeer | undefined): string {
  if (!rep) return 'any pod in any namespace';
  const ns = rep.namespaces;
  const where =
    ns && ns.expressions.length === 0 && ns.labels.length === 1 && ns.labels[0][0] === NAME_LABEL ? ns.labels[0][1] : isEmptySelector(ns) ? 'any namespace' : `a namespace with ${selectorWords(ns!)}`;
  return `${isEmptySelector(rep.pods) ? 'any pod' : `any pod with ${selectorWords(rep.pods!)}`} in ${where}`;
}

/** How a change alters one workload's exposure to pods that may come (or to every pod of the cluster). */
export interface ExposureChange {
  workload: string;
  direction: Direction;
  /** netpol-analyzer's name of the pods (`[all namespaces]/[pod with {app=x}]`, `entire-cluster`). */
  peer: string;
  /** The same in words: `any pod with app=x in any namespace`. */
  words: string;
  /** The connections before and after (undefined: not exposed to them in that state). */
  before?: string;
  after?: string;
  /** The rules that admit them, in the state that has them (the new one when both do). */
  state: 'before' | 'after';
  refs: SourceRef[];
}

/**
 * What a change does to exposure: the exposure lines (pods that may come, and the whole cluster where a rule
 * admits it) of workloads a policy protects, compared between two states. Connections with addresses and
 * workloads no policy protects are the connectivity diff's; they are not repeated here.
 */
export function exposureChanges(before: { model: Pick<Model, 'definitions'>; reach: Reachability }, after: { model: Pick<Model, 'definitions'>; reach: Reachability }): ExposureChange[] {
  const linesOf = (s: typeof before) => {
    const x = exposureAnalysis(s.model, s.reach);
    const open = new Set(x.unprotected.map((u) => `${u.workload.id}\u0000${u.direction}`));
    const out = new Map<string, ExposureLine>();
    for (const l of [...x.egress, ...x.ingress]) {
      if (l.peer.endsWith('[External]') || open.has(`${l.workload.id}\u0000${l.direction}`)) continue;
      out.set(`${l.workload.id}\u0000${l.direction}\u0000${l.peer}`, l);
    }
    return out;
  };
  const a = linesOf(before);
  const b = linesOf(after);
  const refs = (l: ExposureLine): SourceRef[] =>
    l.rules.map((r) => {
      const path = ['spec', r.direction, r.index];
      return { uri: r.resource.uri, span: spanAt(r.resource, path), label: `${kindName(r.resource)}, spec.${r.direction}[${r.index}]` };
    });
  const out: ExposureChange[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const was = a.get(key);
    const now = b.get(key);
    if (was && now && was.conn === now.conn) continue;
    const l = (now ?? was)!;
    out.push({
      workload: l.workload.id,
      direction: l.direction,
      peer: l.peer,
      words: representativeWords(l.representative),
      ...(was ? { before: was.conn } : {}),
      ...(now ? { after: now.conn } : {}),
      state: now ? 'after' : 'before',
      refs: refs(l),
    });
  }
  return out.sort((x, y) => cmp(x.workload, y.workload) || cmp(x.direction, y.direction) || cmp(x.peer, y.peer));
}
