import { isMap, isSeq, type Node } from 'yaml';
import { locate } from '../../parse/locate';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { networkPolicyOf } from '../../model/model';
import { defineRule, type RawFinding } from '../rule';
import { resourceAt } from '../lookup';
import { keyAt, peerKey } from './paths';

export const el110 = defineRule({
  id: 'EL110',
  name: 'peer-or-instead-of-and',
  severity: 'info',
  docs: {
    summary: 'A `to:`/`from:` list holds a namespaceSelector-only peer followed by a podSelector-only peer: two peers (OR), where one peer with both selectors (AND) is usually meant.',
    why: 'One dash too many changes the meaning: `- namespaceSelector … - podSelector …` allows every pod of the selected namespaces OR the matching pods of the policy’s own namespace, far more than the matching pods of the selected namespaces. The Kubernetes documentation calls this out as the most common NetworkPolicy mistake.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-prometheus
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: monitoring}
    - podSelector:
        matchLabels: {app: prometheus}
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-prometheus
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: monitoring}
      podSelector:
        matchLabels: {app: prometheus}
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: merging the two peers into one narrows what the rule allows.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    for (const dir of ['egress', 'ingress'] as const) {
      for (const rule of np.rules[dir]) {
        const peers = rule.peers ?? [];
        for (let j = 0; j + 1 < peers.length; j++) {
          const a = peers[j];
          const b = peers[j + 1];
          if (a.kind !== 'selector' || b.kind !== 'selector') continue;
          if (!(a.namespaceSelector && !a.podSelector && b.podSelector && !b.namespaceSelector)) continue;
          out.push({
            uri: np.resource.uri,
            span: keyAt(np.resource, ['spec', dir, rule.index, peerKey(dir), b.index, 'podSelector']),
            message: `These are two \`${peerKey(dir)}\` peers, so they OR: every pod of the namespaces the first selects, or the pods this podSelector matches in namespace ${np.namespace}. For pods matching both, put the podSelector in the same peer (remove its dash).`,
            data: { dir, rule: rule.index, peer: b.index },
          });
        }
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const d = ctx.finding.data ?? {};
    if (!r || !isNetworkPolicy(r) || (d.dir !== 'egress' && d.dir !== 'ingress')) return [];
    const list = locate(r.doc.doc, [...r.path, 'spec', d.dir, Number(d.rule), peerKey(d.dir)]).node as Node | undefined;
    if (!list || !isSeq(list)) return [];
    const a = list.items[Number(d.peer) - 1] as Node | undefined;
    const b = list.items[Number(d.peer)] as Node | undefined;
    if (!a?.range || !b?.range || !isMap(a) || !isMap(b)) return [];
    const text = ctx.file.text;
    let edit;
    if (a.flow && b.flow) {
      // `{namespaceSelector: …}, {podSelector: …}` (or across a `- `): join the two maps.
      const close = text.lastIndexOf('}', a.range[1]);
      const open = text.indexOf('{', b.range[0]);
      edit = { uri: r.uri, start: close, end: open + 1, newText: ', ' };
    } else if (!a.flow && !b.flow) {
      // Block items: turn the second item's `- ` into indentation, so its keys join the first map.
      let dash = b.range[0] - 1;
      while (dash > 0 && text[dash] === ' ') dash--;
      if (text[dash] !== '-') return [];
      edit = { uri: r.uri, start: dash, end: dash + 1, newText: ' ' };
    } else return [];
    return [{ title: 'Merge into one peer (namespaceSelector AND podSelector)', safety: 'unsafe', edits: [edit] }];
  },
});
