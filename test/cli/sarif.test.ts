import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { LineIndex, rules } from '../../server/src/engine';
import { repoRoot } from '../support/workspace';

const cli = path.join(repoRoot, 'dist/cli.js');

function run(args: string[], cwd = repoRoot) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}
interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region: Region;
}
interface Replacement {
  deletedRegion: Region;
  insertedContent?: { text: string };
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: PhysicalLocation }[];
  relatedLocations?: { id: number; message: { text: string }; physicalLocation: PhysicalLocation }[];
  partialFingerprints: Record<string, string>;
  fixes?: { description: { text: string }; artifactChanges: { artifactLocation: ArtifactLocation; replacements: Replacement[] }[] }[];
}
interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: string };
  properties: { tags: string[] };
}
interface Log {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri?: string; rules: Rule[] } };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: string;
    results: Result[];
  }[];
}

/**
 * The part of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json, OASIS) that covers the objects this log
 * uses: the same `required` lists, enums and minimums, and `additionalProperties: false` with each
 * object's property names, so a misspelled or misplaced property fails as it would against the full schema.
 */
const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const str = { type: 'string' };
const index = { type: 'integer', minimum: -1 };
const sarifSubset = {
  $id: 'sarif-2.1.0-subset',
  definitions: {
    propertyBag: { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: str } } },
    message: {
      ...obj({ text: str, markdown: str, id: str, arguments: { type: 'array', items: str }, properties: { $ref: '#/definitions/propertyBag' } }),
      anyOf: [{ required: ['text'] }, { required: ['id'] }],
    },
    multiformatMessageString: obj({ text: str, markdown: str, properties: { $ref: '#/definitions/propertyBag' } }, ['text']),
    artifactLocation: obj({ uri: str, uriBaseId: str, index, description: { $ref: '#/definitions/message' }, properties: { $ref: '#/definitions/propertyBag' } }),
    region: obj({
      startLine: { type: 'integer', minimum: 1 },
      startColumn: { type: 'integer', minimum: 1 },
      endLine: { type: 'integer', minimum: 1 },
      endColumn: { type: 'integer', minimum: 1 },
      charOffset: index,
      charLength: { type: 'integer', minimum: 0 },
      byteOffset: index,
      byteLength: { type: 'integer', minimum: 0 },
      snippet: { type: 'object' },
      message: { $ref: '#/definitions/message' },
      sourceLanguage: str,
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    physicalLocation: {
      ...obj({
        address: { type: 'object' },
        artifactLocation: { $ref: '#/definitions/artifactLocation' },
        region: { $ref: '#/definitions/region' },
        contextRegion: { $ref: '#/definitions/region' },
        properties: { $ref: '#/definitions/propertyBag' },
      }),
      anyOf: [{ required: ['address'] }, { required: ['artifactLocation'] }],
    },
    location: obj({
      id: index,
      physicalLocation: { $ref: '#/definitions/physicalLocation' },
      logicalLocations: { type: 'array' },
      message: { $ref: '#/definitions/message' },
      annotations: { type: 'array' },
      relationships: { type: 'array' },
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    replacement: obj(
      {
        deletedRegion: { $ref: '#/definitions/region' },
        insertedContent: obj({ text: str, binary: str, rendered: { $ref: '#/definitions/multiformatMessageString' }, properties: { $ref: '#/definitions/propertyBag' } }),
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['deletedRegion'],
    ),
    artifactChange: obj(
      {
        artifactLocation: { $ref: '#/definitions/artifactLocation' },
        replacements: { type: 'array', minItems: 1, items: { $ref: '#/definitions/replacement' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['artifactLocation', 'replacements'],
    ),
    fix: obj(
      {
        description: { $ref: '#/definitions/message' },
        artifactChanges: { type: 'array', minItems: 1, uniqueItems: true, items: { $ref: '#/definitions/artifactChange' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['artifactChanges'],
    ),
    level: { enum: ['none', 'note', 'warning', 'error'] },
    reportingDescriptor: obj(
      {
        id: str,
        deprecatedIds: { type: 'array' },
        guid: str,
        deprecatedGuids: { type: 'array' },
        name: str,
        deprecatedNames: { type: 'array' },
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        messageStrings: { type: 'object' },
        defaultConfiguration: obj({ enabled: { type: 'boolean' }, level: { $ref: '#/definitions/level' }, rank: { type: 'number' }, parameters: { type: 'object' }, properties: { $ref: '#/definitions/propertyBag' } }),
        helpUri: str,
        help: { $ref: '#/definitions/multiformatMessageString' },
        relationships: { type: 'array' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['id'],
    ),
    result: obj(
      {
        ruleId: str,
        ruleIndex: index,
        rule: { type: 'object' },
        kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
        level: { $ref: '#/definitions/level' },
        message: { $ref: '#/definitions/message' },
        analysisTarget: { $ref: '#/definitions/artifactLocation' },
        locations: { type: 'array', items: { $ref: '#/definitions/location' } },
        guid: str,
        correlationGuid: str,
        occurrenceCount: { type: 'integer', minimum: 1 },
        partialFingerprints: { type: 'object', additionalProperties: str },
        fingerprints: { type: 'object', additionalProperties: str },
        stacks: { type: 'array' },
        codeFlows: { type: 'array' },
        graphs: { type: 'array' },
        graphTraversals: { type: 'array' },
        relatedLocations: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/location' } },
        suppressions: { type: 'array' },
        baselineState: str,
        rank: { type: 'number' },
        attachments: { type: 'array' },
        hostedViewerUri: str,
        workItemUris: { type: 'array' },
        provenance: { type: 'object' },
        fixes: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/fix' } },
        taxa: { type: 'array' },
        webRequest: { type: 'object' },
        webResponse: { type: 'object' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['message'],
    ),
    toolComponent: obj(
      {
        guid: str,
        name: str,
        organization: str,
        product: str,
        productSuite: str,
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullName: str,
        version: str,
        semanticVersion: str,
        dottedQuadFileVersion: str,
        releaseDateUtc: str,
        downloadUri: str,
        informationUri: str,
        globalMessageStrings: { type: 'object' },
        notifications: { type: 'array' },
        rules: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/reportingDescriptor' } },
        taxa: { type: 'array' },
        locations: { type: 'array' },
        language: str,
        contents: { type: 'array' },
        isComprehensive: { type: 'boolean' },
        localizedDataSemanticVersion: str,
        minimumRequiredLocalizedDataSemanticVersion: str,
        associatedComponent: { type: 'object' },
        translationMetadata: { type: 'object' },
        supportedTaxonomies: { type: 'array' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['name'],
    ),
    run: obj(
      {
        tool: obj({ driver: { $ref: '#/definitions/toolComponent' }, extensions: { type: 'array' }, properties: { $ref: '#/definitions/propertyBag' } }, ['driver']),
        invocations: { type: 'array' },
        conversion: { type: 'object' },
        language: str,
        versionControlProvenance: { type: 'array' },
        originalUriBaseIds: { type: 'object', additionalProperties: { $ref: '#/definitions/artifactLocation' } },
        artifacts: { type: 'array' },
        logicalLocations: { type: 'array' },
        graphs: { type: 'array' },
        results: { type: 'array', items: { $ref: '#/definitions/result' } },
        automationDetails: { type: 'object' },
        runAggregates: { type: 'array' },
        baselineGuid: str,
        redactionTokens: { type: 'array' },
        defaultEncoding: str,
        defaultSourceLanguage: str,
        newlineSequences: { type: 'array' },
        columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
        externalPropertyFileReferences: { type: 'object' },
        threadFlowLocations: { type: 'array' },
        taxonomies: { type: 'array' },
        addresses: { type: 'array' },
        translations: { type: 'array' },
        policies: { type: 'array' },
        webRequests: { type: 'array' },
        webResponses: { type: 'array' },
        specialLocations: { type: 'object' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['tool'],
    ),
  },
  ...obj(
    {
      $schema: str,
      version: { enum: ['2.1.0'] },
      runs: { type: 'array', items: { $ref: '#/definitions/run' } },
      inlineExternalProperties: { type: 'array' },
      properties: { $ref: '#/definitions/propertyBag' },
    },
    ['version', 'runs'],
  ),
};

/** The SARIF log of `check examples`, parsed once: every test reads it. */
let cached: { code: number | null; stderr: string; log: Log } | undefined;
function examplesLog() {
  if (!cached) {
    const r = run(['check', 'examples', '--format', 'sarif']);
    cached = { code: r.code, stderr: r.stderr, log: JSON.parse(r.stdout) as Log };
  }
  return cached;
}

/** A SARIF region (1-based lines and columns, endColumn exclusive) as offsets into `text`. */
function offsets(text: string, r: Region): { start: number; end: number } {
  const li = new LineIndex(text);
  return { start: li.offset({ line: r.startLine - 1, character: r.startColumn - 1 }), end: li.offset({ line: r.endLine - 1, character: r.endColumn - 1 }) };
}

test('check examples --format sarif: exit 1, valid SARIF 2.1.0 JSON', () => {
  const r = run(['check', 'examples', '--format', 'sarif']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 1);
  assert.ok(r.stdout.endsWith('}\n'));
  const log = JSON.parse(r.stdout) as Log;
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const [runObj] = log.runs;
  assert.equal(runObj.tool.driver.name, 'egress-lens');
  assert.equal(runObj.tool.driver.version, run(['--version']).stdout.trim());
  assert.equal('informationUri' in runObj.tool.driver, false);
  assert.equal(runObj.columnKind, 'utf16CodeUnits');
  assert.equal(runObj.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(repoRoot).href.replace(/\/?$/, '/'));
  assert.equal(runObj.results.length, JSON.parse(run(['check', 'examples', '--format', 'json']).stdout).length, 'one result per finding');
});

test('sarif: the log satisfies the SARIF 2.1.0 schema for the objects it uses', () => {
  const { log } = examplesLog();
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(sarifSubset);
  assert.ok(validate(log), ajv.errorsText(validate.errors, { separator: '\n' }));
  // What the schema cannot say: references inside the log hold.
  const [runObj] = log.runs;
  const baseIds = new Set(Object.keys(runObj.originalUriBaseIds));
  for (const [id, base] of Object.entries(runObj.originalUriBaseIds)) {
    assert.match(base.uri, /^file:\/\/.*\/$/, `${id} is an absolute URI ending with a slash`);
  }
  const checkRegion = (r: Region, what: string) => {
    assert.ok(r.endLine > r.startLine || (r.endLine === r.startLine && r.endColumn >= r.startColumn), `${what}: region ends before it starts`);
  };
  const checkLocation = (p: PhysicalLocation, what: string) => {
    if (p.artifactLocation.uriBaseId !== undefined) assert.ok(baseIds.has(p.artifactLocation.uriBaseId), `${what}: unknown uriBaseId`);
    checkRegion(p.region, what);
  };
  for (const [i, res] of runObj.results.entries()) {
    assert.equal(typeof res.ruleId, 'string', `result ${i} names its rule`);
    assert.equal(res.locations.length, 1, `result ${i} has one location`);
    checkLocation(res.locations[0].physicalLocation, `result ${i}`);
    const ids = (res.relatedLocations ?? []).map((l) => l.id);
    assert.equal(new Set(ids).size, ids.length, `result ${i}: related location ids are unique`);
    for (const l of res.relatedLocations ?? []) checkLocation(l.physicalLocation, `result ${i} related ${l.id}`);
    for (const fix of res.fixes ?? []) for (const c of fix.artifactChanges) for (const rep of c.replacements) checkRegion(rep.deletedRegion, `result ${i} fix`);
    assert.match(res.partialFingerprints.primaryLocationLineHash, /^[0-9a-f]{16}:\d+$/);
  }
});

test('sarif: every rule of the catalogue, with its docs page and examples', () => {
  const { log } = examplesLog();
  const driverRules = log.runs[0].tool.driver.rules;
  assert.deepEqual(
    driverRules.map((r) => r.id),
    rules.map((r) => r.id),
  );
  const levels = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;
  for (const [i, rule] of rules.entries()) {
    const d = driverRules[i];
    assert.equal(d.name, rule.name);
    assert.equal(d.shortDescription.text, rule.docs.summary);
    assert.equal(d.fullDescription.text, `${rule.docs.summary} ${rule.docs.why}`);
    assert.ok(d.helpUri.startsWith('file://'), d.helpUri);
    assert.ok(d.helpUri.endsWith(`docs/rules/${rule.id}.md`), d.helpUri);
    assert.equal(fileURLToPath(d.helpUri), path.join(repoRoot, 'docs', 'rules', `${rule.id}.md`), 'the page next to dist/');
    assert.ok(d.help.markdown.includes(rule.docs.why), `${rule.id}: why`);
    assert.ok(d.help.markdown.includes('```yaml\n' + rule.docs.bad.trimEnd() + '\n```'), `${rule.id}: bad example`);
    assert.ok(d.help.markdown.includes('```yaml\n' + rule.docs.good.trimEnd() + '\n```'), `${rule.id}: good example`);
    assert.ok(d.help.markdown.includes(rule.docs.fixSafety), `${rule.id}: fix safety`);
    assert.ok(d.help.text.includes(rule.docs.bad.trimEnd()) && d.help.text.includes(rule.docs.good.trimEnd()), `${rule.id}: help text`);
    assert.equal(d.defaultConfiguration.level, levels[rule.severity]);
    assert.deepEqual(d.properties.tags, ['kubernetes', 'egress', 'security']);
  }
});

test('sarif: EL103 at the egress key, without an automatic fix (adding Egress would cut the rest of foo\'s egress)', () => {
  const { log } = examplesLog();
  const el103 = log.runs[0].results.filter((r) => r.ruleId === 'EL103');
  assert.equal(el103.length, 1);
  const [res] = el103;
  assert.equal(res.level, 'error');
  assert.match(res.message.text, /^These egress rules are ignored/);
  const loc = res.locations[0].physicalLocation;
  assert.deepEqual(loc.artifactLocation, { uri: 'examples/shop/foo-deny-egress.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(loc.region, { startLine: 14, startColumn: 3, endLine: 14, endColumn: 9 });
  const text = readFileSync(path.join(repoRoot, 'examples/shop/foo-deny-egress.yaml'), 'utf8');
  const { start, end } = offsets(text, loc.region);
  assert.equal(text.slice(start, end), 'egress');
  assert.ok(res.relatedLocations);
  assert.equal(res.relatedLocations.length, 1);
  assert.equal(res.relatedLocations[0].message.text, 'policyTypes is given here');
  assert.equal(res.relatedLocations[0].physicalLocation.region.startLine, 13);

  assert.equal(res.fixes, undefined, 'the EL103 fix is unsafe here: not offered for automatic application');
});

test('sarif: EL106 with its safe fix, which writes the CIDR as its network', () => {
  const { log } = examplesLog();
  const [res] = log.runs[0].results.filter((r) => r.ruleId === 'EL106');
  assert.ok(res?.fixes, 'EL106 has a safe fix');
  assert.equal(res.fixes.length, 1);
  const fix = res.fixes[0];
  assert.equal(fix.description.text, 'Write the network as 10.40.0.0/16');
  const loc = res.locations[0].physicalLocation;
  assert.equal(fix.artifactChanges.length, 1);
  assert.deepEqual(fix.artifactChanges[0].artifactLocation, loc.artifactLocation);
  const text = readFileSync(path.join(repoRoot, 'examples/analytics/etl.yaml'), 'utf8');
  // Apply the replacements, last first, and read the CIDR back.
  let fixed = text;
  const reps = fix.artifactChanges[0].replacements.map((rep) => ({ ...offsets(text, rep.deletedRegion), text: rep.insertedContent?.text ?? '' }));
  for (const rep of reps.sort((a, b) => b.start - a.start)) fixed = fixed.slice(0, rep.start) + rep.text + fixed.slice(rep.end);
  assert.match(fixed, /^ {8}cidr: 10\.40\.0\.0\/16\n/m);
  assert.equal(fixed.replace('10.40.0.0/16', '10.40.1.7/16'), text, 'nothing else changes');
});

test('sarif: no fixes for unsafe fixes; ruleIndex and levels match; URIs are relative', () => {
  const { log } = examplesLog();
  const [runObj] = log.runs;
  const el101 = runObj.results.filter((r) => r.ruleId === 'EL101');
  assert.ok(el101.length > 0, 'the examples have EL101 findings');
  for (const r of el101) assert.equal(r.fixes, undefined, 'EL101 fixes are unsafe: not offered for automatic application');
  const findings = JSON.parse(run(['check', 'examples', '--format', 'json']).stdout) as { ruleId: string; severity: string; file: string; range: { start: { line: number; character: number } } }[];
  const levels: Record<string, string> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };
  for (const [i, r] of runObj.results.entries()) {
    assert.equal(runObj.tool.driver.rules[r.ruleIndex]?.id, r.ruleId, `result ${i}: ruleIndex`);
    assert.equal(r.ruleId, findings[i].ruleId);
    assert.equal(r.level, levels[findings[i].severity], `result ${i}: level from the finding's severity`);
    const loc = r.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uri, findings[i].file);
    assert.equal(loc.region.startLine, findings[i].range.start.line + 1);
    assert.equal(loc.region.startColumn, findings[i].range.start.character + 1);
    const uris = [loc, ...(r.relatedLocations ?? []).map((l) => l.physicalLocation)].map((p) => p.artifactLocation.uri);
    for (const fix of r.fixes ?? []) uris.push(...fix.artifactChanges.map((c) => c.artifactLocation.uri));
    for (const uri of uris) {
      assert.ok(!uri.includes('file:') && !uri.startsWith('/') && !uri.includes('\\'), `relative URI: ${uri}`);
    }
  }
});

test('sarif: fingerprints are stable across runs and checkouts, one per result', () => {
  const fingerprints = (log: Log) => log.runs[0].results.map((r) => r.partialFingerprints.primaryLocationLineHash);
  const a = fingerprints(examplesLog().log);
  assert.deepEqual(fingerprints(JSON.parse(run(['check', 'examples', '--format', 'sarif']).stdout) as Log), a);
  assert.equal(new Set(a).size, a.length, 'one fingerprint per result');
  // The same files in another folder (another checkout): the same fingerprints.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-sarif-'));
  try {
    cpSync(path.join(repoRoot, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const elsewhere = JSON.parse(run(['check', 'examples', '--format', 'sarif'], dir).stdout) as Log;
    assert.deepEqual(fingerprints(elsewhere), a);
    assert.equal(elsewhere.runs[0].originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(dir).href + '/');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sarif: a clean folder gives an empty result list and exit 0; --fail-on applies', () => {
  const clean = run(['check', 'examples/payments', '--format', 'sarif']);
  assert.equal(clean.code, 0, clean.stdout);
  const log = JSON.parse(clean.stdout) as Log;
  assert.deepEqual(log.runs[0].results, []);
  assert.equal(log.runs[0].tool.driver.rules.length, rules.length, 'the catalogue even without results');

  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-sarif-'));
  try {
    writeFileSync(path.join(dir, 'app.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: c, image: i}]\n');
    const warn = run(['check', '.', '--format', 'sarif', '--fail-on', 'error'], dir);
    assert.equal(warn.code, 0, 'warnings do not fail with --fail-on error');
    const res = (JSON.parse(warn.stdout) as Log).runs[0].results;
    assert.ok(res.some((r) => r.level === 'warning') && res.every((r) => r.level !== 'error'), 'warnings and notes, no errors');
    assert.equal(res[0].locations[0].physicalLocation.artifactLocation.uri, 'app.yaml');
    assert.equal(run(['check', '.', '--format=sarif'], dir).code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
