// Entry point of the extension-host test suite (loaded by VS Code as extensionTestsPath).
import * as path from 'path';
import { readdirSync, writeFileSync } from 'fs';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  // Every suite file beside this one; EGRESS_LENS_SUITE_GREP narrows a run by test title.
  for (const f of readdirSync(__dirname).filter((x) => x.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  if (process.env.EGRESS_LENS_SUITE_GREP) mocha.grep(process.env.EGRESS_LENS_SUITE_GREP);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const summary = { passed: runner.stats?.passes ?? 0, failed: failures, failures: failed };
      const out = process.env.EGRESS_LENS_TEST_SUMMARY;
      if (out) writeFileSync(out, JSON.stringify(summary, null, 2));
      console.log(`${summary.passed} passed, ${summary.failed} failed`);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
    const failed: { title: string; error: string }[] = [];
    runner.on('fail', (t, err: Error) => failed.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
