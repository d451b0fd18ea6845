// Run every vitest project (unit, integration, e2e) and finish with one
// summary line, "N passed, N failed, N skipped", that CI logs are read for.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'

mkdirSync('test-results', { recursive: true })
const report = 'test-results/vitest.json'
const run = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
)
let summary = 'tests: no report written'
try {
  const results = JSON.parse(readFileSync(report, 'utf8'))
  const skipped = results.numPendingTests + results.numTodoTests
  summary = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`
} catch (error) {
  summary = `tests: cannot read ${report}: ${error.message}`
}
process.stdout.write(`\n${summary}\n`)
process.exit(run.status ?? 1)
