/**
 * Scaffolds refuse names Kubernetes would refuse (or that could never match) with a clear message, before
 * generating anything: the namespace (an RFC 1123 label), hosts, ports and protocols; in the engine, the
 * CLI and the language server's scaffold requests.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { allowEgress, defaultConfig, hostProblem, namespaceProblem, portProblem, routeThroughGateway, type AllowEgressOptions } from '../../server/src/engine';
import { serverOnExamples } from '../support/lsp-client';
import { repoRoot } from '../support/workspace';
import * as path from 'node:path';

const dns = defaultConfig.dns;

test('namespace names: RFC 1123 labels only, with the reason in words', () => {
  for (const ok of ['shop', 'a', 'kube-system', 'x1', 'a'.repeat(63)]) assert.equal(namespaceProblem(ok), undefined, ok);
  const bad: [unknown, RegExp][] = [
    ['Shop', /"Shop" is not a valid namespace name: it has capital letters; a namespace name is an RFC 1123 label/],
    ['shop_1', /has characters other than lowercase letters, digits and "-"/],
    ['-shop', /starts or ends with "-"/],
    ['shop.prod', /has characters other than/],
    ['a'.repeat(64), /it has 64 characters/],
    ['', /A namespace name is needed/],
    [42, /A namespace name is needed/],
  ];
  for (const [name, message] of bad) assert.match(namespaceProblem(name) ?? 'accepted', message, String(name));
});

test('hosts and ports: what could never be reached is refused', () => {
  for (const ok of ['api.example.com', '*.example.com', 'a-b.example.co.uk', 'example.com.']) assert.equal(hostProblem(ok), undefined, ok);
  for (const bad of ['example', 'a..example.com', '-a.example.com', `${'a'.repeat(64)}.example.com`, `${'a.'.repeat(130)}com`, 'exa mple.com', 'api.example.123', '']) assert.notEqual(hostProblem(bad), undefined, bad);
  assert.notEqual(hostProblem('*.example.com', false), undefined, 'a wildcard where a concrete host is needed');
  for (const bad of [0, 65536, 1.5, -1, '443', NaN]) assert.match(portProblem(bad) ?? 'accepted', /is not a port: a port is a whole number from 1 to 65535/, String(bad));
  assert.equal(portProblem(443), undefined);
});

test('allow egress: invalid namespaces, hosts, ports and protocols are refused with their reason', () => {
  const base: AllowEgressOptions = { from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, to: { kind: 'host', host: 'api.example.com' }, ports: [{ protocol: 'TCP', port: 443 }], mechanism: 'cilium', dns };
  assert.equal(allowEgress(base).ok, true);
  const refused = (o: Partial<AllowEgressOptions>) => {
    const r = allowEgress({ ...base, ...o });
    return r.ok ? 'accepted' : r.error;
  };
  assert.match(refused({ from: { ...base.from, namespace: 'Shop' } }), /"Shop" is not a valid namespace name/);
  assert.match(refused({ to: { kind: 'workload', namespace: 'pay_ments', name: 'db', labels: { app: 'db' } } }), /"pay_ments" is not a valid namespace name/);
  assert.match(refused({ to: { kind: 'host', host: `${'a'.repeat(64)}.example.com` } }), /longer than 63 characters/);
  assert.match(refused({ ports: [{ protocol: 'TCP', port: 0 }] }), /Port 0 is not a port/);
  assert.match(refused({ ports: [{ protocol: 'ICMP' as 'TCP', port: 7 }] }), /Protocol "ICMP" is not one of TCP, UDP, SCTP/);
  assert.match(refused({ to: { kind: 'cidr', cidr: 7 as unknown as string } }), /7 is not a CIDR/);
});

test('route through a gateway: the namespace, the port and the host are checked', () => {
  const base = { host: 'api.example.com', protocol: 'https' as const, namespace: 'checkout', style: 'istio' as const, dns };
  assert.equal(routeThroughGateway(base).ok, true);
  const error = (o: object) => {
    const r = routeThroughGateway({ ...base, ...o });
    return r.ok ? 'accepted' : r.error;
  };
  assert.match(error({ namespace: 'Check Out' }), /"Check Out" is not a valid namespace name/);
  assert.match(error({ port: 70000 }), /Port 70000 is not a port/);
  assert.match(error({ host: `x.${'b'.repeat(70)}.com` }), /longer than 63 characters/);
  assert.match(error({ host: '*.example.com' }), /a wildcard host needs a concrete server/);
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI scaffold: an invalid namespace or host is a usage error with the reason, and nothing is printed', () => {
  const deny = cli(['scaffold', 'default-deny', '--namespace', 'Shop']);
  assert.equal(deny.code, 2);
  assert.equal(deny.stdout, '');
  assert.match(deny.stderr, /^egress-lens: --namespace: "Shop" is not a valid namespace name: it has capital letters/);
  const gateway = cli(['scaffold', 'gateway', 'examples', '--host', 'api.example.com', '--namespace', 'check_out']);
  assert.equal(gateway.code, 2);
  assert.equal(gateway.stdout, '');
  assert.match(gateway.stderr, /"check_out" is not a valid namespace name/);
  const host = cli(['scaffold', 'allow', 'examples', '--from', 'shop/foo', '--to', `${'a'.repeat(64)}.example.com`, '--mechanism', 'cilium']);
  assert.equal(host.code, 2);
  assert.match(host.stderr, /longer than 63 characters/);
  assert.equal(cli(['scaffold', 'default-deny', '--namespace', 'shop']).code, 0);
});

test('language server scaffold requests: an invalid namespace is refused with its reason (-32602, or the request\'s own error)', async (t) => {
  const { client } = await serverOnExamples(t);
  await assert.rejects(client.connection.sendRequest('egressLens/scaffoldDefaultDeny', { namespace: 'Shop', allowDns: true }), (e: { code: number; message: string }) => {
    assert.equal(e.code, -32602);
    assert.match(e.message, /"Shop" is not a valid namespace name/);
    return true;
  });
  const ok = await client.connection.sendRequest<{ text: string }>('egressLens/scaffoldDefaultDeny', { namespace: 'shop', allowDns: true });
  assert.match(ok.text, /namespace: shop/);
  const gateway = await client.connection.sendRequest<{ ok: boolean; error?: string }>('egressLens/scaffoldGateway', { host: 'api.example.com', protocol: 'https', namespace: 'Checkout', style: 'istio' });
  assert.equal(gateway.ok, false);
  assert.match(gateway.error ?? '', /"Checkout" is not a valid namespace name/);
});
