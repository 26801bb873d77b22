import { spanAt } from '../../model/anchor';
import { parseCidr } from '../../sets/iprange';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { networkPolicyOf } from '../../model/model';
import { defineRule, type RawFinding } from '../rule';
import { replaceScalar } from '../../fixes/yaml-edit';
import { resourceAt } from '../lookup';
import { peerKey } from './paths';

export const el106 = defineRule({
  id: 'EL106',
  name: 'invalid-ipblock',
  severity: 'error',
  docs: {
    summary: 'An ipBlock CIDR does not parse, an `except` range lies outside its `cidr`, or mixes IPv4 with IPv6; a CIDR with host bits set is a warning.',
    why: 'The API server rejects a malformed CIDR, so the whole policy is never applied. An `except` outside the block excludes nothing, which is never what was meant. Host bits (10.0.0.1/8) are silently dropped: the rule covers 10.0.0.0/8, more than it seems to say.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: partners
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 203.0.113.0/24
        except: [198.51.100.0/24]
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: partners
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 203.0.113.0/24
        except: [203.0.113.128/25]
`,
    fix: 'safe',
    fixSafety: 'Safe: rewrites a CIDR with host bits set to the network it denotes (what Kubernetes applies anyway).',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    for (const dir of ['egress', 'ingress'] as const) {
      for (const rule of np.rules[dir]) {
        for (const p of rule.peers ?? []) {
          if (p.kind !== 'ipBlock') continue;
          const base = ['spec', dir, rule.index, peerKey(dir), p.index, 'ipBlock'];
          const at = (sub: (string | number)[]) => spanAt(np.resource, [...base, ...sub]);
          const c = parseCidr(p.cidr);
          if (!c) {
            out.push({ uri: np.resource.uri, span: at(['cidr']), message: `"${p.cidr}" is not a CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32): the API server rejects this policy.` });
            continue;
          }
          if (c.hostBitsSet) {
            out.push({
              uri: np.resource.uri,
              span: at(['cidr']),
              severity: 'warning',
              message: `${p.cidr} has host bits set: Kubernetes applies ${c.canonical}, all ${c.family === 4 ? 2 ** (32 - c.prefix) : `2^${128 - c.prefix}`} addresses of it.`,
              data: { fix: c.canonical, path: [...base, 'cidr'] },
            });
          }
          p.except.forEach((e, k) => {
            const x = parseCidr(e);
            // Located only when there is something to say (locating reads the document's nodes).
            const span = () => at(['except', k]);
            if (!x) out.push({ uri: np.resource.uri, span: span(), message: `"${e}" is not a CIDR: the API server rejects this policy.` });
            else if (x.family !== c.family) out.push({ uri: np.resource.uri, span: span(), message: `except ${e} is IPv${x.family} but cidr ${p.cidr} is IPv${c.family}: it excludes nothing.` });
            else if (!c.set.contains(x.set)) out.push({ uri: np.resource.uri, span: span(), message: `except ${e} is not inside cidr ${p.cidr}${c.set.overlaps(x.set) ? ' (it only overlaps it)' : ': it excludes nothing'}; the API server rejects an except outside the cidr.` });
            else if (x.hostBitsSet) out.push({ uri: np.resource.uri, span: span(), severity: 'warning', message: `${e} has host bits set: Kubernetes applies ${x.canonical}.`, data: { fix: x.canonical, path: [...base, 'except', k] } });
          });
        }
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const fix = ctx.finding.data?.fix;
    const path = ctx.finding.data?.path;
    if (!r || !isNetworkPolicy(r) || typeof fix !== 'string' || !Array.isArray(path)) return [];
    return [{ title: `Write the network as ${fix}`, safety: 'safe', edits: [replaceScalar(ctx.file, spanAt(r, path as (string | number)[]), fix)] }];
  },
});
