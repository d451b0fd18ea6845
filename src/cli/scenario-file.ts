// Reading a scenario file named on the command line (`loupe run --mock FILE`,
// `loupe mock FILE`), checked before anything starts so that a mistake is
// reported with its line and nothing runs.

import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseScenario, type Scenario } from '../core/gateway/scenario'
import { CliError } from './folder'

export interface ScenarioFile {
  /** The file's name, shown on the calls it answers. */
  name: string
  text: string
  scenario: Scenario
}

/**
 * Reads and checks a scenario file; throws a CliError or a ScenarioError
 * naming the mistake. `missingHint` follows the error of a file that does not exist.
 */
export async function readScenarioFile(path: string, missingHint = ''): Promise<ScenarioFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const hint = code === 'ENOENT' ? ` (the file does not exist${missingHint})` : ''
    throw new CliError(`cannot read scenario ${path}: ${(error as Error).message}${hint}`)
  }
  const name = basename(path)
  return { name, text, scenario: parseScenario(text, name) }
}
