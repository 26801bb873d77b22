import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { matchesCalico, parseCalicoSelector } from '../../server/src/engine/policy/calico-selector';

function sel(text: string) {
  const r = parseCalicoSelector(text);
  assert.ok(r.ok, `${text}: ${!r.ok && r.error.message}`);
  return r.selector;
}

test('Calico selectors: every operator, precedence and negation', () => {
  const web = { app: 'web', tier: 'frontend', 'projectcalico.org/namespace': 'shop' };
  const cases: [string, boolean][] = [
    ["app == 'web'", true],
    ['app == "db"', false],
    ["app != 'db'", true],
    ["missing != 'x'", true],
    ["tier in {'frontend', 'backend'}", true],
    ["tier not in {'frontend'}", false],
    ["missing not in {'a'}", true],
    ["missing in {'a'}", false],
    ['has(tier)', true],
    ['!has(tier)', false],
    ['has(projectcalico.org/namespace)', true],
    ["app contains 'e'", true],
    ["app starts with 'w'", true],
    ["app ends with 'x'", false],
    ['all()', true],
    ['global()', false],
    ['', true],
    ["app == 'db' || tier == 'frontend' && has(app)", true],
    ["(app == 'db' || tier == 'frontend') && !has(app)", false],
    ["!(app == 'web')", false],
    ["app == 'web' && !(tier in {'backend'})", true],
  ];
  for (const [text, expected] of cases) assert.equal(matchesCalico(sel(text), web), expected, text);
  assert.equal(matchesCalico(sel('global()'), {}, true), true);
});

test('Calico selectors: errors point at the exact character', () => {
  const cases: [string, number, RegExp][] = [
    ["(app == 'web' && has(x)", 0, /This "\(" is never closed/],
    ["app == 'web' && (tier == 'a' || (has(x))", 16, /never closed/],
    ["app == 'web", 7, /string is never closed/],
    ['app = "web"', 4, /Use ==/],
    ["app == web", 7, /quoted value.*write 'web'/],
    ["app == 'web' & has(x)", 13, /Use &&/],
    ["app == 'web')", 12, /closes no "\("/],
    ["tier in {'a', 'b'", 8, /"\{" is never closed/],
    ["app == 'a' has(b)", 11, /Expected && or \|\| before "has"/],
    ['app', 3, /needs a comparison/],
    ["app == 'a' &&", 13, /ends where an expression was expected/],
  ];
  for (const [text, offset, message] of cases) {
    const r = parseCalicoSelector(text);
    assert.ok(!r.ok, `${text} should not parse`);
    if (!r.ok) {
      assert.equal(r.error.offset, offset, `${text}: offset (${r.error.message})`);
      assert.match(r.error.message, message, text);
    }
  }
});
