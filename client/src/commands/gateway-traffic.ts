/**
 * What happens at the egress gateway, from the palette: Add Traffic Policy for Host…, Enable Egress Gateway
 * Access Logs…, Rate-Limit Host at the Egress Gateway…. The hosts and gateways offered are those the
 * workspace routes; the result opens as a preview (Insert / Save As… / Discard), or, with `target`, goes
 * straight into the current file or a new one (for tests and other commands).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { deliverScaffold, namespaceFile, type ScaffoldPreviews } from './preview';
import { ScaffoldRequests, type GatewayResponse, type GatewayRouteInfo, type GatewayTrafficParams } from '../../../server/src/lsp/protocol';

export interface GatewayTrafficArgs {
  host?: string;
  gateway?: string;
  namespace?: string;
  perMinute?: number;
  target?: 'current' | 'new';
}

type Kind = GatewayTrafficParams['kind'];

const COMMANDS: { id: string; kind: Kind; title: string }[] = [
  { id: 'egressLens.addTrafficPolicy', kind: 'traffic-policy', title: 'Add Traffic Policy for Host' },
  { id: 'egressLens.enableGatewayAccessLogs', kind: 'gateway-access-logs', title: 'Enable Egress Gateway Access Logs' },
  { id: 'egressLens.rateLimitHost', kind: 'rate-limit', title: 'Rate-Limit Host at the Egress Gateway' },
];

async function pickHost(routes: GatewayRouteInfo[], title: string, onlyHttp: boolean): Promise<GatewayRouteInfo | undefined> {
  const offered = routes.filter((r) => !onlyHttp || r.http);
  if (offered.length === 0) {
    void vscode.window.showInformationMessage(
      onlyHttp ? 'Egress Lens: no egress gateway reads the requests of a host here (every routed host passes its TLS through the gateway), so there is nothing to rate-limit.' : 'Egress Lens: no egress gateway routes a host in this workspace. Route one first (Route Host Through Egress Gateway…).',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    offered.map((r) => ({ label: r.host, description: `through ${r.gateway}`, detail: r.http ? 'the gateway reads its requests (HTTP)' : 'the gateway passes its TLS through', route: r })),
    { title, placeHolder: 'Which host?' },
  );
  return pick?.route;
}

async function ask(kind: Kind, args: GatewayTrafficArgs | undefined, routes: GatewayRouteInfo[], title: string): Promise<{ params: GatewayTrafficParams; namespace: string; label: string } | undefined> {
  if (kind === 'gateway-access-logs') {
    const gateways = [...new Map(routes.map((r) => [r.gateway, r.namespace])).entries()];
    let gateway = args?.gateway;
    if (!gateway) {
      if (gateways.length === 0) {
        void vscode.window.showInformationMessage('Egress Lens: no egress gateway routes a host in this workspace. Route one first (Route Host Through Egress Gateway…).');
        return undefined;
      }
      gateway = gateways.length === 1 ? gateways[0][0] : (await vscode.window.showQuickPick(gateways.map(([g]) => g), { title, placeHolder: 'Which egress gateway?' }));
      if (!gateway) return undefined;
    }
    const namespace = gateways.find(([g]) => g === gateway)?.[1] ?? gateway.split('/')[0];
    return { params: { kind, gateway }, namespace, label: `access logs for ${gateway}` };
  }
  const route = args?.host ? routes.find((r) => r.host === args.host) : await pickHost(routes, title, kind === 'rate-limit');
  const host = args?.host ?? route?.host;
  if (!host) return undefined;
  const namespace = args?.namespace ?? route?.namespace ?? 'istio-system';
  if (kind === 'traffic-policy') return { params: { kind, host, namespace }, namespace, label: `traffic policy for ${host}` };
  let perMinute = args?.perMinute;
  if (perMinute === undefined) {
    const text = await vscode.window.showInputBox({ title, prompt: `Requests a minute each gateway pod lets through to ${host}`, value: '600', validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'A whole number of requests, at least 1') });
    if (text === undefined) return undefined;
    perMinute = Number(text.trim());
  }
  return { params: { kind, host, perMinute }, namespace, label: `rate limit for ${host}` };
}

export function registerGatewayTraffic(client: LanguageClient, ready: Promise<void>, previews: ScaffoldPreviews): vscode.Disposable[] {
  return COMMANDS.map(({ id, kind, title }) =>
    vscode.commands.registerCommand(id, async (args?: GatewayTrafficArgs) => {
      await ready;
      const routes = await client.sendRequest<GatewayRouteInfo[]>(ScaffoldRequests.gatewayRoutes);
      const asked = await ask(kind, args, routes, title);
      if (!asked) return;
      const editor = vscode.window.activeTextEditor;
      const r = await client.sendRequest<GatewayResponse>(ScaffoldRequests.gatewayTraffic, { ...asked.params, uri: editor?.document.uri.toString() });
      await deliverScaffold(r, args?.target, async (text) => previews.show(text, { title: asked.label, ...(await namespaceFile(client, asked.namespace)), fileName: `${kind}.yaml` }));
    }),
  );
}
