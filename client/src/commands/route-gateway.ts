import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { deliverScaffold, namespaceFile, type ScaffoldPreviews } from './preview';
import type { GatewayProtocol, GatewayStyle } from '../../../server/src/engine/index';
import { ScaffoldRequests, type GatewayParams, type GatewayResponse, type WorkloadInfo } from '../../../server/src/lsp/protocol';

/** Arguments let tests and other commands skip the questions; `target` skips the preview. */
export interface RouteGatewayArgs extends Partial<GatewayParams> {
  target?: 'current' | 'new';
}

const TITLE = 'Route Host Through Egress Gateway';

const PROTOCOLS: { label: string; detail: string; value: GatewayProtocol; port: number }[] = [
  { label: 'HTTPS (TLS passthrough)', detail: 'The application speaks TLS to the host; the gateway routes by SNI without decrypting.', value: 'https', port: 443 },
  { label: 'HTTP', detail: 'Plain HTTP through the gateway (the gateway sees every request).', value: 'http', port: 80 },
  { label: 'TLS origination at the gateway', detail: 'The application sends HTTP; the gateway opens TLS to the host on 443 (mTLS between sidecar and gateway).', value: 'tls-origination', port: 80 },
];

async function ask(args: RouteGatewayArgs | undefined, namespaces: string[], current: string | undefined): Promise<GatewayParams | undefined> {
  const host =
    args?.host ??
    (
      await vscode.window.showInputBox({
        title: `${TITLE} (1/5)`,
        prompt: 'Host name outside the cluster',
        placeHolder: 'api.example.com',
        validateInput: (v) => (/^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(v.trim()) ? undefined : 'A host name, e.g. api.example.com (wildcards need one concrete host each)'),
      })
    )?.trim();
  if (!host) return undefined;
  const protocol = args?.protocol ?? (await vscode.window.showQuickPick(PROTOCOLS, { title: `${TITLE} (2/5)`, placeHolder: 'How does the application talk to it?' }))?.value;
  if (!protocol) return undefined;
  const def = PROTOCOLS.find((p) => p.value === protocol)!.port;
  let port = args?.port;
  if (port === undefined) {
    const text = await vscode.window.showInputBox({ title: `${TITLE} (3/5)`, prompt: 'Port the application connects to', value: String(def), validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'A port, 1-65535') });
    if (text === undefined) return undefined;
    port = Number(text);
  }
  const namespace =
    args?.namespace ??
    (
      await vscode.window.showQuickPick(
        namespaces.map((n) => ({ label: n, description: n === current ? 'the current file' : undefined })),
        { title: `${TITLE} (4/5)`, placeHolder: 'Namespace of the workloads that call it' },
      )
    )?.label;
  if (!namespace) return undefined;
  const style =
    args?.style ??
    (
      await vscode.window.showQuickPick(
        [
          { label: 'Istio Gateway and VirtualService', detail: 'ServiceEntry, Gateway, DestinationRule and a two-leg VirtualService, for the installed istio-egressgateway', value: 'istio' as GatewayStyle },
          { label: 'Gateway API', detail: 'A Gateway of class istio (deployed in the namespace) and two routes', value: 'gateway-api' as GatewayStyle },
        ],
        { title: `${TITLE} (5/5)`, placeHolder: 'Which API?' },
      )
    )?.value;
  if (!style) return undefined;
  return { host, port, protocol, namespace, style };
}

export function registerRouteGateway(client: LanguageClient, ready: Promise<void>, previews: ScaffoldPreviews): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.routeThroughGateway', async (args?: RouteGatewayArgs) => {
    await ready;
    const workloads = await client.sendRequest<WorkloadInfo[]>(ScaffoldRequests.workloads);
    const namespaces = [...new Set(workloads.map((w) => w.namespace))].sort();
    const editor = vscode.window.activeTextEditor;
    const current = editor?.document.languageId === 'yaml' ? /^\s*namespace:\s*([a-z0-9-]+)/m.exec(editor.document.getText())?.[1] : undefined;
    if (namespaces.length === 0) namespaces.push(current ?? 'default');
    const params = await ask(args, namespaces, current);
    if (!params) return;
    const r = await client.sendRequest<GatewayResponse>(ScaffoldRequests.gateway, { ...params, uri: editor?.document.uri.toString() });
    // The preview: a new, unsaved document with its Insert / Save As… / Discard bar; nothing is written until the user says where.
    await deliverScaffold(r, args?.target, async (text) => previews.show(text, { title: `${params.host} through the egress gateway`, ...(await namespaceFile(client, params.namespace)), fileName: `egress-${params.host.split('.')[0]}.yaml` }));
  });
}
