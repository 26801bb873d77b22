import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, readConfigFile, rules, type Rule } from '../../server/src/engine';

/** Analyse a docs example: manifests, or a configuration file when the rule is about configuration. */
export function analyzeExample(rule: Rule, text: string, uri: string) {
  if (rule.docs.input === 'config') {
    const { config, problems } = readConfigFile('file:///.egress-lens.yaml', text);
    return analyze([], { ...config, configProblems: problems });
  }
  return analyze([{ uri, text }], rule.docs.config);
}
import { renderRuleDoc } from '../support/rule-docs';
import { repoRoot } from '../support/workspace';

for (const rule of rules) {
  test(`${rule.id}: docs.bad fires and docs.good stays clean`, () => {
    const bad = analyzeExample(rule, rule.docs.bad, 'file:///bad.yaml');
    assert.ok(bad.findings.some((f) => f.ruleId === rule.id), `${rule.id} does not fire on its own bad example`);
    const good = analyzeExample(rule, rule.docs.good, 'file:///good.yaml');
    assert.deepEqual(good.findings.filter((f) => f.ruleId === rule.id).map((f) => f.message), [], `${rule.id} fires on its good example`);
  });

  test(`${rule.id}: docs/rules/${rule.id}.md is current (npm run docs)`, () => {
    const file = path.join(repoRoot, 'docs/rules', `${rule.id}.md`);
    assert.ok(existsSync(file), `missing ${file}`);
    assert.equal(readFileSync(file, 'utf8'), renderRuleDoc(rule));
  });
}

test('rule ids and names are unique and well-formed', () => {
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const r of rules) {
    assert.match(r.id, /^EL\d{3}$/);
    assert.match(r.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(!ids.has(r.id) && !names.has(r.name), `duplicate ${r.id} ${r.name}`);
    ids.add(r.id);
    names.add(r.name);
  }
});

test('rule examples are written as YAML reads, in template literals, not as one-line strings of \\n escapes', () => {
  const dir = path.join(repoRoot, 'server/src/engine/rules');
  const oneLiners = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /(^|\/)el\d{3}-[^/]*\.ts$/.test(f))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').map((l, i) => ({ f, i, l })))
    .filter(({ l }) => /^\s*(bad|good):\s*['"].*\\n/.test(l))
    .map(({ f, i }) => `${f}:${i + 1}`);
  assert.deepEqual(oneLiners, []);
});

test('every rule lives in the folder of its family (its id\'s hundreds), beside the path helpers of that family', () => {
  const dir = path.join(repoRoot, 'server/src/engine/rules');
  const families: Record<string, string> = { '0': 'input', '1': 'netpol', '2': 'mesh', '3': 'gateway', '4': 'cilium', '5': 'calico', '6': 'admin', '7': 'gke', '8': 'openshift', '9': 'antrea' };
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /el\d{3}-[^/]*\.ts$/.test(f));
  assert.equal(files.length, rules.length);
  for (const f of files) assert.equal(path.dirname(f), families[path.basename(f)[2]], f);
});
