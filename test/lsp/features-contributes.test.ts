// What package.json contributes for the language features and first use: settings that describe exactly
// what the engine reads (every key of .egress-lens.yaml, the engine's defaults valid for each), the schema
// of .egress-lens.yaml for YAML and JSON validation, the walkthrough (its media packaged, its commands
// contributed, its sample showing the diagnostics it talks about), and a CHANGELOG for this version.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { analyze, defaultConfig } from '../../server/src/engine';
import { repoRoot } from '../support/workspace';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/egress-lens-config.json'), 'utf8'));
const settings: Record<string, Record<string, unknown>> = pkg.contributes.configuration.properties;

/** The keys of .egress-lens.yaml that the editor can override (the editor's own trace setting aside). */
const settingKeys = Object.keys(settings)
  .filter((k) => k !== 'egressLens.trace.server' && k !== 'egressLens.helm.path')
  .map((k) => k.slice('egressLens.'.length));

test('settings: one per key of .egress-lens.yaml, each typed, described, and defaulting to the file', () => {
  // Views are the repository's (clusters: in the file only); the editor sets only helm's binary, as a machine setting.
  assert.deepEqual([...settingKeys, 'helm', 'clusters'].sort(), Object.keys(schema.properties).sort());
  assert.equal(settings['egressLens.helm.path'].scope, 'machine-overridable');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['egressLens.helm.path']);
  assert.deepEqual(Object.keys(schema.properties.helm.properties).sort(), ['path', 'timeoutSeconds']);
  for (const [key, s] of Object.entries(settings)) {
    assert.ok(s.type !== undefined || Array.isArray(s.enum), `${key} has a type or an enum`);
    const text = String(s.markdownDescription ?? s.description ?? '');
    assert.ok(text.length > 20, `${key} is described`);
    assert.ok('default' in s, `${key} has a default`);
    if (key === 'egressLens.trace.server') continue;
    // Unset (null) means: the value of .egress-lens.yaml, else the engine's default.
    if (s.default === null) assert.match(text, /leave unset to use the file's value/, key);
  }
});

test('settings: the engine defaults are valid values of both the setting and the file schema; enums agree', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const file = ajv.compile(schema);
  for (const key of settingKeys) {
    const value = (defaultConfig as unknown as Record<string, unknown>)[key];
    assert.notEqual(value, undefined, `the engine has a default for ${key}`);
    // The setting's value space (without the editor's annotations).
    const setting = Object.fromEntries(Object.entries(settings[`egressLens.${key}`]).filter(([k]) => !['default', 'order', 'markdownDescription', 'description'].includes(k)));
    const validate = ajv.compile(setting);
    assert.ok(validate(value), `engine default of ${key} (${JSON.stringify(value)}) fits the setting: ${ajv.errorsText(validate.errors)}`);
    assert.ok(file({ [key]: value }), `engine default of ${key} fits the file schema: ${ajv.errorsText(file.errors)}`);
    const fileEnum = schema.properties[key].enum as unknown[] | undefined;
    if (fileEnum) assert.deepEqual((setting.enum as unknown[]).filter((x) => x !== null), fileEnum, `${key}: same choices in the editor and the file`);
  }
});

test('.egress-lens.yaml is validated by the schema (yamlValidation and jsonValidation); the README example passes it', () => {
  const yamlV = pkg.contributes.yamlValidation.find((v: { fileMatch: string }) => v.fileMatch === '.egress-lens.yaml');
  assert.equal(yamlV?.url, './schemas/egress-lens-config.json');
  assert.equal(pkg.contributes.jsonValidation.find((v: { fileMatch: string }) => v.fileMatch === '.egress-lens.json')?.url, './schemas/egress-lens-config.json');
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /Put `\.egress-lens\.yaml`[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README shows a .egress-lens.yaml');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(parse(block[1])), JSON.stringify(validate.errors));
  assert.ok(!validate({ cni: 'calico', dsn: {} }), 'a typo is an error');
});

/** Whether .vscodeignore (ignore everything, then `!` patterns) packages a file. */
function packaged(rel: string): boolean {
  const patterns = readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!'));
  const toRegex = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`);
  return patterns.some((p) => toRegex(p.slice(1)).test(rel));
}

test('walkthrough: five steps with packaged media, commands that exist, and a sample that shows what they say', () => {
  const [walk] = pkg.contributes.walkthroughs;
  assert.deepEqual(walk.steps.map((s: { id: string }) => s.id), ['openSample', 'seeDiagnostic', 'applyFix', 'openPanel', 'scaffoldPolicy']);
  const ours = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const step of walk.steps) {
    const media = step.media.image ?? step.media.markdown;
    assert.ok(existsSync(path.join(repoRoot, media)), `${media} exists`);
    assert.ok(packaged(media), `${media} goes into the .vsix`);
    for (const m of String(step.description).matchAll(/\(command:([\w.]+)\)/g)) {
      if (m[1].startsWith('egressLens.')) assert.ok(ours.has(m[1]), `${m[1]} is contributed`);
    }
    assert.ok(step.completionEvents.length > 0, `${step.id} completes`);
  }
  assert.ok(packaged('docs/walkthrough/sample.yaml'), 'the sample goes into the .vsix');
  const sample = readFileSync(path.join(repoRoot, 'docs/walkthrough/sample.yaml'), 'utf8');
  const a = analyze([{ uri: 'untitled:sample', text: sample }]);
  assert.deepEqual(a.findings.map((f) => f.ruleId), ['EL103', 'EL101', 'EL102'], 'the diagnostics the steps speak of');
  assert.ok(a.findings[0].fixable, 'EL103 has its quick fix');
});

test('CHANGELOG: an entry for the packaged version', () => {
  const changelog = readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8');
  assert.match(changelog, new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}\\b`, 'm'));
  assert.ok(existsSync(path.join(repoRoot, 'LICENSE')));
});
