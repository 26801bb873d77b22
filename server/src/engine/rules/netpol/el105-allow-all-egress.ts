import { isMap, isScalar, type Node } from 'yaml';
import { locate } from '../../parse/locate';
import { addKey, replaceScalar } from '../../fixes/yaml-edit';
import { spanAt } from '../../model/anchor';
import { parseCidr } from '../../sets/iprange';
import { ipBlockSet } from '../../policy/compile-netpol';
import { PUBLIC_V4, PUBLIC_V6 } from '../../reach/rules';
import { netpolPortSpec } from '../../reach/ports';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { readNetworkPolicy } from '../../model/networkpolicy';
import { networkPolicyOf } from '../../model/model';
import { defineRule, type RawFinding } from '../rule';
import { resourceAt } from '../lookup';
import { ruleAnchor, ruleName, rulePath } from './paths';

/** A documentation range (RFC 5737): obviously a placeholder, reaching nothing real. */
export const PLACEHOLDER_CIDR = '192.0.2.0/24';

export const el105 = defineRule({
  id: 'EL105',
  name: 'allow-all-egress',
  severity: 'warning',
  docs: {
    summary: 'An egress rule allows every destination: `egress: [{}]`, a rule without `to`, or an ipBlock of `0.0.0.0/0` or `::/0` whose `except` still leaves every public address (info when the rule is limited to some ports).',
    why: 'An allow-all rule undoes the default-deny for the pods it selects: they can reach any pod and any address on the internet, which is exactly what egress control is meant to stop. Rules limited to ports (DNS to anywhere, say) are narrower but still reach any host on those ports.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
  - {}
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels: {app: db}
    ports:
    - port: 5432
`,
    fix: 'unsafe',
    fixSafety: `Unsafe: replaces the open destination with a placeholder (${PLACEHOLDER_CIDR}, a documentation range) that you then edit; until you do, the rule allows nothing real.`,
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    if (!np.affects.egress) return out;
    for (const rule of np.rules.egress) {
      // A rule whose every port entry is invalid (endPort below port, say) allows nothing: EL111 reports it.
      if (rule.ports && rule.ports.every((p) => netpolPortSpec(p.protocol, p.port, p.endPort) === undefined)) continue;
      const limited = rule.ports !== undefined;
      const where = limited ? ' on the ports it lists' : ' on every port';
      if (!rule.peers) {
        out.push({
          uri: np.resource.uri,
          span: ruleAnchor(np.resource, rulePath('egress', rule.index)),
          severity: limited ? 'info' : undefined,
          message: `The ${ruleName(np, 'egress', rule.index)} has no \`to\`: its pods can reach every pod and every address${where}.`,
          data: { rule: rule.index },
        });
        continue;
      }
      for (const p of rule.peers) {
        if (p.kind !== 'ipBlock') continue;
        const c = parseCidr(p.cidr);
        if (!c || c.prefix !== 0) continue;
        // What the block allows after `except`: the whole internet only while every public address remains.
        const remaining = ipBlockSet(p.cidr, p.except);
        if (!remaining?.contains(c.family === 4 ? PUBLIC_V4 : PUBLIC_V6)) continue;
        out.push({
          uri: np.resource.uri,
          span: spanAt(np.resource, ['spec', 'egress', rule.index, 'to', p.index, 'ipBlock', 'cidr']),
          severity: limited ? 'info' : undefined,
          message: `${p.cidr} is every ${c.family === 4 ? 'IPv4' : 'IPv6'} address${p.except.length ? ` (except ${p.except.join(', ')}, which leaves every public address)` : ''}: the ${ruleName(np, 'egress', rule.index)} reaches the whole internet${where}.`,
          data: { rule: rule.index, peer: p.index },
        });
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || !isNetworkPolicy(r)) return [];
    const i = Number(ctx.finding.data?.rule);
    const doc = r.doc.doc;
    const title = `Replace the open destination with a placeholder allow-list (${PLACEHOLDER_CIDR}, to edit)`;
    if (ctx.finding.data?.peer !== undefined) {
      const cidr = locate(doc, [...r.path, 'spec', 'egress', i, 'to', Number(ctx.finding.data.peer), 'ipBlock', 'cidr']).node as Node | undefined;
      if (!cidr?.range || !isScalar(cidr)) return [];
      return [{ title, safety: 'unsafe', edits: [replaceScalar(ctx.file, { start: cidr.range[0], end: cidr.range[1] }, PLACEHOLDER_CIDR)] }];
    }
    const np = readNetworkPolicy(r);
    if (!np.rules.egress[i] || np.rules.egress[i].peers) return [];
    const rule = locate(doc, [...r.path, ...rulePath('egress', i)]).node as Node | undefined;
    if (!rule || !isMap(rule)) return [];
    const edit = addKey(ctx.file, rule, 'to', [{ ipBlock: { cidr: PLACEHOLDER_CIDR } }]);
    return edit ? [{ title, safety: 'unsafe', edits: [edit] }] : [];
  },
});
