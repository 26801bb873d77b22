import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { appendDocuments, namespaceFile, type ScaffoldPreviews } from './preview';
import { ScaffoldRequests, type AllowEgressParams, type AllowEgressResponse, type WorkloadInfo } from '../../../server/src/lsp/protocol';

/** Arguments let tests and other commands skip the pickers. */
export interface AllowEgressArgs extends Partial<AllowEgressParams> {
  target?: 'current' | 'new';
}

const MECHANISMS: { label: string; detail: string; value: AllowEgressParams['mechanism'] }[] = [
  { label: 'Kubernetes NetworkPolicy', detail: 'Any CNI that enforces NetworkPolicy. Workloads and CIDRs, not host names.', value: 'networkpolicy' },
  { label: 'CiliumNetworkPolicy (toFQDNs)', detail: 'By host name, with the DNS proxy rule that lets Cilium learn the addresses.', value: 'cilium' },
  { label: 'Calico NetworkPolicy', detail: 'projectcalico.org/v3; host names need Calico Enterprise (domains).', value: 'calico' },
  { label: 'Istio ServiceEntry', detail: 'Registers a host or address range for the namespace\'s sidecars (what REGISTRY_ONLY lets out).', value: 'istio' },
];

function parsePorts(text: string): AllowEgressParams['ports'] | string {
  const out: AllowEgressParams['ports'] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(part);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return `"${part}" is not a port: write 443 or 53/UDP, separated by commas.`;
    out.push({ port: Number(m[1]), protocol: (m[2] ?? 'TCP').toUpperCase() as 'TCP' | 'UDP' | 'SCTP' });
  }
  return out;
}

async function pickSource(workloads: WorkloadInfo[]): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    workloads.map((w) => ({ label: w.id, description: w.restricted ? 'egress restricted' : 'egress unrestricted', value: w.id })),
    { title: 'Allow Egress To… (1/4)', placeHolder: 'Which workload needs to reach something?' },
  );
  return picked?.value;
}

async function pickDestination(workloads: WorkloadInfo[], from: string): Promise<AllowEgressParams['to'] | undefined> {
  const kinds = [
    { label: '$(server) A workload', value: 'workload' as const },
    { label: '$(globe) A host name', description: 'api.example.com, *.example.com', value: 'host' as const },
    { label: '$(symbol-numeric) An address range', description: '203.0.113.0/24', value: 'cidr' as const },
  ];
  const kind = await vscode.window.showQuickPick(kinds, { title: 'Allow Egress To… (2/4)', placeHolder: 'What should it reach?' });
  if (!kind) return undefined;
  if (kind.value === 'workload') {
    const w = await vscode.window.showQuickPick(
      workloads.filter((x) => x.id !== from).map((x) => ({ label: x.id, description: x.ports.map((p) => `${p.name ?? ''} ${p.port}/${p.protocol}`.trim()).join(', '), value: x.id })),
      { title: 'Allow Egress To… (2/4)', placeHolder: 'Destination workload' },
    );
    return w ? { kind: 'workload', id: w.value } : undefined;
  }
  const value = await vscode.window.showInputBox({
    title: 'Allow Egress To… (2/4)',
    prompt: kind.value === 'host' ? 'Host name' : 'Address range (CIDR)',
    placeHolder: kind.value === 'host' ? 'api.example.com' : '203.0.113.0/24',
    validateInput: (v) =>
      kind.value === 'host'
        ? /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/i.test(v.trim()) ? undefined : 'A host name, e.g. api.example.com or *.example.com'
        : /^[0-9a-f.:]+\/\d{1,3}$/i.test(v.trim()) ? undefined : 'A CIDR, e.g. 203.0.113.0/24',
  });
  if (!value) return undefined;
  return kind.value === 'host' ? { kind: 'host', host: value.trim() } : { kind: 'cidr', cidr: value.trim() };
}

export function registerAllowEgress(client: LanguageClient, ready: Promise<void>, previews: ScaffoldPreviews): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.allowEgress', async (args?: AllowEgressArgs) => {
    await ready;
    const workloads = await client.sendRequest<WorkloadInfo[]>(ScaffoldRequests.workloads);
    if (workloads.length === 0) {
      void vscode.window.showInformationMessage('Egress Lens: no workloads in this workspace yet.');
      return;
    }
    const from = args?.from ?? (await pickSource(workloads));
    if (!from) return;
    const to = args?.to ?? (await pickDestination(workloads, from));
    if (!to) return;
    let ports = args?.ports;
    if (!ports) {
      const text = await vscode.window.showInputBox({ title: 'Allow Egress To… (3/4)', prompt: 'Ports (empty: every port)', placeHolder: '443, 53/UDP', validateInput: (v) => (typeof parsePorts(v) === 'string' ? (parsePorts(v) as string) : undefined) });
      if (text === undefined) return;
      ports = parsePorts(text) as AllowEgressParams['ports'];
    }
    const mechanism =
      args?.mechanism ??
      (
        await vscode.window.showQuickPick(
          MECHANISMS.filter((m) => !(to.kind === 'host' && m.value === 'networkpolicy') && !(to.kind === 'workload' && m.value === 'istio')).map((m) => ({ label: m.label, detail: m.detail, value: m.value })),
          { title: 'Allow Egress To… (4/4)', placeHolder: 'As which kind of policy?' },
        )
      )?.value;
    if (!mechanism) return;
    const editor = vscode.window.activeTextEditor;
    const params: AllowEgressParams = { from, to, ports, mechanism, uri: editor?.document.uri.toString() };
    const r = await client.sendRequest<AllowEgressResponse>(ScaffoldRequests.allowEgress, params);
    if (!r.ok) {
      void vscode.window.showErrorMessage(`Egress Lens: ${r.error}`);
      return;
    }
    for (const n of r.notes) void vscode.window.showWarningMessage(`Egress Lens: ${n}`);
    if (args?.target === 'current' && editor) {
      await appendDocuments(editor.document, r.text);
      return;
    }
    if (args?.target === 'new') {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'yaml', content: r.text }));
      return;
    }
    // A preview: nothing changes in the workspace until it is inserted into the source's namespace file or saved.
    const source = workloads.find((w) => w.id === from);
    const target = source ? await namespaceFile(client, source.namespace) : {};
    const name = /^\s*name:\s*(\S+)/m.exec(r.text)?.[1] ?? 'allow-egress';
    await previews.show(r.text, { title: `egress from ${from}`, ...target, fileName: `${name}.yaml` });
  });
}
