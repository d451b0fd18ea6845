// `loupe evals`: the pydantic_evals experiments of a data folder, one
// experiment's cases, and two experiments compared case by case. Reads
// through the running core when there is one, else the folder's store.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { type Command, InvalidArgumentError, type Option } from 'commander'
import type { ExperimentComparison, ExperimentDetail, ExperimentSummary } from '../shared/evals'
import { readDiscovery, type Discovery } from '../core/discovery'
import { compareExperiments } from '../core/evals/compare'
import { ExperimentLookupError, ExperimentQueries } from '../core/evals/experiments'
import { DATABASE_FILE, openDatabase } from '../core/store/database'
import { formatComparison, formatExperiment, formatExperimentTable } from './evals-format'
import { CliError, verifyDataFolder } from './folder'

/** A reader of experiments: the running core's API or the store file. */
interface ExperimentSource {
  list(limit: number): Promise<ExperimentSummary[]>
  get(ref: string): Promise<ExperimentDetail>
  compare(a: string, b: string): Promise<ExperimentComparison>
  close(): void
}

interface EvalsOptions {
  json?: boolean
  data?: string
}

/**
 * Adds `loupe evals` with its subcommands `show` and `diff`. `dataOption`
 * makes the shared --data option; `dataDirOf` resolves it to a folder.
 */
export function registerEvalsCommand(
  program: Command,
  dataOption: () => Option,
  dataDirOf: (options: { data?: string }) => string,
): void {
  const evals = program
    .command('evals')
    .description('list pydantic_evals experiments, newest first, with their case totals')
    .option('--json', 'print a JSON array')
    .option('--limit <n>', 'how many experiments (1 to 1000)', parseLimit, 50)
    .addOption(dataOption())
    .action(async (options: EvalsOptions & { limit: number }) => {
      const experiments = await withSource(dataDirOf(options), (source) =>
        source.list(options.limit),
      )
      print(options.json ? json(experiments) : formatExperimentTable(experiments))
    })

  evals
    .command('show')
    .description('show one experiment as a table of its cases, with each failed assertion')
    .argument(
      '<experiment>',
      'experiment id, trace id, or experiment name (the newest of that name)',
    )
    .option('--json', 'print {experiment, cases} as JSON')
    .addOption(dataOption())
    .action(async (ref: string, options: EvalsOptions) => {
      const detail = await withSource(dataDirOf(options), (source) => source.get(ref))
      print(options.json ? json(detail) : formatExperiment(detail))
    })

  evals
    .command('diff')
    .description(
      'compare two experiments case by case: changed outputs, assertion flips, score deltas, ' +
        'and cases only one of them has',
    )
    .argument('<a>', 'the experiment to compare from: id, trace id or name')
    .argument('<b>', 'the experiment to compare to: id, trace id or name')
    .option('--json', 'print the comparison as JSON')
    .option('--fail-on-regression', 'exit with status 1 when a case passed in A and not in B')
    .addOption(dataOption())
    .action(
      async (a: string, b: string, options: EvalsOptions & { failOnRegression?: boolean }) => {
        const comparison = await withSource(dataDirOf(options), (source) => source.compare(a, b))
        print(options.json ? json(comparison) : formatComparison(comparison))
        if (options.failOnRegression && comparison.regressions.length > 0) process.exitCode = 1
      },
    )
}

function parseLimit(value: string): number {
  const limit = Number(value)
  if (!/^\d+$/.test(value) || limit < 1 || limit > 1000) {
    throw new InvalidArgumentError(`${value} is not a number from 1 to 1000`)
  }
  return limit
}

function print(text: string): void {
  process.stdout.write(`${text}\n`)
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2)
}

async function withSource<T>(
  dataDir: string,
  action: (source: ExperimentSource) => Promise<T>,
): Promise<T> {
  verifyDataFolder(dataDir)
  const running = readDiscovery(dataDir)
  const source = running ? new CoreSource(running) : new StoreSource(dataDir)
  try {
    return await action(source)
  } finally {
    source.close()
  }
}

class CoreSource implements ExperimentSource {
  constructor(private readonly core: Discovery) {}

  list(limit: number): Promise<ExperimentSummary[]> {
    return this.getJson(`/api/evals/experiments?limit=${limit}&wait=1`)
  }

  get(ref: string): Promise<ExperimentDetail> {
    return this.getJson(`/api/evals/experiments/${encodeURIComponent(ref)}?wait=1`)
  }

  compare(a: string, b: string): Promise<ExperimentComparison> {
    const query = new URLSearchParams({ a, b, wait: '1' })
    return this.getJson(`/api/evals/compare?${query.toString()}`)
  }

  close(): void {}

  private async getJson<T>(path: string): Promise<T> {
    const url = `${this.core.uiUrl}${path}`
    let response: Response
    try {
      response = await fetch(url, { headers: { Authorization: `Bearer ${this.core.token}` } })
    } catch (error) {
      throw new CliError(
        `cannot reach the Loupe core at ${this.core.uiUrl} (pid ${this.core.pid}): ${(error as Error).message}`,
      )
    }
    const text = await response.text()
    if (response.ok) return JSON.parse(text) as T
    throw new CliError(errorText(text) ?? `the Loupe core returned HTTP ${response.status}`)
  }
}

/** Returns the `error` of a JSON error body, or null when the body is not one. */
function errorText(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    return typeof body.error === 'string' ? body.error : null
  } catch {
    return null
  }
}

/** Reads the store file directly, read-only, when no core serves the folder. */
class StoreSource implements ExperimentSource {
  private db: Database.Database | null = null
  private queries: ExperimentQueries | null = null

  constructor(private readonly dataDir: string) {}

  async list(limit: number): Promise<ExperimentSummary[]> {
    return this.open()?.list(limit) ?? []
  }

  async get(ref: string): Promise<ExperimentDetail> {
    const queries = this.open()
    if (queries === null)
      throw new CliError(`no experiment ${JSON.stringify(ref)}: ${this.noStore()}`)
    return lookup(() => queries.get(ref))
  }

  async compare(a: string, b: string): Promise<ExperimentComparison> {
    const queries = this.open()
    if (queries === null) throw new CliError(`no experiments to compare: ${this.noStore()}`)
    return lookup(() => compareExperiments(queries.get(a), queries.get(b)))
  }

  close(): void {
    this.db?.close()
  }

  private noStore(): string {
    return `the folder ${this.dataDir} has no store yet; send traces to Loupe first`
  }

  private open(): ExperimentQueries | null {
    if (this.queries) return this.queries
    if (!existsSync(join(this.dataDir, DATABASE_FILE))) return null
    this.db = openDatabase(this.dataDir, { readonly: true })
    this.queries = new ExperimentQueries(this.db)
    return this.queries
  }
}

function lookup<T>(answer: () => T): T {
  try {
    return answer()
  } catch (error) {
    if (error instanceof ExperimentLookupError) throw new CliError(error.message)
    throw error
  }
}
