import { isSeq, type Node } from 'yaml';
import { locate } from '../../parse/locate';
import type { Workload } from '../../model/workloads';

import type { CompiledNetpol } from '../../reach/compiled';
import { ConnectionSet } from '../../sets/connections';
import { IpRangeSet } from '../../sets/iprange';
import { peerMatches, type CompiledRule, type Peer } from '../../reach/rules';
import { isNetworkPolicy, readNetworkPolicy } from '../../model/networkpolicy';
import { sameList } from '../../memo';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { compiledIn } from '../scoped';
import { resourceAt } from '../lookup';
import { ruleAnchor, ruleName, rulePath } from './paths';

const GENERIC_WORKLOAD: Workload = { id: '', kind: '', name: '', namespace: '', labels: {}, ports: [], hostNetwork: false, resources: [] };

/** The destinations whose treatment can differ for a rule and the others: those any of them names, plus stand-ins. */
function destinations(ctx: RuleContext, rules: CompiledRule[]): Peer[] {
  const out = new Map<string, Peer>();
  let ips = IpRangeSet.empty;
  let anyNamed = false;
  for (const r of rules) {
    for (const w of r.peers.workloads) out.set(w.id, { kind: 'workload', workload: w });
    ips = ips.union(r.peers.ips);
    if (r.peers.any && r.ports.hasNamedPorts) anyNamed = true;
  }
  if (anyNamed) for (const w of ctx.model.workloads) out.set(w.id, { kind: 'workload', workload: w });
  for (const part of ctx.reach.externalDestinations) if (part.kind === 'ip' && ips.overlaps(part.ips)) out.set(part.name, part);
  // IPv6 blocks are not among the listed parts: check them as wholes.
  for (const [lo, hi] of ips.v6) {
    const set = IpRangeSet.fromIntervals([], [[lo, hi]]);
    out.set(set.toString(), { kind: 'ip', ips: set, name: set.toString() });
  }
  out.set('*workload', { kind: 'workload', workload: GENERIC_WORKLOAD });
  out.set('*address', { kind: 'ip', ips: IpRangeSet.fromIntervals([], [[0n, 0n]]), name: '::' });
  return [...out.values()];
}

function allowedBy(rule: CompiledRule, peer: Peer): ConnectionSet {
  if (!peerMatches(rule.peers, peer)) return ConnectionSet.none;
  return rule.ports.resolve(peer.kind === 'workload' ? peer.workload : undefined);
}

/**
 * Whether every connection `rule` allows is allowed by the other egress rules of the policies in force.
 * A rule with selector peers also reaches pods the workspace does not hold: unless the workspace is
 * complete, only rules open to every peer can cover it for those.
 */
/**
 * How many (rule, destination) pairs the check of one namespace may compare. The comparison grows with the cube of the
 * number of rules in force; a policy with a thousand rules (a few dozen kilobytes, or a few aliases) would
 * otherwise hold the analysis for minutes. Past the budget, the remaining rules are not judged.
 */
const PAIR_BUDGET = 1_000_000;

interface Budget {
  left: number;
}

function redundant(ctx: RuleContext, rule: CompiledRule, others: CompiledRule[], selectorPeers: boolean, budget: Budget): boolean {
  // At most the pods the rules name (every pod, when one of them names ports for any peer), the address parts and two stand-ins.
  let pods = rule.peers.workloads.size;
  let anyNamed = rule.peers.any && rule.ports.hasNamedPorts;
  for (const o of others) {
    pods += o.peers.workloads.size;
    anyNamed ||= o.peers.any && o.ports.hasNamedPorts;
  }
  const cost = (others.length + 1) * (ctx.reach.externalDestinations.length + (anyNamed ? ctx.model.workloads.length : pods) + 2);
  if (cost > budget.left) return false;
  budget.left -= cost;
  if (selectorPeers && !ctx.config.assumeCompleteWorkspace) {
    const mine = rule.ports.hasNamedPorts ? ConnectionSet.all : rule.ports.numeric;
    let theirs = ConnectionSet.none;
    for (const o of others) if (o.peers.any) theirs = theirs.union(o.ports.numeric);
    if (!theirs.contains(mine)) return false;
  }
  let allowsSomething = selectorPeers && !ctx.config.assumeCompleteWorkspace;
  for (const peer of destinations(ctx, [rule, ...others])) {
    const mine = allowedBy(rule, peer);
    if (mine.isEmpty) continue;
    allowsSomething = true;
    let theirs = ConnectionSet.none;
    for (const o of others) theirs = theirs.union(allowedBy(o, peer));
    if (!theirs.contains(mine)) return false;
  }
  // A rule that allows nothing at all is dead rather than redundant (EL108 and EL112 say why).
  return allowsSomething;
}

export const el114 = defineRule({
  id: 'EL114',
  name: 'redundant-egress-rule',
  severity: 'hint',
  docs: {
    summary: 'An egress rule allows nothing that the other egress rules of the policies selecting the same workloads do not already allow.',
    why: 'Policies are additive: a rule covered by others changes nothing, but it reads as if it did, and it stays behind when the broader rule is later narrowed. Removing it keeps the policy honest.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - {port: 53, protocol: UDP}
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
    ports:
    - {port: 53, protocol: UDP}
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - {port: 53, protocol: UDP}
`,
    fix: 'depends',
    fixSafety: 'Safe only when the rule\'s own policy covers it, or the workspace is complete (`assumeCompleteWorkspace`): the fix removes a rule whose every connection another rule allows, and ends at the rule\'s own last line (comments, `...` and `---` after it stay). When other policies cover it and the workspace may be incomplete, pods not in the workspace may be selected by this policy and not by those (a namespace-wide policy selects every pod of the namespace), so the removal is unsafe. Not offered when it is the last rule of a policy that gets Egress from its rules alone.',
  },
  // Its policies' egress rules, against the other rules in force on the same pods, for the pods they name (and
  // every pod's ports, for a port name allowed to any peer).
  reads: ['compiled', 'egress', 'ports'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    const byPolicy = new Map<CompiledNetpol, Set<number>>();
    const budget: Budget = { left: PAIR_BUDGET };
    for (const c of compiledIn(ctx.reach, ns)) {
      if (!c.policy.affects.egress) continue;
      c.rules.egress.forEach((rule, i) => {
        const everywhere = othersFor(ctx, c, rule).every((others) => redundant(ctx, rule, others, hasSelectors(c, rule), budget));
        if (!everywhere) return;
        let set = byPolicy.get(c);
        if (!set) byPolicy.set(c, (set = new Set()));
        set.add(i);
      });
    }
    for (const [c, indices] of byPolicy) {
      // Two rules that duplicate each other: report the later one only.
      const all = [...indices].sort((a, b) => a - b);
      for (const i of all) {
        const rule = c.rules.egress[i];
        const earlier = all.filter((k) => k < i).map((k) => c.rules.egress[k]);
        const keepers = c.rules.egress.filter((r, k) => k !== i && !all.slice(all.indexOf(i) + 1).includes(k));
        if (earlier.length > 0 && !redundantForAll(ctx, c, rule, keepers, budget)) continue;
        const idx = rule.origin.ruleIndex;
        out.push({
          uri: c.policy.resource.uri,
          span: ruleAnchor(c.policy.resource, rulePath('egress', idx)),
          message: `The ${ruleName(c.policy, 'egress', idx)} allows nothing more than the other egress rules of the policies selecting the same pods: it can be removed.`,
          data: { rule: idx },
        });
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || !isNetworkPolicy(r)) return [];
    const np = readNetworkPolicy(r);
    const i = Number(ctx.finding.data?.rule);
    const explicitEgress = np.policyTypesGiven?.includes('Egress') ?? false;
    if (!explicitEgress && np.rules.egress.length <= 1) return [];
    const seq = locate(r.doc.doc, [...r.path, 'spec', 'egress']).node as Node | undefined;
    if (!seq || !isSeq(seq)) return [];
    const item = seq.items[i] as Node | undefined;
    if (!item?.range) return [];
    const text = ctx.file.text;
    let start: number;
    let end: number;
    if (seq.flow) {
      const next = seq.items[i + 1] as Node | undefined;
      const prev = seq.items[i - 1] as Node | undefined;
      if (next?.range) [start, end] = [item.range[0], next.range[0]];
      else if (prev?.range) [start, end] = [prev.range[1], item.range[1]];
      else [start, end] = [item.range[0], item.range[1]];
    } else {
      start = item.range[0];
      while (start > 0 && text[start - 1] !== '\n') start--;
      // Comment lines right above the rule go with it.
      for (;;) {
        let prev = start - 1;
        if (prev <= 0) break;
        while (prev > 0 && text[prev - 1] !== '\n') prev--;
        if (!/^\s*#/.test(text.slice(prev, start))) break;
        start = prev;
      }
      end = ownLastLineEnd(text, item.range[0], item.range[1]);
      if (seq.items.length === 1) return [];
    }
    // Covered by other policies: a pod the workspace does not hold may be selected by this one and not by them.
    const c = ctx.reach.policies.netpols.find((x) => x.policy.resource === r);
    const rule = c?.rules.egress.find((x) => x.origin.ruleIndex === i);
    const coveredByItsOwnPolicy = c !== undefined && rule !== undefined && redundant(ctx, rule, c.rules.egress.filter((x) => x !== rule), hasSelectors(c, rule), { left: PAIR_BUDGET });
    const safe = ctx.config.assumeCompleteWorkspace || coveredByItsOwnPolicy;
    return [{ title: `Remove the redundant ${ruleName(np, 'egress', i)}`, safety: safe ? 'safe' : 'unsafe', edits: [{ uri: r.uri, start, end, newText: '' }] }];
  },
});

/**
 * The end of a block item's own last line, its line break included: the last line between `start` and
 * `valueEnd` that holds more than a comment. What follows (comments above the next item or after the
 * rule, a `...` or `---`, the next document) is never part of it.
 */
function ownLastLineEnd(text: string, start: number, valueEnd: number): number {
  // The value ends at a line break, or just past it: its last line is the one that break ends.
  let lineStart = Math.min(valueEnd, text.length);
  if (lineStart > start && text[lineStart - 1] === '\n') lineStart--;
  while (lineStart > start && text[lineStart - 1] !== '\n') lineStart--;
  for (;;) {
    const lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    const content = lineStart <= start || (line.trim() !== '' && !/^\s*#/.test(line) && !/^(---|\.\.\.)(\s|$)/.test(line));
    if (content) return lineEnd < 0 ? text.length : lineEnd + 1;
    // An empty or comment-only line: the item ended on a line above.
    lineStart--;
    while (lineStart > start && text[lineStart - 1] !== '\n') lineStart--;
  }
}

/**
 * For each distinct set of policies in force on the policy's pods, the egress rules other than `rule`
 * (`keep` replaces the policy's own rules). A policy that selects no workload of the workspace is judged
 * on its own rules: what they cover stays covered whatever else selects its pods.
 */
function othersFor(ctx: RuleContext, c: CompiledNetpol, rule: CompiledRule, keep?: CompiledRule[]): CompiledRule[][] {
  const own = (keep ?? c.rules.egress).filter((r) => r !== rule);
  if (c.subjects.length === 0) return [own];
  // Subjects with the same policies in force (the same compiled policies, in the same order) are judged once.
  const groups: CompiledNetpol[][] = [];
  for (const w of c.subjects) {
    const applied = ctx.reach.policies.of(w, 'egress').netpol;
    if (!groups.some((g) => sameList(g, applied))) groups.push(applied);
  }
  return groups.map((applied) => applied.flatMap((x) => (x === c ? own : x.rules.egress)));
}

function redundantForAll(ctx: RuleContext, c: CompiledNetpol, rule: CompiledRule, keepers: CompiledRule[], budget: Budget): boolean {
  return othersFor(ctx, c, rule, keepers).every((others) => redundant(ctx, rule, others, hasSelectors(c, rule), budget));
}

function hasSelectors(c: CompiledNetpol, rule: CompiledRule): boolean {
  return (c.policy.rules.egress[rule.origin.ruleIndex]?.peers ?? []).some((p) => p.kind === 'selector');
}
