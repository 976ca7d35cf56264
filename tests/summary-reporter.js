import { relative, sep } from 'node:path';
import { locateShared } from './helpers/shared.js';

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader
 * understands (Jest's own summary is "Tests: N passed, N total"). Before it, what the contract
 * tests against the real MDAD checked, or why they were skipped.
 */
export default class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const contract = results.testResults.filter((r) =>
      relative(this.rootDir, r.testFilePath).startsWith(`tests${sep}contract${sep}`),
    );
    if (contract.length > 0) {
      const located = locateShared('mdad');
      const checks = contract.flatMap((r) => r.testResults);
      const ran = checks.filter((c) => c.status === 'passed' || c.status === 'failed');
      if (ran.length === 0) {
        process.stdout.write(
          `\ncontract tests against the real MDAD skipped: ${located.reason ?? 'none ran'}\n`,
        );
      } else {
        process.stdout.write(
          `\ncontract tests against the real MDAD (${located.dir}): ${ran.length} checks ran\n`,
        );
        for (const c of ran)
          process.stdout.write(`  ${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.fullName}\n`);
      }
    }
    process.stdout.write(
      `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
