// Entry point of the extension-host test suite (loaded by VS Code as extensionTestsPath).
import * as path from 'path';
import { writeFileSync } from 'fs';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const f of ['extension.test.js']) mocha.addFile(path.join(__dirname, f));
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
