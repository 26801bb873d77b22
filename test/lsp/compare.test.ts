/**
 * Change review over the wire, on a git repository made in the test: egressLens/revisions (what to compare
 * with), egressLens/review (the Markdown report, the same as the CLI's `diff --base REV --format md`), the
 * code lens of an edited policy (what its change opens and closes against HEAD), and egressLens/compare and
 * egressLens/compareExplain (the panel's graph of both states).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { LspClient } from '../support/lsp-client';
import { Comparisons } from '../../server/src/lsp/compare';
import { LineIndex, resolveConfig, Workspace, type SourceFile } from '../../server/src/engine';
import { APPS, makeRepo, NS, OPENED, POLICY, type TestRepo } from '../support/git-repo';
import { repoRoot } from '../support/workspace';
import type { CompareResult, ExplainResult, ReviewResult, RevisionsResult } from '../../server/src/lsp/protocol';

/** web reaches 198.51.100.0/24 on 443 instead of api. */
const SWAPPED = OPENED.replace('  - to: [{podSelector: {matchLabels: {app: api}}}]\n', '');

const cli = path.join(repoRoot, 'dist/cli.js');

async function serverOnRepo(t: { after: (fn: () => Promise<void>) => void }, repo: TestRepo) {
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    repo.cleanup();
  });
  const uri = (rel: string) => pathToFileURL(path.join(repo.dir, rel)).toString();
  await client.initialize(uri(''));
  // Indexed: api's egress is unrestricted (EL101 on apps.yaml).
  await client.waitForDiagnostics(uri('k8s/apps.yaml'), (p) => p.diagnostics.length > 0);
  return { client, uri };
}

async function edit(client: LspClient, uri: string, version: number, text: string): Promise<void> {
  if (version === 1) await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  else await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  await client.waitForDiagnostics(uri, (p) => p.version === version);
}

const lenses = (client: LspClient, uri: string) => client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
const changeLenses = async (client: LspClient, uri: string) => (await lenses(client, uri)).filter((l) => l.command?.title.startsWith('this change'));

test('review: the Markdown report of the workspace against a revision is the CLI diff --format md, open buffers included', async (t) => {
  const repo = await makeRepo();
  const first = await repo.commit({ 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY }, 'web reaches api');
  const second = await repo.commit({ 'k8s/policy.yaml': OPENED }, 'web reaches 198.51.100.0/24 on 443');
  const { client, uri } = await serverOnRepo(t, repo);

  const revs = await client.connection.sendRequest<RevisionsResult>('egressLens/revisions');
  assert.equal(revs.branch, 'main');
  assert.equal(revs.head, second);
  assert.deepEqual(revs.branches, [{ name: 'main', oid: second }]);
  assert.deepEqual(revs.commits.map((c) => [c.oid, c.subject]), [[second, 'web reaches 198.51.100.0/24 on 443'], [first, 'web reaches api']]);

  const review = (base?: string) => client.connection.sendRequest<ReviewResult>('egressLens/review', base === undefined ? {} : { base });
  const r = await review(first.slice(0, 8));
  assert.equal(r.base.commit, first);
  assert.equal(r.summary, 'opens 1 path to the internet');
  const fromCli = spawnSync(process.execPath, [cli, 'diff', '--base', first.slice(0, 8), '--format', 'md'], { cwd: repo.dir, encoding: 'utf8' });
  assert.equal(fromCli.status, 0, fromCli.stderr);
  assert.equal(r.markdown, fromCli.stdout);
  assert.ok(r.markdown.includes('| opened | `shop/web[Deployment]` | `198.51.100.0/24` | — | TCP 443 | allowed by rule NetworkPolicy shop/web-egress, spec.egress[1] (`k8s/policy.yaml:10`) |'), r.markdown);

  // HEAD (the default) is the working tree: nothing changed.
  assert.deepEqual([(await review()).summary, (await review()).changes], ['no change in connectivity', 0]);
  // An unsaved edit counts: the open buffer wins over the disk.
  await edit(client, uri('k8s/policy.yaml'), 1, SWAPPED);
  const unsaved = await review('HEAD');
  assert.equal(unsaved.summary, 'closes 1 path within a namespace');
  assert.ok(unsaved.markdown.startsWith('### Egress Lens: closes 1 path within a namespace\n'), unsaved.markdown);
  assert.ok(unsaved.markdown.includes('| closed | `shop/web[Deployment]` | `shop/api[Deployment]` | All Connections | — |'), unsaved.markdown);

  // An unknown revision: one clear error.
  await assert.rejects(review('no-such-branch'), /unknown revision "no-such-branch"/);
});

test('review outside a git repository: a clear error, no crash', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-nogit-'));
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(pathToFileURL(dir).toString());
  await assert.rejects(client.connection.sendRequest('egressLens/review', {}), /not a git repository/);
  await assert.rejects(client.connection.sendRequest('egressLens/revisions'), /not a git repository/);
});

test('code lens: an edited policy says what its change opens and closes against HEAD; reverted, the lens goes', async (t) => {
  const repo = await makeRepo();
  await repo.commit({ 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY }, 'web reaches api');
  const { client, uri } = await serverOnRepo(t, repo);
  const policy = uri('k8s/policy.yaml');

  await edit(client, policy, 1, POLICY);
  assert.deepEqual(await changeLenses(client, policy), [], 'as in HEAD: no lens');
  // A comment changes the file but no connection: no lens.
  await edit(client, policy, 2, `${POLICY}# more to come\n`);
  assert.deepEqual(await changeLenses(client, policy), []);

  await edit(client, policy, 3, SWAPPED);
  const [lens, ...more] = await changeLenses(client, policy);
  assert.equal(more.length, 0);
  assert.equal(lens.command!.title, 'this change opens 1 path to the internet · closes 1 path within a namespace');
  assert.equal(lens.command!.command, 'egressLens.showReachability');
  assert.deepEqual(lens.command!.arguments, [{ compare: 'HEAD' }]);
  const policyLens = (await lenses(client, policy)).find((l) => l.command?.title.startsWith('selects'));
  assert.equal(lens.range.start.line, 1, 'above the edited policy');
  assert.equal(lens.range.start.line, policyLens?.range.start.line, 'beside its other lens');

  await edit(client, policy, 4, OPENED);
  assert.deepEqual((await changeLenses(client, policy)).map((l) => l.command!.title), ['this change opens 1 path to the internet']);

  await edit(client, policy, 5, POLICY);
  assert.deepEqual(await changeLenses(client, policy), [], 'reverted: the lens goes');
  // The workload lenses are still there.
  assert.ok((await lenses(client, uri('k8s/apps.yaml'))).length > 0);
});

test('compare: the graph of both states marks added, removed and changed edges; each is explained with its rule', async (t) => {
  const repo = await makeRepo();
  await repo.commit({ 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY }, 'web reaches api');
  const { client, uri } = await serverOnRepo(t, repo);
  await edit(client, uri('k8s/policy.yaml'), 1, SWAPPED);

  const g = await client.connection.sendRequest<CompareResult>('egressLens/compare', { base: 'HEAD' });
  assert.equal(g.compare.summary, 'opens 1 path to the internet; closes 1 path within a namespace');
  const marked = g.edges
    .filter((e) => e.change)
    .map((e) => `${e.change} ${g.nodes[e.src].id} -> ${g.nodes[e.dst].id}: ${e.before === undefined ? '' : `${g.conns[e.before].text} / `}${g.conns[e.conns].text}`)
    .sort();
  assert.deepEqual(marked, [
    'added shop/web[Deployment] -> ip:198.51.100.0-198.51.100.255: TCP 443',
    'removed shop/web[Deployment] -> shop/api[Deployment]: All Connections / All Connections',
  ]);
  // Unchanged edges stay, unmarked (api's egress is unrestricted in both states).
  assert.ok(g.edges.some((e) => !e.change && g.nodes[e.src].id === 'shop/api[Deployment]'));

  const why = await client.connection.sendRequest<ExplainResult>('egressLens/compareExplain', { base: 'HEAD', src: 'shop/web[Deployment]', dst: 'ip:198.51.100.0-198.51.100.255' });
  assert.match(why.summary, /^Opened against HEAD: before nothing, after TCP 443\.$/);
  const link = why.sections[0].items[0].links[0];
  assert.equal(link.label, 'NetworkPolicy shop/web-egress, spec.egress[0]');
  assert.equal(link.location.uri, uri('k8s/policy.yaml'));
  assert.equal(link.location.range.start.line, 8);
  const gone = await client.connection.sendRequest<ExplainResult>('egressLens/compareExplain', { base: 'HEAD', src: 'shop/web[Deployment]', dst: 'shop/api[Deployment]' });
  assert.match(gone.summary, /^Closed against HEAD: before All Connections, after nothing\.$/);
  const old = gone.sections[0].items.find((i) => i.text.endsWith('(before the change)'));
  assert.ok(old, JSON.stringify(gone.sections));
  assert.equal(old.links[0].label, 'NetworkPolicy shop/web-egress, spec.egress[0] (in HEAD)');
  assert.equal(old.links[0].location.range.start.line, 8, 'its line in HEAD');

  // Fewer ports to api: the edge stays, changed, with the connections of both states.
  await edit(client, uri('k8s/policy.yaml'), 2, POLICY.replace('{app: api}}}]\n', '{app: api}}}]\n    ports: [{port: 8080}]\n'));
  const narrowed = await client.connection.sendRequest<CompareResult>('egressLens/compare', {});
  assert.deepEqual(
    narrowed.edges.filter((e) => e.change).map((e) => `${e.change} ${narrowed.nodes[e.src].id} -> ${narrowed.nodes[e.dst].id}: ${narrowed.conns[e.before!].text} / ${narrowed.conns[e.conns].text}`),
    ['changed shop/web[Deployment] -> shop/api[Deployment]: All Connections / TCP 8080'],
  );
  assert.equal(narrowed.compare.summary, 'closes 1 path within a namespace');
});

test('code lens in a workspace where it is slow: answered at once with the last one, the new one once the text rests', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  await repo.commit({ 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY }, 'web reaches api');
  const uri = (rel: string) => pathToFileURL(path.join(repo.dir, rel)).toString();
  const files = new Map<string, SourceFile>(['k8s/ns.yaml', 'k8s/apps.yaml', 'k8s/policy.yaml'].map((rel) => [uri(rel), { uri: uri(rel), text: { 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY }[rel]! }]));
  let refreshed: () => void = () => undefined;
  const config = resolveConfig({});
  // Every lens counts as slow (budget below zero): after the first, each is computed after its request.
  const c = new Comparisons(
    { roots: () => [repo.dir], files: () => [...files.values()], config: () => config, flush: () => undefined, linesOf: (u) => new LineIndex(files.get(u)?.text ?? ''), lensesChanged: () => refreshed() },
    { budget: -1, rest: 0 },
  );
  t.after(() => c.dispose());
  const policy = uri('k8s/policy.yaml');
  const set = (text: string) => files.set(policy, { uri: policy, text });

  assert.equal(await c.lens(policy), undefined, 'as in HEAD: no lens');
  assert.equal(c.basesAnalysed, 0, 'and HEAD is not analysed for it');
  set(OPENED);
  assert.equal((await c.lens(policy))?.title, 'this change opens 1 path to the internet', 'the first one is computed in the request');
  set(SWAPPED);
  const ready = new Promise<void>((resolve) => (refreshed = resolve));
  assert.equal((await c.lens(policy))?.title, 'this change opens 1 path to the internet', 'answered at once with the last lens');
  await ready;
  assert.equal((await c.lens(policy))?.title, 'this change opens 1 path to the internet · closes 1 path within a namespace', 'then the new one');
  set(POLICY);
  assert.equal(await c.lens(policy), undefined, 'as in HEAD: none, at once');
  assert.equal(c.basesAnalysed, 1, 'HEAD was analysed once for all those edits');
});

test('code lens: the workspace\'s own analysis is the state compared when no other file differs from HEAD; otherwise HEAD is analysed with the file', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const texts: Record<string, string> = { 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY };
  await repo.commit(texts, 'web reaches api');
  const uri = (rel: string) => pathToFileURL(path.join(repo.dir, rel)).toString();
  const workspace = new Workspace();
  for (const [rel, text] of Object.entries(texts)) workspace.set({ uri: uri(rel), text });
  const c = new Comparisons({
    roots: () => [repo.dir],
    files: () => workspace.uris().map((u) => workspace.get(u)!),
    config: () => workspace.configuration,
    analysis: () => workspace.analyze(),
    flush: () => undefined,
    linesOf: (u) => new LineIndex(workspace.get(u)?.text ?? ''),
  });
  t.after(() => c.dispose());
  const policy = uri('k8s/policy.yaml');
  const NARROWED = POLICY.replace('{app: api}}}]\n', '{app: api}}}]\n    ports: [{port: 8080}]\n');
  const lens = async (text: string) => {
    workspace.set({ uri: policy, text });
    return (await c.lens(policy))?.title;
  };

  assert.equal(await lens(NARROWED), 'this change closes 1 path within a namespace');
  assert.equal(c.lensesFromWorkspace, 1, 'the workspace holds HEAD with this file: its analysis served');
  assert.equal(await lens(NARROWED.replace('8080', '8081')), 'this change closes 1 path within a namespace');
  assert.equal(c.lensesFromWorkspace, 2);

  // A new address block: the outside is cut otherwise than in HEAD, HEAD is analysed with the file.
  assert.equal(await lens(OPENED), 'this change opens 1 path to the internet');
  assert.equal(c.lensesFromWorkspace, 2, 'the workspace\'s tables are not HEAD\'s');
  // The block gone again: HEAD is analysed again from the workspace (once), and its analysis serves again.
  assert.equal(await lens(NARROWED), 'this change closes 1 path within a namespace');
  assert.equal(c.lensesFromWorkspace, 3, 'the base rebuilt from the workspace shares its tables');
  assert.equal(c.basesAnalysed, 1, 'rebuilt, not read and parsed again');

  // Another file differs from HEAD too: the lens is still this file's change alone.
  workspace.set({ uri: uri('k8s/apps.yaml'), text: APPS.replace('metadata: {labels: {app: web}}', 'metadata: {labels: {app: web, extra: "1"}}') });
  assert.notEqual(workspace.get(uri('k8s/apps.yaml'))!.text, APPS, 'the edit applies');
  assert.equal(await lens(OPENED), 'this change opens 1 path to the internet');
  assert.equal(await lens(NARROWED), 'this change closes 1 path within a namespace');
  assert.equal(c.lensesFromWorkspace, 3, 'computed on HEAD with the file, not taken from the workspace');
});
