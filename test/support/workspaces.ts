/**
 * Every workspace the tests know, as the engine sees it: each rule fixture (with its folder's settings),
 * each reachability fixture, and the examples (one workspace of all their files).
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, ruleById, type EngineConfig, type SourceFile } from '../../server/src/engine';
import { readFixture } from './fixture';
import { examplesDir, repoRoot } from './workspace';

export interface TestWorkspace {
  name: string;
  files: SourceFile[];
  config?: Partial<EngineConfig>;
}

function folderConfig(dir: string): Partial<EngineConfig> | undefined {
  const cfg = path.join(dir, '.egress-lens.yaml');
  return existsSync(cfg) ? readConfigFile(cfg, readFileSync(cfg, 'utf8')).config : undefined;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) return yamlFiles(p);
      return /\.ya?ml$/.test(n) && !n.startsWith('.') ? [p] : [];
    });
}

export function testWorkspaces(): TestWorkspace[] {
  const out: TestWorkspace[] = [];
  const rulesRoot = path.join(repoRoot, 'test/fixtures/rules');
  for (const ruleId of readdirSync(rulesRoot).sort()) {
    if (ruleById.get(ruleId)?.docs.input === 'config') continue;
    const dir = path.join(rulesRoot, ruleId);
    const config = folderConfig(dir);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.startsWith('.')).sort()) {
      const text = readFixture(readFileSync(path.join(dir, name), 'utf8')).text;
      out.push({ name: `${ruleId}/${name}`, files: [{ uri: `file:///fx/${ruleId}/${name}`, text }], config });
    }
  }
  const reachRoot = path.join(repoRoot, 'test/fixtures/reach');
  for (const name of readdirSync(reachRoot).filter((n) => n.endsWith('.yaml')).sort()) {
    out.push({ name: `reach/${name}`, files: [{ uri: `file:///reach/${name}`, text: readFileSync(path.join(reachRoot, name), 'utf8') }] });
  }
  const examples = yamlFiles(examplesDir).map((p) => ({ uri: `file:///examples/${path.relative(examplesDir, p).split(path.sep).join('/')}`, text: readFileSync(p, 'utf8') }));
  out.push({ name: 'examples', files: examples, config: { ...folderConfig(examplesDir), rootUri: 'file:///examples/' } });
  return out;
}
