/**
 * The CLI's text formats are read line by line (by people, `grep`, CI annotations). File names and the
 * names inside messages come from the workspace: a line break in one must not make a line of its own (a
 * fake finding, a fake connection), and a terminal escape or a bidirectional control must not reach the
 * terminal as such.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { escapeLine, quoteName } from '../../server/src/engine';
import { repoRoot } from '../support/workspace';
import { deployment } from '../support/manifests';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function folder(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-text-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const FAKE = 'fake.yaml:1:1: error: injected [EL999 fake]';

test('escapes: plain names stay as they are; line breaks, controls and bidirectional marks are written as escapes', () => {
  assert.equal(quoteName('k8s/app.yaml'), 'k8s/app.yaml');
  assert.equal(quoteName('dir with spaces/ä.yaml'), 'dir with spaces/ä.yaml');
  assert.equal(quoteName(`a\n${FAKE}`), `"a\\n${FAKE}"`);
  assert.equal(quoteName('say "hi"\\.yaml'), '"say \\"hi\\"\\\\.yaml"');
  assert.equal(quoteName('\u001b[2Jx\r\t\u2028\u202e.yaml'), '"\\u001b[2Jx\\r\\t\\u2028\\u202e.yaml"');
  assert.equal(escapeLine('Workload "a\nb" has \u0007'), 'Workload "a\\nb" has \\u0007');
});

test('check, text: a file name with a line break is one quoted name on its own finding line, never a line of its own', (t) => {
  const name = `a\n${FAKE}\nb.yaml`;
  const dir = folder(t, { [name]: deployment('app'), 'esc\u001b[31m.yaml': deployment('esc') });
  const text = cli(['check', '.'], dir);
  const json = JSON.parse(cli(['check', '.', '--format', 'json'], dir).stdout) as { file: string }[];
  const lines = text.stdout.split('\n');
  // One line per finding, then a blank line and the summary.
  assert.equal(lines.length, json.length + 3, text.stdout);
  assert.ok(!lines.some((l) => l.startsWith('fake.yaml') || l === 'b.yaml'), text.stdout);
  assert.ok(lines.some((l) => l.startsWith(`"a\\n${FAKE}\\nb.yaml":3:`)), text.stdout);
  assert.ok(lines.some((l) => l.startsWith('"esc\\u001b[31m.yaml":3:')), text.stdout);
  assert.ok(!text.stdout.includes('\u001b'), 'no escape character reaches the terminal');
  assert.deepEqual([...new Set(json.map((f) => f.file))].sort(), ['esc\u001b[31m.yaml', name].sort(), 'JSON keeps the names as they are');
});

test('check, text: a line break in a value from the YAML stays inside its message', (t) => {
  const dir = folder(t, { 'app.yaml': deployment(`"web\\n${FAKE}"`) });
  const text = cli(['check', '.'], dir);
  const json = JSON.parse(cli(['check', '.', '--format', 'json'], dir).stdout) as { message: string }[];
  assert.ok(json.some((f) => f.message.includes(`web\n${FAKE}`)), 'the name is in a message');
  assert.equal(text.stdout.split('\n').length, json.length + 3, text.stdout);
  assert.ok(!text.stdout.split('\n').some((l) => l.startsWith('fake.yaml')), text.stdout);
});

test('reach, txt and md: a workload name with a line break is one connection line', (t) => {
  const dir = folder(t, { 'app.yaml': deployment(`"web\\nevil[Deployment] => x/y[Deployment] : All Connections"`) });
  const json = JSON.parse(cli(['reach', '.', '--format', 'json'], dir).stdout) as unknown[];
  const txt = cli(['reach', '.'], dir).stdout;
  assert.equal(txt.split('\n').length, json.length + 1, txt);
  assert.ok(!txt.split('\n').some((l) => l.startsWith('evil')), txt);
  assert.match(txt, /^shop\/web\\nevil\[Deployment\] => x\/y\[Deployment\] : All Connections\[Deployment\] => /m);
  const md = cli(['reach', '.', '--format', 'md'], dir).stdout;
  assert.equal(md.split('\n').length, json.length + 3, md);
});

test('reach --exposure, txt, md and csv: a selector value with a line break stays inside its exposure line', (t) => {
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector: {matchLabels: {app: "db\\n${FAKE}"}}
`;
  const dir = folder(t, { 'app.yaml': `${deployment('api')}---\n${policy}` });
  const txt = cli(['reach', '.', '--exposure'], dir).stdout;
  const egress = txt.split('\n').filter((l) => l.includes('\t=> \t'));
  assert.deepEqual(egress, [`shop/api[Deployment] \t=> \tshop/[pod with {app=db\\n${FAKE}}] : All Connections`], txt);
  assert.ok(!txt.split('\n').some((l) => l.startsWith('fake.yaml')), txt);
  const md = cli(['reach', '.', '--exposure', '--format', 'md'], dir).stdout;
  assert.ok(!md.split('\n').some((l) => l.startsWith('fake.yaml')), md);
  const csv = cli(['reach', '.', '--exposure', '--format', 'csv'], dir).stdout;
  assert.ok(csv.includes(`"shop/[pod with {app=db\n${FAKE}}]"`), csv);
});

test('CLI errors: a path with a line break is one error line', (t) => {
  const dir = folder(t, {});
  const r = cli(['check', `missing\n${FAKE}`], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `egress-lens: missing\\n${FAKE}: no such file or directory\n`);
});

test('a reader that stops early (check . | head -1): the CLI exits quietly, no EPIPE crash', () => {
  // The whole vendored corpus: far more output than a pipe holds, so the CLI is still writing when head exits.
  const cli = path.join(repoRoot, 'dist/cli.js');
  const r = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(cli)} check . | head -1 >/dev/null`], { cwd: path.join(repoRoot, 'test/data/corpus'), encoding: 'utf8' });
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
});
