// Prints the plain closing line `N passed, N failed` (and skipped) from Jest's own counts,
// and writes it to .jest-results.json so .ci/run can repeat it as its last line.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped`;
    fs.writeFileSync(
      path.join(this.rootDir, '.jest-results.json'),
      JSON.stringify({
        line,
        passed: results.numPassedTests,
        failed,
        skipped: results.numPendingTests,
      }),
    );
    process.stdout.write(`\n${line}\n`);
  }
}

module.exports = SummaryReporter;
