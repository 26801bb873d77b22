// The GitHub Action (action.yml), end to end on this machine: its steps run as the runner runs a composite
// action's bash steps, in a git repository made in the test with two commits, with the npm package packed
// from this checkout and installed offline, and the pull-request comment posted to a fake of the GitHub
// API (an HTTP server in the test). Nothing reaches the network.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/workspace';
import { npmEnv } from '../support/npm';
import { makeRepo } from '../support/git-repo';

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}

type Context = Record<string, unknown>;

/** The expressions action.yml uses: context paths, string literals, `a || b` and `a == b`. */
function evaluate(expr: string, ctx: Context): string {
  const value = (term: string): string => {
    const t = term.trim();
    if (/^'.*'$/.test(t)) return t.slice(1, -1);
    let v: unknown = ctx;
    for (const key of t.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    return v === undefined || v === null ? '' : String(v);
  };
  const or = expr.split('||').map((alt) => {
    const [a, b] = alt.split('==');
    return b === undefined ? value(a) : value(a) === value(b) ? 'true' : '';
  });
  return or.find((x) => x !== '') ?? '';
}

function substitute(text: string, ctx: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => evaluate(e, ctx));
}

interface Comment {
  id: number;
  body: string;
}

/** A fake of the GitHub REST API's issue comments, for one repository. */
async function fakeGitHub(repo: string, pr: number) {
  const comments: Comment[] = [];
  const requests: { method: string; url: string; auth?: string }[] = [];
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c));
    req.on('end', () => resolve(s));
  });
  const server = createServer(async (req, res) => {
    requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    const body = await read(req);
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    const url = new URL(req.url!, 'http://fake');
    if (req.method === 'GET' && url.pathname === `/repos/${repo}/issues/${pr}/comments`) return json(200, Number(url.searchParams.get('page') ?? 1) === 1 ? comments : []);
    if (req.method === 'POST' && url.pathname === `/repos/${repo}/issues/${pr}/comments`) {
      const c = { id: 1000 + comments.length, body: (JSON.parse(body) as { body: string }).body };
      comments.push(c);
      return json(201, c);
    }
    const m = /^\/repos\/(.+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && m && m[1] === repo) {
      const c = comments.find((x) => x.id === Number(m[2]));
      if (!c) return json(404, { message: 'Not Found' });
      c.body = (JSON.parse(body) as { body: string }).body;
      return json(200, c);
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, comments, requests, close: () => new Promise((r) => server.close(r)) };
}

/** A bash step, asynchronously (the fake API answers from this process meanwhile). */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** Runs the action's steps as the runner would; returns each step's exit code, and the upload step's inputs. */
async function runAction(action: Action, inputs: Record<string, string>, github: Context, cwd: string, env: NodeJS.ProcessEnv, tmp: string) {
  const ctx: Context = { github, inputs: {}, steps: {} };
  for (const [name, spec] of Object.entries(action.inputs)) (ctx.inputs as Record<string, string>)[name] = inputs[name] ?? substitute(spec.default ?? '', ctx);
  const codes: Record<string, number> = {};
  let upload: Record<string, string> | undefined;
  for (const step of action.runs.steps) {
    if (step.if && evaluate(step.if.replace(/^\$\{\{|\}\}$/g, ''), ctx) === '') continue;
    if (step.uses) {
      upload = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v, ctx)]));
      continue;
    }
    assert.equal(step.shell, 'bash');
    const output = path.join(tmp, `output-${step.name.replace(/\W+/g, '-')}`);
    writeFileSync(output, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, ctx)]));
    const r = await bash(step.run!, cwd, { ...env, ...stepEnv, GITHUB_OUTPUT: output });
    codes[step.name] = r.status ?? -1;
    if (r.status !== 0) console.log(`step "${step.name}" exited ${r.status}\n${r.out}`);
    if (step.id) {
      const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      (ctx.steps as Record<string, unknown>)[step.id] = { outputs };
    }
    if (r.status !== 0) break;
  }
  return { codes, upload, ctx };
}

test('action.yml: posts the report on the pull request, updates the same comment on the next run, uploads SARIF, fails on --fail-on', { timeout: 300_000 }, async (t) => {
  const action = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as Action;
  assert.equal(action.runs.using, 'composite');
  const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'egress-lens-action-')));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const env = npmEnv(tmp);

  // The npm package, packed from this checkout (what `package` names instead of the registry's).
  assert.ok(existsSync(path.join(repoRoot, 'dist/cli.js')), 'build first: npm run build');
  const packDir = path.join(tmp, 'pack');
  mkdirSync(packDir);
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: repoRoot, env, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = path.join(packDir, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);

  // The repository: the base commit restricts the web tier; the pull request opens 198.51.100.0/24 on 443.
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n';
  const web = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n';
  const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-egress, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: []\n';
  const base = await repo.commit({ 'deploy/ns.yaml': ns, 'deploy/web.yaml': web, 'deploy/policy.yaml': policy }, 'base');
  await repo.commit({ 'deploy/policy.yaml': policy.replace('egress: []', 'egress:\n  - to: [{ipBlock: {cidr: 198.51.100.0/24}}]\n    ports: [{port: 443}]') }, 'open the partner range');

  const gh = await fakeGitHub('acme/shop', 42);
  t.after(() => gh.close());
  const runner = { ...env, RUNNER_TEMP: tmp, GITHUB_ACTION_PATH: repoRoot, GITHUB_SERVER_URL: 'https://github.example.test', GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url, GITHUB_STEP_SUMMARY: path.join(tmp, 'step-summary.md') };
  const github = { token: 'secret-token', event: { pull_request: { number: 42, base: { sha: base } } } };
  const inputs = { package: tarball, paths: 'deploy' };

  const first = await runAction(action, inputs, github, repo.dir, runner, tmp);
  assert.deepEqual(Object.values(first.codes), [0, 0, 0, 0], JSON.stringify(first.codes));
  assert.equal(gh.comments.length, 1);
  const body = gh.comments[0].body;
  assert.ok(body.startsWith('<!-- egress-lens-review -->\n### Egress Lens: opens 1 path to the internet\n'), body);
  assert.match(body, /\| opened \| `shop\/web\[Deployment\]` \| `198\.51\.100\.0\/24` \| — \| TCP 443 \| allowed by rule NetworkPolicy shop\/web-egress, spec\.egress\[0\] \(\[deploy\/policy\.yaml:8\]\(https:\/\/github\.example\.test\/acme\/shop\/blob\/[0-9a-f]{40}\/deploy\/policy\.yaml#L8\)\) \|/);
  assert.ok(gh.requests.every((r) => r.auth === 'Bearer secret-token'));
  assert.equal(readFileSync(runner.GITHUB_STEP_SUMMARY, 'utf8'), body.slice(body.indexOf('\n') + 1));
  // The upload step gets the SARIF file the diff wrote: one result, the opened path.
  assert.ok(first.upload, 'the upload-sarif step runs');
  const sarif = JSON.parse(readFileSync(first.upload!.sarif_file, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
  assert.deepEqual(sarif.runs[0].results.map((r) => r.ruleId), ['opens-path-to-internet']);

  // The next push: the same comment is updated, not a second one posted.
  const second = await runAction(action, { ...inputs, 'upload-sarif': 'false' }, github, repo.dir, runner, tmp);
  assert.deepEqual(Object.values(second.codes), [0, 0, 0, 0]);
  assert.equal(second.upload, undefined);
  assert.equal(gh.comments.length, 1);
  assert.deepEqual(gh.requests.map((r) => r.method), ['GET', 'POST', 'GET', 'PATCH']);

  // fail-on opens-external: the job fails, after the comment.
  const failing = await runAction(action, { ...inputs, 'fail-on': 'opens-external' }, github, repo.dir, runner, tmp);
  assert.deepEqual(Object.values(failing.codes), [0, 0, 0, 1]);
  assert.equal(gh.comments.length, 1);
});
