// egress-lens diff, end to end through the bundled CLI: two folders in netpol-analyzer's formats, and two
// revisions of a git repository made in the test (Markdown, JSON, SARIF, --fail-on, and the errors).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';
import { corpusDir } from '../conformance/corpus';
import { APPS, makeRepo, NS, OPENED, POLICY, type TestRepo } from '../support/git-repo';

const cli = path.join(repoRoot, 'dist/cli.js');

function run(args: string[], cwd = repoRoot) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const npa = path.join(corpusDir, 'netpol-analyzer');

for (const format of ['txt', 'csv', 'md']) {
  test(`diff --dir1 --dir2 --format ${format}: netpol-analyzer's command-line output byte for byte`, () => {
    const r = run(['diff', '--dir1', path.join(npa, 'tests/onlineboutique_workloads'), '--dir2', path.join(npa, 'tests/onlineboutique_workloads_changed_workloads'), '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(path.join(npa, `test_outputs/cli/diff_between_onlineboutique_workloads_changed_workloads_and_onlineboutique_workloads.${format}`), 'utf8'));
  });
}

test('diff --dir1 --dir2 --format json: the changes with the rules behind them, each in its own folder', () => {
  const r = run(['diff', '--dir1', path.join(npa, 'tests/netpol-analysis-example-minimal'), '--dir2', path.join(npa, 'tests/netpol-diff-example-minimal'), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const rows = out.changes.map((c: { type: string; source: string; destination: string; before: string; after: string }) => `${c.type} ${c.source} -> ${c.destination}: ${c.before} / ${c.after}`);
  assert.ok(rows.includes('changed default/frontend[Deployment] -> default/backend[Deployment]: TCP 9090 / TCP 9090,UDP 53'), rows.join('\n'));
  const files = out.changes.flatMap((c: { why: { state: string; locations: { file: string }[] }[] }) => c.why.flatMap((w) => w.locations.map((l) => `${w.state} ${l.file.split('/').slice(-2, -1)[0]}`)));
  assert.ok(files.length > 0 && files.every((f: string) => f === 'after netpol-diff-example-minimal' || f === 'before netpol-analysis-example-minimal'), files.join('\n'));
});

test('diff of a folder with itself: nothing printed, exit 0', () => {
  const dir = path.join(npa, 'tests/onlineboutique_workloads');
  const r = run(['diff', '--dir1', dir, '--dir2', dir]);
  assert.deepEqual([r.code, r.stdout], [0, '']);
});

/** A repository with two commits: the policy, then the policy with an ipBlock rule (198.51.100.0/24 on 443). */
async function twoCommits(): Promise<{ repo: TestRepo; first: string; second: string }> {
  const repo = await makeRepo();
  const first = await repo.commit({ 'k8s/ns.yaml': NS, 'k8s/apps.yaml': APPS, 'k8s/policy.yaml': POLICY, 'README.md': 'not a manifest\n' }, 'first');
  const second = await repo.commit({ 'k8s/policy.yaml': OPENED }, 'open 198.51.100.0/24');
  return { repo, first, second };
}

test('diff --base REV (head: the working tree): the pull-request comment, exit 0', async (t) => {
  const { repo, first } = await twoCommits();
  t.after(() => repo.cleanup());
  const r = run(['diff', '--base', first.slice(0, 10), '--link-template', 'https://example.test/o/r/blob/{rev}/{path}#L{line}'], repo.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '### Egress Lens: opens 1 path to the internet');
  assert.ok(lines.includes('#### Internet and host names'));
  assert.ok(
    lines.includes('| opened | `shop/web[Deployment]` | `198.51.100.0/24` | — | TCP 443 | allowed by rule NetworkPolicy shop/web-egress, spec.egress[1] ([k8s/policy.yaml:10](https://example.test/o/r/blob/HEAD/k8s/policy.yaml#L10)) |'),
    r.stdout,
  );
});

test('diff --base HEAD~1 --head HEAD: the same between two commits; HEAD against HEAD is empty', async (t) => {
  const { repo, second } = await twoCommits();
  t.after(() => repo.cleanup());
  const r = run(['diff', '--base', 'HEAD~1', '--head', 'main', '--format', 'json'], repo.dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.head.commit, second);
  assert.equal(out.summary.text, 'opens 1 path to the internet');
  assert.deepEqual(
    out.changes.map((c: { type: string; source: string; destination: string; after: string }) => [c.type, c.source, c.destination, c.after]),
    [['added', 'shop/web[Deployment]', '198.51.100.0-198.51.100.255[External]', 'TCP 443']],
  );
  assert.deepEqual(out.changes[0].why[0].locations[0], { file: 'k8s/policy.yaml', line: 10, column: 5, label: 'NetworkPolicy shop/web-egress, spec.egress[1]', state: 'after' });
  const same = run(['diff', '--base', 'HEAD', '--head', 'HEAD', '--format', 'json'], repo.dir);
  assert.deepEqual(JSON.parse(same.stdout).changes, []);
  assert.equal(run(['diff', '--base', 'HEAD', '--head', 'HEAD'], repo.dir).stdout.split('\n')[0], '### Egress Lens: no change in connectivity');
});

test('diff --format sarif: the opened path at the rule that opens it, with a fingerprint that survives moved lines', async (t) => {
  const { repo, first } = await twoCommits();
  t.after(() => repo.cleanup());
  const sarif = (base: string) => JSON.parse(run(['diff', '--base', base, '--format', 'sarif'], repo.dir).stdout);
  const a = sarif(first);
  assert.equal(a.version, '2.1.0');
  const [result] = a.runs[0].results;
  assert.equal(a.runs[0].results.length, 1);
  assert.equal(result.ruleId, 'opens-path-to-internet');
  assert.deepEqual(result.locations[0].physicalLocation, { artifactLocation: { uri: 'k8s/policy.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 10, startColumn: 5, endLine: 13, endColumn: 1 } });
  // Three lines of comments above the policy: the rule moves, the path is the same.
  repo.write({ 'k8s/policy.yaml': `# owner: shop team\n# reviewed: yes\n# ticket: NET-1\n${OPENED}` });
  const [moved] = sarif(first).runs[0].results;
  assert.equal(moved.locations[0].physicalLocation.region.startLine, 13);
  assert.deepEqual(moved.partialFingerprints, result.partialFingerprints);
});

test('--fail-on: opens-external and opens-any fail on an opened path to the internet, none does not', async (t) => {
  const { repo, first } = await twoCommits();
  t.after(() => repo.cleanup());
  assert.equal(run(['diff', '--base', first, '--fail-on', 'opens-external'], repo.dir).code, 1);
  assert.equal(run(['diff', '--base', first, '--fail-on', 'opens-any'], repo.dir).code, 1);
  assert.equal(run(['diff', '--base', first, '--fail-on', 'none'], repo.dir).code, 0);
  // Closing it (the other way round) opens nothing.
  assert.equal(run(['diff', '--base', 'HEAD', '--head', first, '--fail-on', 'opens-any'], repo.dir).code, 0);
});

test('a file that does not parse in the new state is reported as check reports it, and the diff still runs', async (t) => {
  const { repo, first } = await twoCommits();
  t.after(() => repo.cleanup());
  repo.write({ 'k8s/broken.yaml': 'kind: [unclosed\n', 'k8s/blob.yaml': '\u0000\u0001\u0002binary' });
  const r = run(['diff', '--base', first, '--format', 'json'], repo.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^k8s\/broken\.yaml:\d+:\d+: error: .* \[EL001 yaml-syntax\] \(in the working tree\)$/m);
  assert.match(r.stderr, /^k8s\/blob\.yaml:1:1: \w+: .* \[EL004 file-not-analysed\] \(in the working tree\)$/m);
  const out = JSON.parse(r.stdout);
  assert.equal(out.summary.text, 'opens 1 path to the internet');
  assert.deepEqual(out.problems.map((p: { ruleId: string; file: string }) => `${p.ruleId} ${p.file}`).sort(), ['EL001 k8s/broken.yaml', 'EL004 k8s/blob.yaml']);
});

test('not a git repository, an unknown revision, a shallow clone without the base: one message, exit 2', async (t) => {
  const { repo, first } = await twoCommits();
  t.after(() => repo.cleanup());
  const notRepo = run(['diff', '--base', 'HEAD'], path.join(repoRoot, '..'));
  if (!/not a git repository/.test(notRepo.stderr)) {
    // The checkout's parent may itself be inside a repository: use a folder that certainly is not.
    const r = run(['diff', '--base', 'HEAD', '/'], '/');
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', 'egress-lens: /: not a git repository (no .git folder here or above)\n']);
  } else assert.equal(notRepo.code, 2);
  const unknown = run(['diff', '--base', 'no-such-branch'], repo.dir);
  assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [2, '', 'egress-lens: unknown revision "no-such-branch" (no branch, tag or commit of that name)\n']);
  // A shallow clone: the base commit's object is not there, and .git/shallow says why.
  const objects = path.join(repo.dir, '.git/objects', first.slice(0, 2));
  const file = readdirSync(objects).find((f) => first.slice(2).startsWith(f))!;
  renameSync(path.join(objects, file), path.join(repo.dir, 'moved-away'));
  writeFileSync(path.join(repo.dir, '.git/shallow'), `${first}\n`);
  const shallow = run(['diff', '--base', first], repo.dir);
  assert.equal(shallow.code, 2);
  assert.equal(shallow.stderr, `egress-lens: revision "${first}" is not in this shallow clone: fetch more history (git fetch --deepen, or fetch-depth: 0 in actions/checkout)\n`);
});

test('diff usage errors: exit 2', () => {
  assert.equal(run(['diff']).code, 2);
  assert.equal(run(['diff', '--dir1', 'a']).code, 2);
  assert.equal(run(['diff', '--base', 'HEAD', '--format', 'txt']).code, 2);
  assert.equal(run(['diff', '--base', 'HEAD', '--fail-on', 'sometimes']).code, 2);
});
