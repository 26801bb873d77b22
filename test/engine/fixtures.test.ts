import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, applyEdits, fixesFor, readConfigFile, ruleById, type EngineConfig } from '../../server/src/engine';
import { compare, readFixture, withMarkers, withObservedFlows } from '../support/fixture';

const root = path.join(__dirname, '../../../test/fixtures/rules');
const update = process.env.UPDATE_FIXTURES === '1';

/**
 * Settings for a folder's fixtures: its own .egress-lens.yaml, read like the real one, and the observed
 * connections in its observed-flows.json (what the editor holds once flow logs are loaded).
 */
function fixtureConfig(file: string): Partial<EngineConfig> | undefined {
  const cfg = path.join(path.dirname(file), '.egress-lens.yaml');
  const withFlows = (c: Partial<EngineConfig> | undefined) => withObservedFlows(path.dirname(file), c) as Partial<EngineConfig> | undefined;
  if (!existsSync(cfg)) return withFlows(undefined);
  const { config, problems } = readConfigFile(cfg, readFileSync(cfg, 'utf8'));
  assert.deepEqual(problems, [], `${cfg} is valid`);
  return withFlows(config);
}

/** Rules about configuration read their fixtures as .egress-lens.yaml contents. */
function analyzeFixture(file: string, uri: string, text: string) {
  const rule = ruleById.get(path.basename(path.dirname(file)));
  if (rule?.docs.input === 'config') {
    const { config, problems } = readConfigFile(uri, text);
    return analyze([], { ...config, configProblems: problems });
  }
  return analyze([{ uri, text }], fixtureConfig(file));
}

function check(file: string): void {
  const source = readFileSync(file, 'utf8');
  const fx = readFixture(source);
  const uri = `file:///fixtures/${path.basename(file)}`;
  const a = analyzeFixture(file, uri, fx.text);
  const ruleId = path.basename(path.dirname(file));
  const clean = path.basename(file).startsWith('ok-');
  if (clean) {
    // An ok- fixture never has a finding of its own rule; other rules' findings must be marked like anywhere else.
    assert.deepEqual(a.findings.filter((f) => f.ruleId === ruleId).map((f) => f.message), [], `${file} must stay clean of ${ruleId}`);
    assert.ok(!fx.expected.some((x) => x.ruleId === ruleId), `${file} is ok- but expects ${ruleId}`);
  }
  if (update) {
    writeFileSync(file, withMarkers(fx.text, a.findings));
    return;
  }
  if (!clean) assert.ok(fx.expected.some((x) => x.ruleId === ruleId), `${file} expects no ${ruleId}: name it ok-*.yaml if it must stay clean`);
  assert.deepEqual(compare(fx.expected, a.findings, fx.text), [], file);
}

function checkFix(before: string, ruleId: string): void {
  const after = before.replace(/\.before\.yaml$/, '.after.yaml');
  const fx = readFixture(readFileSync(before, 'utf8'));
  const uri = `file:///fixtures/${path.basename(before)}`;
  const a = analyze([{ uri, text: fx.text }], fixtureConfig(before));
  const finding = a.findings.find((f) => f.ruleId === ruleId && f.fixable);
  assert.ok(finding, `${before}: no fixable ${ruleId} finding`);
  const fixes = fixesFor(a, finding);
  assert.ok(fixes.length > 0, `${before}: ${ruleId} offers no fix`);
  const fixed = applyEdits(fx.text, fixes[0].edits.filter((e) => e.uri === uri));
  if (update || !existsSync(after)) writeFileSync(after, fixed);
  assert.equal(fixed, readFileSync(after, 'utf8'), `${after} differs from the fixed text`);
  // Re-analyse: the finding is gone and nothing new is broken.
  const again = analyze([{ uri, text: fixed }], fixtureConfig(before));
  assert.ok(!again.findings.some((f) => f.ruleId === ruleId && f.message === finding.message), `${ruleId} still fires after "${fixes[0].title}"`);
  const newErrors = again.findings.filter((f) => f.severity === 'error' && !a.findings.some((g) => g.ruleId === f.ruleId && g.message === f.message));
  assert.deepEqual(newErrors.map((f) => f.message), [], 'the fix introduced errors');
}

for (const ruleId of readdirSync(root).sort()) {
  const dir = path.join(root, ruleId);
  test(`${ruleId} is a known rule`, () => assert.ok(ruleById.has(ruleId), `fixtures for unknown rule ${ruleId}`));
  for (const name of readdirSync(dir).filter((n) => !n.startsWith('.')).sort()) {
    const file = path.join(dir, name);
    if (name.endsWith('.after.yaml')) continue;
    if (name.endsWith('.before.yaml')) test(`${ruleId} fix ${name}`, () => checkFix(file, ruleId));
    else if (name.endsWith('.yaml')) test(`${ruleId} ${name}`, () => check(file));
  }
}

test('every rule has firing and clean fixtures', () => {
  for (const id of ruleById.keys()) {
    const dir = path.join(root, id);
    assert.ok(existsSync(dir), `no fixtures for ${id}`);
    const names = readdirSync(dir);
    assert.ok(names.some((n) => !n.startsWith('ok-') && !n.includes('.before.') && !n.includes('.after.')), `${id} has no firing fixture`);
    assert.ok(names.some((n) => n.startsWith('ok-')), `${id} has no clean fixture`);
    if (ruleById.get(id)!.fixes) assert.ok(names.some((n) => n.endsWith('.before.yaml')), `${id} has a fix but no before/after fixture`);
  }
});
