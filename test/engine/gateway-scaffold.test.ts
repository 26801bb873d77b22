// "Route Host Through Egress Gateway…": the scaffold matches what Istio's egress tasks write for the same
// case, resource by resource, and its output, re-analysed, routes the host through the gateway and only
// through it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyze, defaultConfig, egressPath, renderYaml, routeThroughGateway, type GatewayProtocol, type GatewayStyle } from '../../server/src/engine';
import { curlDeployment, istioDir } from '../corpus/istio-sets';

const CASES: { protocol: GatewayProtocol; style: GatewayStyle; files: string[] }[] = [
  { protocol: 'http', style: 'istio', files: ['egress-gateway/02-common-serviceentry.yaml', 'egress-gateway/03-istio-api-gateway.yaml', 'egress-gateway/05-istio-api-virtualservice.yaml'] },
  { protocol: 'http', style: 'gateway-api', files: ['egress-gateway/02-common-serviceentry.yaml', 'egress-gateway/04-gateway-api-gateway.yaml', 'egress-gateway/06-gateway-api-httproute.yaml'] },
  { protocol: 'https', style: 'istio', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/08-istio-api-gateway.yaml'] },
  { protocol: 'https', style: 'gateway-api', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/09-gateway-api-gateway.yaml'] },
  { protocol: 'tls-origination', style: 'istio', files: ['egress-gateway-tls-origination/01-common-serviceentry.yaml', 'egress-gateway-tls-origination/02-istio-api-gateway.yaml', 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml', 'egress-gateway-tls-origination/06-common-destinationrule.yaml'] },
  { protocol: 'tls-origination', style: 'gateway-api', files: ['egress-gateway-tls-origination/01-common-serviceentry.yaml', 'egress-gateway-tls-origination/03-gateway-api-gateway.yaml', 'egress-gateway-tls-origination/05-gateway-api-httproute.yaml', 'egress-gateway-tls-origination/06-common-destinationrule.yaml'] },
];

type Obj = Record<string, unknown>;

function docsResources(files: string[]): Obj[] {
  return files.flatMap((f) => parseAllDocuments(readFileSync(path.join(istioDir, f), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o && typeof o.kind === 'string'));
}

/** The meaningful fields: `weight: 100` on a lone destination is Istio's default, and spelled or not. */
function meaningful(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(meaningful);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      if (k === 'weight' && x === 100) continue;
      out[k] = meaningful(x);
    }
    return out;
  }
  return v;
}

const name = (o: Obj) => (o.metadata as { name: string }).name;

for (const c of CASES) {
  test(`gateway scaffold, ${c.protocol} / ${c.style}: matches the Istio egress task, resource by resource`, () => {
    const r = routeThroughGateway({ host: 'edition.cnn.com', protocol: c.protocol, style: c.style, namespace: 'default', dns: defaultConfig.dns });
    assert.ok(r.ok, !r.ok ? r.error : '');
    const docs = docsResources(c.files);
    assert.ok(docs.length >= 3, `the task has its resources (${docs.length})`);
    for (const d of docs) {
      const ours: Obj | undefined = r.resources.find((o) => o.kind === d.kind && name(o) === name(d));
      assert.ok(ours, `${d.kind} ${name(d)} is scaffolded (we have: ${r.resources.map((o) => `${o.kind} ${name(o)}`).join(', ')})`);
      assert.equal(String(ours.apiVersion).split('/')[0], String(d.apiVersion).split('/')[0], `${d.kind} ${name(d)}: API group`);
      assert.deepEqual(meaningful(ours.spec), meaningful(d.spec), `${d.kind} ${name(d)}: spec`);
      const ann = (d.metadata as { annotations?: Obj }).annotations;
      if (ann) assert.deepEqual((ours.metadata as { annotations?: Obj }).annotations, ann, `${d.kind} ${name(d)}: annotations`);
    }
    // Beyond the task's resources, only the NetworkPolicy that the page adds to prevent bypass.
    const extra = r.resources.filter((o) => !docs.some((d) => d.kind === o.kind && name(d) === name(o)));
    assert.deepEqual(extra.map((o) => o.kind), ['NetworkPolicy']);
  });

  test(`gateway scaffold, ${c.protocol} / ${c.style}: re-analysed, the host goes through the gateway and only through it`, () => {
    const r = routeThroughGateway({ host: 'api.example.com', protocol: c.protocol, style: c.style, namespace: 'shop', dns: defaultConfig.dns });
    assert.ok(r.ok);
    const text = r.resources.map((o) => renderYaml(o, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n');
    const env = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\n${curlDeployment('shop')}`;
    const a = analyze([
      { uri: 'file:///ws/gateway.yaml', text },
      { uri: 'file:///ws/app.yaml', text: env },
    ]);
    const bad = a.findings.filter((f) => f.uri === 'file:///ws/gateway.yaml' && (f.severity === 'error' || f.severity === 'warning'));
    assert.deepEqual(bad.map((f) => `${f.ruleId}: ${f.message}`), []);
    const w = a.model.workloads.find((x) => x.id === 'shop/curl[Deployment]')!;
    const port = c.protocol === 'https' ? 443 : 80;
    const p = egressPath(a.mesh, a.reach, w, 'api.example.com', port);
    assert.equal(p.outcome, 'via-gateway', p.summary);
    assert.match(p.summary, /only through it/);
  });
}

test('gateway scaffold: a wildcard host is refused with the reason, names already taken are not reused', () => {
  const r = routeThroughGateway({ host: '*.wikipedia.org', protocol: 'https', style: 'istio', namespace: 'default', dns: defaultConfig.dns });
  assert.ok(!r.ok && /wildcard/.test(r.error));
  const again = routeThroughGateway({ host: 'edition.cnn.com', protocol: 'https', style: 'istio', namespace: 'default', dns: defaultConfig.dns, taken: new Set(['cnn', 'istio-egressgateway']) });
  assert.ok(again.ok);
  const gw = again.resources.find((o) => o.kind === 'Gateway')!;
  assert.equal(name(gw), 'istio-egressgateway-2');
  const vs = again.resources.find((o) => o.kind === 'VirtualService')!;
  assert.deepEqual((vs.spec as { gateways: string[] }).gateways, ['mesh', 'istio-egressgateway-2']);
  assert.equal(name(again.resources[0]), 'cnn-2');
});
