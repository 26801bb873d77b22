/**
 * "Explain Egress of Workload…": one workload's egress as a Markdown report. Whether anything restricts
 * it, every destination with the connections allowed and the rules that allow them (each linked to its
 * YAML), and, with Istio, the path each external host takes through the mesh.
 */
import type { Analysis } from '../analyze';
import { nameSpan, spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import { egressPath } from '../mesh/paths';
import { explainPair } from '../reach/explain';
import { hostPeer, type Peer } from '../reach/rules';
import { md, type Link } from './describe';
import { egressSummary, type Destination } from './egress';
import { unrestrictedReason } from '../reach/unrestricted';

function peerOf(d: Destination): Peer {
  if (d.kind === 'workload') return { kind: 'workload', workload: d.workload };
  if (d.kind === 'host') return hostPeer(d.host);
  return { kind: 'ip', ips: d.ips, name: d.label };
}

function resourceRef(link: Link, r: Resource): string {
  return `[${md(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`)}](${link(r.uri, nameSpan(r))})`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function egressReport(a: Analysis, w: Workload, link: Link): string {
  const reach = a.reach;
  const s = egressSummary(reach, w);
  const r = w.resources[0];
  const out: string[] = [`# Egress of ${md(`${w.kind} ${w.namespace}/${w.name}`)}`, ''];
  if (r) out.push(`Defined in ${resourceRef(link, r)}.`, '');
  if (!s.restricted) {
    out.push(`**Unrestricted**: its pods can open any connection to any destination, inside the cluster and on the internet: ${md(unrestrictedReason(s.unrestricted ?? { cause: 'no-policy' }))}.`, '');
    for (const p of s.ingressOnly) out.push(`- ${resourceRef(link, p)} selects it for ingress only: its egress rules, if any, are ignored.`);
    out.push('', 'To restrict it: a default-deny egress policy for the namespace (quick fix of EL101), then one allow rule per destination (**Egress Lens: Allow Egress To…**).');
  } else {
    out.push(`**Restricted** by ${s.deciding.map((p) => resourceRef(link, p)).join(', ')}: ${s.destinations.length === 0 ? 'no destination is allowed.' : `${s.destinations.length} destination${s.destinations.length === 1 ? '' : 's'}.`}`, '');
    if (s.destinations.length > 0) {
      out.push('| Destination | Allowed | Allowed by |', '|---|---|---|');
      for (const d of s.destinations) {
        const e = explainPair(reach, { kind: 'workload', workload: w }, peerOf(d));
        const refs = e.sides.flatMap((side) => side.decisions.filter((x) => x.verdict === 'allow').flatMap((x) => x.refs));
        const unique = [...new Map(refs.map((ref) => [`${ref.uri}#${ref.span.start}`, ref])).values()];
        const by = unique.length > 0 ? unique.map((ref) => `[${md(ref.label)}](${link(ref.uri, ref.span)})`).join('<br>') : 'allowed by default (no policy selects that side)';
        out.push(`| ${cell(md(d.label))} | ${cell(d.conns.toString())} | ${cell(by)} |`);
      }
    }
  }
  // Through the mesh: where the hosts that are routed or registered actually go.
  const mesh = a.mesh;
  if (mesh.istioPresent) {
    const hosts = reach.externalHosts.filter((h): h is Peer & { kind: 'host' } => h.kind === 'host' && !h.host.includes('*'));
    if (hosts.length > 0) {
      out.push('', '## Through the mesh', '');
      for (const h of hosts) {
        const p = egressPath(mesh, reach, w, h.host);
        out.push(`- **${md(h.host)}**: ${md(p.summary)}`);
        for (const st of p.steps) out.push(`  - [${md(st.text)}](${link(st.resource.uri, spanAt(st.resource, st.path))})`);
      }
    }
  }
  return out.join('\n') + '\n';
}
