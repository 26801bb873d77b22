// A small workspace of three namespace files, and random edits of it: policies added, removed and changed,
// labels and ports changed, YAML broken and fixed. Shared by the tests that hold the incremental engine to
// what a from-scratch analysis gives.
import { int } from './random';
import type { SourceFile } from '../../server/src/engine';

const TIERS = ['web', 'api', 'db'];

export function deployment(ns: string, name: string, tier: string, port: number, portName: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}, tier: ${tier}}}\n    spec: {containers: [{name: c, image: i, ports: [{name: ${portName}, containerPort: ${port}}]}]}\n`;
}

export function policy(r: () => number, ns: string, name: string): string {
  const kind = int(r, 0, 4);
  const sel = int(r, 0, 1) ? '{}' : `{matchLabels: {tier: ${TIERS[int(r, 0, 2)]}}}`;
  if (kind === 0) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {podSelector: ${sel}, policyTypes: [Ingress, Egress]}\n`;
  if (kind === 1) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  egress: [{to: [{podSelector: {matchLabels: {tier: ${TIERS[int(r, 0, 2)]}}}}], ports: [{port: ${int(r, 0, 1) ? 'http' : int(r, 1, 9000)}}]}]\n`;
  if (kind === 2) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: ${int(r, 0, 1) ? 'grpc' : 53}, protocol: UDP}]}, {to: [{ipBlock: {cidr: 10.${int(r, 0, 3)}.0.0/16}}]}]\n`;
  if (kind === 3) return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  podSelector: ${sel}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: t${int(r, 0, 2)}}}}]}]\n`;
  return `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${ns}-${name}}\nspec:\n  priority: ${int(r, 0, 1000)}\n  subject: {namespaces: {matchLabels: {team: t${int(r, 0, 2)}}}}\n  egress: [{action: ${['Allow', 'Deny', 'Pass'][int(r, 0, 2)]}, to: [{namespaces: {}}], ports: [{portNumber: {port: ${int(r, 1, 100)}, protocol: TCP}}]}]\n`;
}

/** A workspace of three namespace files; each file is a list of documents we edit one at a time. */
export function initialWorkspace(r: () => number): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const ns of ['a', 'b', 'c']) {
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: t${int(r, 0, 2)}}}\n`];
    for (let i = 0; i < 3; i++) docs.push(deployment(ns, `d${i}`, TIERS[int(r, 0, 2)], 8000 + i, int(r, 0, 1) ? 'http' : 'grpc'));
    for (let i = 0; i < 2; i++) docs.push(policy(r, ns, `p${i}`));
    files.set(`file:///ws/${ns}.yaml`, docs);
  }
  return files;
}

export function randomEdit(r: () => number, files: Map<string, string[]>, step: number): void {
  const uri = [...files.keys()][int(r, 0, files.size - 1)];
  const docs = files.get(uri)!;
  const ns = uri.slice(-6, -5);
  switch (int(r, 0, 6)) {
    case 0: // add a policy
      docs.push(policy(r, ns, `p${step}`));
      break;
    case 1: {
      // remove a policy
      const i = docs.findIndex((d, k) => k > 0 && /Policy/.test(d));
      if (i > 0) docs.splice(i, 1);
      break;
    }
    case 2: {
      // change a policy in place
      const i = docs.findIndex((d) => /Policy/.test(d));
      if (i > 0) docs[i] = policy(r, ns, /name: ([\w-]+)/.exec(docs[i])![1]);
      break;
    }
    case 3: {
      // relabel a workload, or change its port
      const i = int(r, 1, 3);
      if (docs[i]?.includes('Deployment')) docs[i] = deployment(ns, `d${i - 1}`, TIERS[int(r, 0, 2)], 8000 + int(r, 0, 5), int(r, 0, 1) ? 'http' : 'grpc');
      break;
    }
    case 4: // relabel the namespace
      docs[0] = `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: t${int(r, 0, 2)}}}\n`;
      break;
    case 5: {
      // break a document's YAML
      const i = int(r, 0, docs.length - 1);
      docs[i] = docs[i].replace('}', '');
      break;
    }
    default: {
      // an edit that changes nothing the analysis sees (a comment)
      docs[0] = `# step ${step}\n${docs[0].replace(/^# step \d+\n/, '')}`;
    }
  }
}

/** The workspace's files as sources (documents joined). */
export function sourcesOf(files: Map<string, string[]>): SourceFile[] {
  return [...files].map(([uri, docs]) => ({ uri, text: docs.join('---\n') }));
}
