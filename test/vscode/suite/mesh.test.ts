import * as assert from 'assert';
import * as vscode from 'vscode';
import { codeOf, diagnosticsWhere } from './diagnostics';

// Istio in a real VS Code: the EL205 quick fix end to end, and Route Host Through Egress Gateway….
// The files are written into the test workspace by the test itself.

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;

const STRIPE = `# api.stripe.com leaves the mesh through the egress gateway
apiVersion: v1
kind: Namespace
metadata:
  name: checkout
  labels:
    istio-injection: enabled
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: stripe
  namespace: checkout
spec:
  hosts:
  - api.stripe.com
  ports:
  - number: 443
    name: tls
    protocol: TLS
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: checkout
spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 443
      name: tls
      protocol: TLS
    hosts:
    - api.stripe.com
    tls:
      mode: PASSTHROUGH
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-stripe-through-egress-gateway
  namespace: checkout
spec:
  hosts:
  - api.stripe.com
  gateways:
  - mesh
  - istio-egressgateway
  tls:
  - match:
    - gateways:
      - mesh
      port: 443
      sniHosts:
      - api.stripe.com
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        port:
          number: 443 # to the gateway
`;

suite('Istio egress in a real VS Code', () => {
  let uri: vscode.Uri;

  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!;
    await (await ext.activate()).ready;
    uri = vscode.Uri.joinPath(folder(), 'mesh-test', 'stripe-egress.yaml');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(STRIPE, 'utf8'));
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'mesh-test'), { recursive: true });
  });

  test('EL205 quick fix: the missing gateway leg is added and the finding goes', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ds = await diagnosticsWhere(uri, (x) => x.some((d) => codeOf(d) === 'EL205'));
    const d = ds.find((x) => codeOf(x) === 'EL205')!;
    assert.equal(editor.document.getText(d.range), 'istio-egressgateway.istio-system.svc.cluster.local');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title.startsWith('Add the gateway leg'));
    assert.ok(fix, `no gateway-leg fix among: ${actions.map((a) => a.title).join(' | ')}`);
    const before = editor.document.getText();
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    const after = editor.document.getText();
    assert.ok(after.startsWith(before.trimEnd()), 'the existing text is untouched (comments included)');
    assert.match(after.slice(before.trimEnd().length), /- match:\n    - gateways:\n      - istio-egressgateway\n      port: 443\n      sniHosts:\n      - api.stripe.com\n    route:\n    - destination:\n        host: api.stripe.com\n/);
    await diagnosticsWhere(uri, (x) => !x.some((y) => codeOf(y) === 'EL205'));
  });

  test('Route Host Through Egress Gateway… appends both legs, the gateway and the NetworkPolicy; the new host routes cleanly', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // Before: the gateway can be bypassed (no NetworkPolicy in checkout), and the stripe route lacks its gateway leg.
    await diagnosticsWhere(uri, (x) => x.some((d) => codeOf(d) === 'EL205') && x.some((d) => codeOf(d) === 'EL202'));
    const before = editor.document.getText();
    await vscode.commands.executeCommand('egressLens.routeThroughGateway', { host: 'api.github.com', port: 443, protocol: 'https', namespace: 'checkout', style: 'istio', target: 'current' });
    const after = editor.document.getText();
    assert.ok(after.startsWith(before), 'the existing text is untouched');
    const added = after.slice(before.length);
    for (const kind of ['ServiceEntry', 'Gateway', 'DestinationRule', 'VirtualService', 'NetworkPolicy']) assert.match(added, new RegExp(`\\nkind: ${kind}\\n`), kind);
    assert.match(added, /name: istio-egressgateway-2\n/, 'the taken Gateway name is not reused');
    // Re-analysed: the added NetworkPolicy ends the bypass of both hosts (EL202 goes), and nothing is wrong with
    // api.github.com (registered, both legs); only the old VirtualService's missing leg (EL205) remains.
    const ds = await diagnosticsWhere(uri, (x) => !x.some((d) => codeOf(d) === 'EL202'));
    assert.deepEqual(ds.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning).map((d) => codeOf(d)).sort(), ['EL205']);
    const pkg = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!.packageJSON;
    const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'egressLens.routeThroughGateway');
    assert.equal(`${cmd.category}: ${cmd.title}`, 'Egress Lens: Route Host Through Egress Gateway…');
  });

  test('At the gateway: Enable Egress Gateway Access Logs…, Add Traffic Policy for Host… and Rate-Limit Host… append their resource; EL212 and EL213 go', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await diagnosticsWhere(uri, (x) => x.some((d) => codeOf(d) === 'EL212') && x.some((d) => codeOf(d) === 'EL213'));
    const before = editor.document.getText();
    await vscode.commands.executeCommand('egressLens.enableGatewayAccessLogs', { target: 'current' });
    assert.match(editor.document.getText().slice(before.length), /\nkind: Telemetry\n[\s\S]*istio: egressgateway/);
    await diagnosticsWhere(uri, (x) => !x.some((d) => codeOf(d) === 'EL212') && x.some((d) => codeOf(d) === 'EL213'));
    await vscode.commands.executeCommand('egressLens.addTrafficPolicy', { host: 'api.stripe.com', namespace: 'checkout', target: 'current' });
    assert.match(editor.document.getText(), /\nkind: DestinationRule\n[\s\S]*host: api\.stripe\.com\n[\s\S]*outlierDetection:/);
    await diagnosticsWhere(uri, (x) => !x.some((d) => codeOf(d) === 'EL213'));
    // A host the gateway reads as HTTP can be rate-limited there; the EnvoyFilter names its virtual host.
    await vscode.commands.executeCommand('egressLens.routeThroughGateway', { host: 'httpbin.org', port: 80, protocol: 'http', namespace: 'checkout', style: 'istio', target: 'current' });
    const routed = editor.document.getText();
    await vscode.commands.executeCommand('egressLens.rateLimitHost', { host: 'httpbin.org', perMinute: 60, target: 'current' });
    const limit = editor.document.getText().slice(routed.length);
    assert.match(limit, /\nkind: EnvoyFilter\n[\s\S]*name: httpbin\.org:80\n[\s\S]*max_tokens: 60\n/);
    const pkg = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!.packageJSON;
    const titles = pkg.contributes.commands.map((c: { category: string; title: string }) => `${c.category}: ${c.title}`);
    for (const t of ['Egress Lens: Add Traffic Policy for Host…', 'Egress Lens: Enable Egress Gateway Access Logs…', 'Egress Lens: Rate-Limit Host at the Egress Gateway…']) assert.ok(titles.includes(t), t);
  });

  test('EL214 in the editor: TLS origination on a passthrough route is underlined at its mode', async () => {
    const tlsUri = vscode.Uri.joinPath(folder(), 'mesh-test', 'github-tls.yaml');
    const text = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: github, namespace: ci}
spec:
  hosts: [api.github.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: github, namespace: ci}
spec:
  hosts: [api.github.com]
  tls:
  - match:
    - port: 443
      sniHosts: [api.github.com]
    route:
    - destination: {host: api.github.com, port: {number: 443}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: github, namespace: ci}
spec:
  host: api.github.com
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: /etc/ssl/certs/ca-certificates.crt}
`;
    await vscode.workspace.fs.writeFile(tlsUri, Buffer.from(text, 'utf8'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(tlsUri));
    const ds = await diagnosticsWhere(tlsUri, (x) => x.some((d) => codeOf(d) === 'EL214'));
    const d = ds.find((x) => codeOf(x) === 'EL214')!;
    assert.equal(editor.document.getText(d.range), 'SIMPLE');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
  });
});
