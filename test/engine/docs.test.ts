import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, rules } from '../../server/src/engine';
import { renderRuleDoc } from '../support/rule-docs';
import { repoRoot } from '../support/workspace';

for (const rule of rules) {
  test(`${rule.id}: docs.bad fires and docs.good stays clean`, () => {
    const bad = analyze([{ uri: 'file:///bad.yaml', text: rule.docs.bad }]);
    assert.ok(bad.findings.some((f) => f.ruleId === rule.id), `${rule.id} does not fire on its own bad example`);
    const good = analyze([{ uri: 'file:///good.yaml', text: rule.docs.good }]);
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
