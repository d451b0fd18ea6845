// `loupe check [TRACE] [--since DURATION]`: the production-readiness check,
// through the running core when there is one, else on the folder's store
// directly (read-only). Exits 1 when a check fails, 2 when the check cannot
// run (bad arguments, no such folder or trace), and 0 otherwise.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import type { CheckReport } from '../shared/check'
import { CheckScopeError, runReadinessCheck, type CheckScope } from '../core/check/run'
import { DEFAULT_WINDOW, InvalidWindowError, parseWindow } from '../core/check/window'
import { readDiscovery } from '../core/discovery'
import { defaultDataDir } from '../core/paths'
import { DATABASE_FILE, openDatabase, StoreError } from '../core/store/database'
import { CliError, dataOption, verifyDataFolder } from './folder'
import { formatCheckReport } from './check-format'

/** Exit code when the check could not run at all, e.g. for a malformed trace id. */
const EXIT_UNUSABLE = 2

interface CheckOptions {
  since?: string
  json?: boolean
  data?: string
}

/** Reads the report from the core that serves the folder. */
async function checkThroughCore(
  uiUrl: string,
  token: string,
  scope: CheckScope,
): Promise<CheckReport> {
  const params = new URLSearchParams(
    'traceId' in scope ? { trace: scope.traceId } : { since: scope.since },
  )
  params.set('wait', '1')
  let response: Response
  try {
    response = await fetch(`${uiUrl}/api/check?${params.toString()}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
  } catch (error) {
    throw new CliError(`cannot reach the Loupe core at ${uiUrl}: ${(error as Error).message}`)
  }
  const text = await response.text()
  if (response.ok) return JSON.parse(text) as CheckReport
  let message = text.trim()
  try {
    message = (JSON.parse(text) as { error: string }).error
  } catch {
    // Not JSON: show the body as sent.
  }
  throw new CliError(`the Loupe core at ${uiUrl} returned HTTP ${response.status}: ${message}`)
}

/** Runs the checks on the folder's store, opened read-only. */
async function checkFolder(dataDir: string, scope: CheckScope): Promise<CheckReport> {
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    throw new CliError(`the folder ${dataDir} has no store yet; send traces to Loupe first`)
  }
  const db = openDatabase(dataDir, { readonly: true })
  try {
    return await runReadinessCheck(db, scope)
  } finally {
    db.close()
  }
}

async function check(traceId: string | undefined, options: CheckOptions): Promise<number> {
  if (traceId !== undefined && options.since !== undefined) {
    throw new CliError('give a trace id or --since, not both')
  }
  const scope: CheckScope =
    traceId !== undefined ? { traceId } : { since: options.since ?? DEFAULT_WINDOW }
  const dataDir = options.data ?? defaultDataDir()
  verifyDataFolder(dataDir)
  const running = readDiscovery(dataDir)
  const report = running
    ? await checkThroughCore(running.uiUrl, running.token, scope)
    : await checkFolder(dataDir, scope)
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCheckReport(report)}\n`,
  )
  return report.counts.fail > 0 ? 1 : 0
}

function parseSince(value: string): string {
  try {
    parseWindow(value)
  } catch (error) {
    if (error instanceof InvalidWindowError) throw new InvalidArgumentError(error.message)
    throw error
  }
  return value
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'check recent traces against a production checklist for agent services; exits 1 when a check fails',
    )
    .argument('[trace]', 'check only this trace (32 hex digits)')
    .addOption(
      new Option(
        '--since <duration>',
        `check the traces that started in this recent window, e.g. 30m, 24h, 7d (default ${DEFAULT_WINDOW})`,
      ).argParser(parseSince),
    )
    .option('--json', 'print the report as JSON')
    .addOption(dataOption())
    // Usage errors exit 2, so that scripts can tell them from failed checks (1).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_UNUSABLE))
    .action(async (traceId: string | undefined, options: CheckOptions) => {
      try {
        process.exitCode = await check(traceId, options)
      } catch (error) {
        if (
          error instanceof CliError ||
          error instanceof CheckScopeError ||
          error instanceof StoreError
        ) {
          process.stderr.write(`loupe: ${error.message}\n`)
          process.exitCode = EXIT_UNUSABLE
          return
        }
        throw error
      }
    })
}
