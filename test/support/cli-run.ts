import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { repoRoot } from './workspace';

/** The flow fixtures: a workspace, the same traffic in each flow log format, and a pod address map. */
export const flowFixtures = path.join(repoRoot, 'test/fixtures/flows');

/** The CLI in this process: its exit code and what it wrote. */
export async function runCli(args: string[], cwd = flowFixtures): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s), cwd });
  return { code, stdout, stderr };
}
