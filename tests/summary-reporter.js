/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader
 * understands (Jest's own summary is "Tests: N passed, N total").
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(
      `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
