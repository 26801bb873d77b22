/**
 * The reachability panel's explanations: for an edge, every deciding rule of both sides (NetworkPolicy,
 * admin tiers, Calico, Cilium, the mesh path); for a node, what restricts it and what names it. Each item
 * links to the YAML that decides it.
 */
import type { Analysis } from '../../analyze';
import { egressPath, gatewayLegs } from '../../mesh/paths';
import type { Workload } from '../../model/workloads';
import { explainPair, type Explanation, type SourceRef } from '../../reach/explain';
import type { Reachability } from '../../reach/reachability';
import type { Peer } from '../../reach/rules';
import { unrestrictedEgress, unrestrictedReason } from '../../reach/unrestricted';
import { parseCidr } from '../../sets/iprange';
import type { LineIndex } from '../../text/lines';
import { spanAt } from '../../model/anchor';
import { kindName, type Resource } from '../../model/resources';
import type { Direction } from '../../types';
import { observedExplanation, observedOverlay } from './observed';
import type { ReachabilityView } from './view';
import { policiesBeyondExposure, type ExposureLine } from '../../exposure/exposure';
import type { ExplainItem, ExplainLink, ExplainParams, ExplainResult, ExplainSection, ReachEdge, ReachNode } from './types';

import { location, pathText, rangeLabel, reachabilityView } from './graph';
function refLink(lines: (uri: string) => LineIndex, ref: SourceRef): ExplainLink {
  return { label: ref.label, location: location(lines, ref.uri, ref.span) };
}

function resourceLink(lines: (uri: string) => LineIndex, r: Resource, path: ReadonlyArray<string | number> = ['metadata', 'name'], label = kindName(r)): ExplainLink {
  return { label, location: location(lines, r.uri, spanAt(r, path)) };
}

/** The policies that apply to a workload in one direction, as resources, tiers in evaluation order. */
function policiesOf(reach: Reachability, w: Workload, dir: Direction): Resource[] {
  const a = reach.policies.of(w, dir);
  return [...a.admin.map((p) => p.resource), ...a.netpol.map((p) => p.policy.resource), ...a.baseline.map((p) => p.resource)];
}

/** Why a workload's egress is open: nothing restricts it, or the rules that allow everything; policies that select it for ingress only. */
function unrestrictedItems(a: Analysis, lines: (uri: string) => LineIndex, w: Workload): ExplainItem[] {
  const r = w.resources[0];
  const open = unrestrictedEgress(a.reach, w) ?? { cause: 'no-policy' as const };
  const items: ExplainItem[] = [
    {
      text:
        open.cause === 'no-policy'
          ? `No policy restricts the egress of ${w.id}: its pods can open any connection to any destination.`
          : `The pods of ${w.id} can open any connection to any destination: ${unrestrictedReason(open)}.`,
      tone: 'risk',
      links: r ? [resourceLink(lines, r, ['metadata', 'name'], `${r.kind} ${w.namespace}/${w.name}`)] : [],
    },
  ];
  if (open.cause === 'allows-all') {
    for (const o of open.rules) items.push({ text: `${kindName(o.policy)}, ${pathText(o.path)} allows every destination on every port.`, tone: 'risk', links: [resourceLink(lines, o.policy, o.path, `${kindName(o.policy)}, ${pathText(o.path)}`)] });
  }
  for (const np of a.reach.policies.of(w, 'ingress').netpol) {
    if (np.policy.affects.egress) continue;
    const res = np.policy.resource;
    const hasEgressRules = np.policy.present.egress;
    const path = np.policy.policyTypesGiven ? ['spec', 'policyTypes'] : ['spec', 'podSelector'];
    items.push({
      text: hasEgressRules
        ? `${kindName(res)} selects it and has egress rules, but its policyTypes leave out Egress, so they are ignored.`
        : `${kindName(res)} selects it for ingress only.`,
      tone: hasEgressRules ? 'risk' : 'info',
      links: [resourceLink(lines, res, path, `${kindName(res)}, ${pathText(path)}`)],
    });
  }
  return items;
}

function sectionsOf(lines: (uri: string) => LineIndex, e: Explanation): ExplainSection[] {
  const undecidable: ExplainSection[] = e.sides
    .filter((s) => (s.undecidable ?? []).length > 0)
    .map((s) => ({ heading: `Undecidable for the ${s.direction} of ${s.subject} (taken to match nothing above)`, items: s.undecidable!.map((u) => ({ text: u.text, tone: 'info' as const, links: u.refs.map((ref) => refLink(lines, ref)) })) }));
  return [...e.sides.map((s): ExplainSection => ({
    heading: `${s.direction === 'egress' ? 'Egress' : 'Ingress'} of ${s.subject}: ${s.restricted ? `allows ${s.allowed.toString()}` : 'no policy restricts it'}`,
    items: s.decisions.map((d) => ({
      text: d.text,
      tone: d.verdict === 'allow' ? (d.refs.length === 0 ? 'info' : 'allow') : 'deny',
      conns: d.conns.toString(),
      links: d.refs.map((ref) => refLink(lines, ref)),
    })),
  })), ...undecidable];
}

function labelOf(view: Pick<ReachabilityView, 'nodes' | 'index'>, id: string): string {
  const i = view.index.get(id);
  const n = i === undefined ? undefined : view.nodes[i];
  return n?.kind === 'external' ? n.label : id;
}

/** Explain an edge (every deciding rule of both sides) or a node (what restricts it, what names it). */
export function explain(a: Analysis, lines: (uri: string) => LineIndex, params: ExplainParams): ExplainResult {
  const view = reachabilityView(a, lines);
  const peer = (id: string, role: 'src' | 'dst'): Peer | undefined => {
    const w = view.workloads.get(id);
    if (w) return { kind: 'workload', workload: w };
    return (role === 'dst' ? view.asDestination : view.asSource).get(id);
  };
  if ('src' in params) {
    const line = view.exposure?.get(`${params.src}>${params.dst}`);
    if (line) return explainExposureEdge(a, lines, view, params, line);
  }
  const o = observedOverlay(a, view);
  if ('node' in params) {
    const i = o?.index.get(params.node);
    // A destination drawn only because flows reached it: what reached it, and why it would be blocked or not.
    if (o && i !== undefined && o.nodes[i].observed) {
      const sections = o.edges
        .filter((e) => e.dst === i)
        .map((e) => observedExplanation(o, o.nodes[e.src].id, params.node, (ref) => refLink(lines, ref)).section)
        .filter((x): x is ExplainSection => x !== undefined);
      return { title: o.nodes[i].label, summary: 'An observed destination: no policy names it; it is drawn because flows reached it.', sections };
    }
    return explainNode(a, lines, view, params.node);
  }
  if (!o) return explainEdge(a, lines, view, params, peer);
  // With flows loaded: what was observed on it first, then what the workspace allows.
  const seen = observedExplanation(o, params.src, params.dst, (ref) => refLink(lines, ref));
  const title = `${labelOf(o, params.src)} → ${labelOf(o, params.dst)}`;
  const edge = o.edges.find((e) => o.nodes[e.src].id === params.src && o.nodes[e.dst].id === params.dst);
  if (edge?.verdict === 'blocked' || (seen.section && (!peer(params.src, 'src') || !peer(params.dst, 'dst')))) {
    return { title, summary: `${seen.summary} No rule of the workspace allows it.`, verdict: 'blocked', conns: edge ? o.conns[edge.conns].text : undefined, sections: seen.section ? [seen.section] : [] };
  }
  const r = explainEdge(a, lines, view, params, peer);
  return { ...r, summary: `${seen.summary} ${r.summary}`, sections: [...(seen.section ? [seen.section] : []), ...r.sections] };
}

/** An edge of the workspace alone: every deciding rule of both sides. */
function explainEdge(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, params: { src: string; dst: string }, peer: (id: string, role: 'src' | 'dst') => Peer | undefined): ExplainResult {
  const reach = a.reach;
  const src = peer(params.src, 'src');
  const dst = peer(params.dst, 'dst');
  const title = `${labelOf(view, params.src)} → ${labelOf(view, params.dst)}`;
  if (!src || !dst) return { title, summary: 'This connection is no longer in the workspace.', sections: [], missing: true };
  const e = explainPair(reach, src, dst);
  const si = view.index.get(params.src)!;
  const di = view.index.get(params.dst)!;
  const edge = view.edges.find((x) => x.src === si && x.dst === di);
  const sections = sectionsOf(lines, e);
  const conns = e.allowed.toString();
  if (e.allowed.isEmpty) return { title, summary: 'No connections are allowed.', conns, sections };
  let summary = `Allowed: ${conns}.`;
  if (edge?.verdict === 'gateway') {
    // Through the mesh: every host this source sends through the gateway (or the one host it is forwarded to).
    const mesh = a.mesh;
    const dstNode = view.nodes[di];
    const srcW = src.kind === 'workload' ? src.workload : undefined;
    const items: ExplainItem[] = [];
    if (dstNode.kind === 'gateway' && srcW) {
      for (const e of view.edges.filter((x) => x.src === di)) {
        const p = egressPath(mesh, reach, srcW, view.nodes[e.dst].label);
        items.push({ text: p.summary, tone: 'allow', links: [] }, ...pathItems(lines, p.steps));
      }
      summary = `Through the egress gateway: ${conns} from ${srcW.id} to the gateway, which forwards it.`;
    } else if (dstNode.kind === 'fqdn') {
      const gw = mesh.deployments.find((d) => `gateway:${d.label}` === params.src);
      if (gw) for (const l of gatewayLegs(mesh, gw, dstNode.label)) items.push({ text: l.text, tone: 'allow', links: [resourceLink(lines, l.resource, l.path, `${kindName(l.resource)}, ${pathText(l.path)}`)] });
      summary = `The egress gateway forwards ${dstNode.label}.`;
      if (edge.applies) sections.unshift({ heading: 'At the gateway', items: appliedItems(edge.applies) });
    }
    sections.unshift({ heading: 'Mesh path', items });
  }
  if (edge?.verdict === 'unrestricted' && src.kind === 'workload') {
    summary = `Unrestricted: ${conns}, because ${src.workload.id} reaches every destination: ${unrestrictedReason(unrestrictedEgress(a.reach, src.workload) ?? { cause: 'no-policy' })}.`;
    sections.unshift({ heading: 'Why this is a risk', items: unrestrictedItems(a, lines, src.workload) });
  } else if (edge?.verdict === 'unrestricted') {
    summary = `Unrestricted: ${conns}, because no policy restricts the ingress of ${params.dst}.`;
  }
  return { title, summary, verdict: edge?.verdict, conns, sections };
}

/** What an egress gateway applies to a host's traffic, in words; what it lacks names the rule that says so. */
function appliedItems(x: NonNullable<ReachEdge['applies']>): ExplainItem[] {
  return [
    x.logged ? { text: 'Access log: on (a Telemetry resource or the mesh config logs the gateway).', tone: 'allow', links: [] } : { text: 'Access log: off: nothing records these connections (EL212).', tone: 'risk', links: [] },
    x.limits ? { text: 'Connection limits: a DestinationRule bounds the connections or ejects failing addresses.', tone: 'allow', links: [] } : { text: 'Connection limits: none (EL213).', tone: 'risk', links: [] },
    { text: x.tls === 'originated' ? 'TLS: originated by the proxy (a DestinationRule for the host).' : x.tls === 'passthrough' ? "TLS: the application's own, passed through." : 'TLS: none on this leg.', tone: 'info', links: [] },
  ];
}

/** The steps of a mesh path as explanation items, each linked to its YAML. */
function pathItems(lines: (uri: string) => LineIndex, steps: readonly { text: string; resource: Resource; path: ReadonlyArray<string | number> }[]): ExplainItem[] {
  return steps.map((st) => ({ text: st.text, tone: 'info' as const, links: [resourceLink(lines, st.resource, st.path, `${kindName(st.resource)}, ${pathText(st.path)}`)] }));
}

/** An egress gateway or a host name: what configures it, and who reaches it. */
function explainMeshNode(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, node: ReachNode, into: ReachEdge[], out: ReachEdge[]): ExplainResult {
  const mesh = a.mesh;
  const sections: ExplainSection[] = [];
  const from = into.map((e) => ({ text: view.nodes[e.src].id, tone: (e.verdict === 'unrestricted' ? 'risk' : e.verdict === 'gateway' ? 'allow' : 'allow') as ExplainItem['tone'], conns: view.conns[e.conns].text, links: [] }));
  if (node.kind === 'gateway') {
    const gw = mesh.deployments.find((d) => `gateway:${d.label}` === node.id);
    const config = gw ? [...gw.istio.map((g) => g.r), ...(gw.gwApi ? [gw.gwApi.r] : [])] : [];
    sections.push({ heading: 'Configured by', items: config.map((r) => ({ text: kindName(r), tone: 'info' as const, links: [resourceLink(lines, r)] })) });
    const hosts = out.map((e) => view.nodes[e.dst].label);
    sections.push({ heading: 'Routes onward to', items: hosts.flatMap((h) => (gw ? gatewayLegs(mesh, gw, h) : []).map((l) => ({ text: l.text, tone: 'allow' as const, links: [resourceLink(lines, l.resource, l.path, `${kindName(l.resource)}, ${pathText(l.path)}`)] }))) });
    sections.push({ heading: 'Traffic from', items: from });
    return {
      title: `egress gateway ${gw?.label ?? node.label}`,
      summary: `${gw?.assumed ? 'Installed by Istio (not in the workspace); ' : ''}routes ${hosts.length} host${hosts.length === 1 ? '' : 's'} for ${into.length} workload${into.length === 1 ? '' : 's'}.`,
      verdict: 'gateway',
      sections,
    };
  }
  const host = node.label;
  const entries = mesh.serviceEntries.filter((e) => e.hosts.some((h) => h.value.toLowerCase() === host));
  sections.push({ heading: 'Registered by', items: entries.map((e) => ({ text: kindName(e.r), tone: 'info' as const, links: [resourceLink(lines, e.r)] })) });
  sections.push({ heading: 'Reached from', items: from });
  const direct = into.filter((e) => e.verdict !== 'gateway').length;
  return { title: host, summary: `A host outside the cluster, reached from ${into.length} node${into.length === 1 ? '' : 's'}${direct > 0 ? ` (${direct} directly)` : ''}.`, sections };
}

function explainNode(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, id: string): ExplainResult {
  const reach = a.reach;
  const i = view.index.get(id);
  if (i === undefined) return { title: id, summary: 'This is no longer in the workspace.', sections: [], missing: true };
  const node = view.nodes[i];
  // Connections with what exists; exposure (pods that may come) has a section of its own.
  const out = view.edges.filter((e) => e.src === i && e.verdict !== 'exposure');
  const into = view.edges.filter((e) => e.dst === i && e.verdict !== 'exposure');
  if (node.kind === 'gateway' || node.kind === 'fqdn') return explainMeshNode(a, lines, view, node, into, out);
  if (node.kind === 'exposure') return explainExposureNode(a, lines, view, node, i);
  const w = view.workloads.get(id);
  if (w) {
    const r = w.resources[0];
    const sections: ExplainSection[] = [];
    if (r) sections.push({ heading: 'Defined in', items: [{ text: `${r.kind} ${w.namespace}/${w.name}`, tone: 'info', links: [resourceLink(lines, r)] }] });
    for (const dir of ['egress', 'ingress'] as const) {
      const policies = policiesOf(reach, w, dir);
      const open = dir === 'egress' ? !node.egressRestricted : policies.length === 0;
      const items: ExplainItem[] =
        dir === 'egress' && open
          ? unrestrictedItems(a, lines, w)
          : policies.length > 0
            ? policies.map((p) => ({ text: `${kindName(p)} selects it for ${dir}.`, tone: 'allow' as const, links: [resourceLink(lines, p)] }))
            : [{ text: `No policy restricts the ingress of ${w.id}.`, tone: 'info', links: [] }];
      sections.push({ heading: `${dir === 'egress' ? 'Egress' : 'Ingress'}: ${open ? 'unrestricted' : 'restricted'}`, items });
    }
    const external = out.filter((e) => view.nodes[e.dst].kind !== 'workload').length;
    sections.push({
      heading: 'Reaches',
      items: out.map((e) => ({ text: `${view.nodes[e.dst].kind === 'workload' ? view.nodes[e.dst].id : view.nodes[e.dst].label}`, tone: e.verdict === 'unrestricted' ? 'risk' : 'allow', conns: view.conns[e.conns].text, links: [] })),
    });
    const exposed = view.edges.filter((e) => (e.src === i || e.dst === i) && e.verdict === 'exposure');
    if (exposed.length > 0) {
      sections.push({
        heading: 'Exposed to pods that may come',
        items: exposed.map((e) => ({ text: `${e.src === i ? 'to' : 'from'} ${view.nodes[e.src === i ? e.dst : e.src].label}`, tone: 'info' as const, conns: view.conns[e.conns].text, links: [] })),
      });
    }
    const labels = Object.entries(w.labels);
    if (labels.length > 0) sections.push({ heading: 'Pod labels', items: labels.map(([k, v]) => ({ text: `${k}=${v}`, tone: 'info', links: [] })) });
    const egress = node.egressRestricted ? `egress restricted by ${policiesOf(reach, w, 'egress').length} ${policiesOf(reach, w, 'egress').length === 1 ? 'policy' : 'policies'}` : `egress unrestricted: ${unrestrictedReason(unrestrictedEgress(reach, w) ?? { cause: 'no-policy' })}`;
    return {
      title: w.id,
      summary: `${egress}; reaches ${out.length} destination${out.length === 1 ? '' : 's'} (${external} outside the cluster), reached from ${into.length}.`,
      verdict: node.egressRestricted ? 'allowed' : 'unrestricted',
      sections,
    };
  }
  // An external node: its ranges, and the rules that name them.
  const sections: ExplainSection[] = [{ heading: 'Addresses', items: (node.ranges ?? []).map((r) => ({ text: rangeLabel(r), tone: 'info' as const, links: [] })) }];
  const parts = [view.asDestination.get(id), view.asSource.get(id)].filter((p): p is Peer & { kind: 'ip' } => p?.kind === 'ip');
  const namedBy: ExplainItem[] = [];
  // No rule names the internet (it is what they leave out); the blocks they name have their own nodes.
  for (const np of node.kind === 'internet' ? [] : a.model.networkPolicies) {
    for (const dir of ['egress', 'ingress'] as const) {
      for (const rule of np.rules[dir]) {
        for (const p of rule.peers ?? []) {
          if (p.kind !== 'ipBlock') continue;
          const c = parseCidr(p.cidr);
          if (!c || !parts.some((part) => part.ips.overlaps(c.set))) continue;
          const path = ['spec', dir, rule.index, dir === 'egress' ? 'to' : 'from', p.index, 'ipBlock', 'cidr'];
          namedBy.push({ text: `${kindName(np.resource)}, spec.${dir}[${rule.index}]: ipBlock ${p.cidr}${p.except.length > 0 ? ` except ${p.except.join(', ')}` : ''}`, tone: 'info', links: [resourceLink(lines, np.resource, path, `${kindName(np.resource)}, ${pathText(path)}`)] });
        }
      }
    }
  }
  if (namedBy.length > 0) sections.push({ heading: 'Named by', items: namedBy });
  const unrestricted = into.filter((e) => e.verdict === 'unrestricted').length;
  sections.push({
    heading: 'Reached from',
    items: into.map((e) => ({ text: view.nodes[e.src].id, tone: e.verdict === 'unrestricted' ? 'risk' : 'allow', conns: view.conns[e.conns].text, links: [] })),
  });
  return {
    title: node.kind === 'internet' ? 'internet' : node.label,
    summary:
      node.kind === 'internet'
        ? `Every address no policy names. Reached from ${into.length} workload${into.length === 1 ? '' : 's'}, ${unrestricted} of them without any egress restriction.`
        : `Addresses outside the cluster named by ${namedBy.length} rule${namedBy.length === 1 ? '' : 's'}. Reached from ${into.length} workload${into.length === 1 ? '' : 's'}.`,
    sections,
  };
}


/** The rules of an exposure line, each linked. */
function exposureRuleItems(lines: (uri: string) => LineIndex, line: ExposureLine): ExplainItem[] {
  return line.rules.map((r) => {
    const path = ['spec', r.direction, r.index];
    return { text: `${kindName(r.resource)}, ${pathText(path)}`, tone: 'allow' as const, links: [resourceLink(lines, r.resource, path, `${kindName(r.resource)}, ${pathText(path)}`)] };
  });
}

/** Who the pods of an exposure node are, in words, and why they are not workloads of the workspace. */
function exposureWho(node: ReachNode): string {
  return node.selector === 'entire-cluster'
    ? 'Every pod of the cluster, in any namespace, including namespaces and pods that do not exist yet.'
    : `Pods that no manifest of the workspace holds yet, but that a policy admits by label: ${node.label} (${node.selector}). A pod created with these labels gets these connections without any policy change.`;
}

/** What exposure leaves out: the policy families it does not read (as netpol-analyzer, it reads NetworkPolicy and the admin policies). */
function exposureScope(a: Analysis): ExplainItem[] {
  const others = policiesBeyondExposure(a.reach);
  return others === 0 ? [] : [{ text: `Exposure reads NetworkPolicy and the admin network policies; ${others} other polic${others === 1 ? 'y' : 'ies'} (Calico, Cilium, GKE, Antrea, egress firewalls) also apply and are not part of it.`, tone: 'info', links: [] }];
}

function explainExposureEdge(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, params: { src: string; dst: string }, line: ExposureLine): ExplainResult {
  const egress = line.direction === 'egress';
  const node = view.nodes[view.index.get(egress ? params.dst : params.src)!];
  const conns = line.conns.toString();
  return {
    title: `${egress ? line.workload.id : node.label} → ${egress ? node.label : line.workload.id}`,
    summary: `${line.workload.id} is exposed ${egress ? 'to' : 'from'} ${node.label}: ${conns}.`,
    verdict: 'exposure',
    conns,
    sections: [
      { heading: 'Who', items: [{ text: exposureWho(node), tone: 'info', links: [] }, ...exposureScope(a)] },
      { heading: `Admitted by (${egress ? 'egress' : 'ingress'} of ${line.workload.id})`, items: exposureRuleItems(lines, line) },
    ],
  };
}

function explainExposureNode(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, node: ReachNode, i: number): ExplainResult {
  const items: ExplainItem[] = [];
  for (const e of view.edges) {
    if (e.src !== i && e.dst !== i) continue;
    const other = view.nodes[e.src === i ? e.dst : e.src];
    const line = view.exposure?.get(`${view.nodes[e.src].id}>${view.nodes[e.dst].id}`);
    items.push({ text: `${other.id} ${e.src === i ? 'accepts connections from them' : 'may connect to them'}`, tone: 'allow', conns: view.conns[e.conns].text, links: line ? exposureRuleItems(lines, line).flatMap((x) => x.links) : [] });
  }
  return {
    title: node.label,
    summary: `${items.length} workload${items.length === 1 ? ' is' : 's are'} exposed to ${node.label}.`,
    verdict: 'exposure',
    sections: [
      { heading: 'Who', items: [{ text: exposureWho(node), tone: 'info', links: [] }, ...exposureScope(a)] },
      { heading: 'Exposed workloads', items },
    ],
  };
}
