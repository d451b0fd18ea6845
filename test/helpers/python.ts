// The Python interpreter with pydantic-ai and logfire that the interop tests
// use: the project's .venv (made by .ci/run), or LOUPE_TEST_PYTHON.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './core'

export function testPython(): string | null {
  const configured = process.env.LOUPE_TEST_PYTHON
  if (configured) return configured
  const venv = join(
    repoRoot,
    '.venv',
    process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python',
  )
  return existsSync(venv) ? venv : null
}

/**
 * Explain a missing interpreter. In CI a missing venv is a failure, since
 * .ci/run creates it; on a developer machine the tests are skipped with this
 * message.
 */
export const missingPythonMessage =
  'no Python with pydantic-ai and logfire: run `python3 -m venv .venv && .venv/bin/pip install -r test/interop/requirements.txt` or set LOUPE_TEST_PYTHON'
