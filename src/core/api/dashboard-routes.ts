// The API of the dashboards page and the SQL explorer's editor:
//
//   GET    /api/dashboards?from=&to=     built-in panels and pinned charts, with their rows
//   GET    /api/dashboards/pinned        pinned charts
//   POST   /api/dashboards/pinned        pin a chart (201)
//   GET    /api/dashboards/pinned/ID     one pinned chart
//   PUT    /api/dashboards/pinned/ID     replace a pinned chart
//   DELETE /api/dashboards/pinned/ID     remove a pinned chart
//   GET    /api/query/schema             the views' columns and the helper functions
//
// Panel queries run in query processes like any user SQL, so a slow panel
// does not block the core's event loop.

import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { QueryErrorJson } from '../../shared/api'
import type {
  DashboardJson,
  PanelJson,
  PinnedChart,
  PinnedChartInput,
  QuerySchemaJson,
} from '../../shared/dashboards'
import { builtInPanels, type PanelDefinition } from '../dashboards/panels'
import { MAX_PINNED_CHARTS, PinnedCharts, pinnedChartInputSchema } from '../dashboards/pinned'
import { parseTimeRange, TimeRangeError } from '../dashboards/time-range'
import type { StatementOutcome, BatchOptions } from '../query/runner'
import { describeQuerySchema } from '../query/schema-info'
import { QueryError } from '../query/statement'
import type { ApiResult } from '../runner/playground'

/** Time limit of all the panels of one page load together, in milliseconds. */
export const DASHBOARD_TIMEOUT_MS = 30_000
/** Time limit of the check run of a chart's SQL when it is pinned. */
const PIN_CHECK_TIMEOUT_MS = 10_000

export interface DashboardRoutesOptions {
  db: Database.Database
  dataDir: string
  /** Runs statements in a query process (QueryRunner.runBatch). */
  runBatch: (statements: string[], options: BatchOptions) => Promise<StatementOutcome[]>
  log: Logger
  /** The current time in Unix milliseconds; Date.now unless a test sets it. */
  now?: () => number
}

function failure(status: number, error: string, extra: object = {}): ApiResult {
  return { status, body: { error, ...extra } }
}

function errorJson(error: QueryError): QueryErrorJson {
  return { error: error.message, code: error.code }
}

export class DashboardRoutes {
  private readonly pinned: PinnedCharts
  private schema: QuerySchemaJson | null = null

  constructor(private readonly options: DashboardRoutesOptions) {
    this.pinned = new PinnedCharts(options.db)
  }

  /** Returns true for the paths (split on "/", starting with "api") that this module serves. */
  handles(parts: string[]): boolean {
    return parts[1] === 'dashboards' || (parts[1] === 'query' && parts[2] === 'schema')
  }

  /** Serves one request; `body` is the parsed JSON body of a POST or PUT, else null. */
  async route(
    method: string,
    parts: string[],
    params: URLSearchParams,
    body: unknown,
  ): Promise<ApiResult> {
    const path = `/${parts.join('/')}`
    if (parts[1] === 'query') {
      if (method === 'GET' && parts.length === 3) return { status: 200, body: this.querySchema() }
      return failure(404, `no API route ${method} ${path}`)
    }
    if (parts.length === 2) {
      if (method === 'GET') return this.dashboard(params)
      return failure(405, `${method} is not allowed on ${path}; use GET`)
    }
    if (parts[2] !== 'pinned' || parts.length > 4)
      return failure(404, `no API route ${method} ${path}`)
    const id = parts[3]
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: this.pinned.list() }
      if (method === 'POST') return this.pin(body)
      return failure(405, `${method} is not allowed on ${path}; use GET or POST`)
    }
    if (method === 'GET') {
      const chart = this.pinned.get(id)
      return chart ? { status: 200, body: chart } : notFound(id)
    }
    if (method === 'PUT') return this.replace(id, body)
    if (method === 'DELETE') {
      if (!this.pinned.delete(id)) return notFound(id)
      this.options.log.info({ chartId: id }, 'pinned chart removed')
      return { status: 200, body: { deleted: id } }
    }
    return failure(405, `${method} is not allowed on ${path}; use GET, PUT or DELETE`)
  }

  private querySchema(): QuerySchemaJson {
    // The views' columns only change with Loupe's version, so one read serves the process.
    this.schema ??= describeQuerySchema(this.options.dataDir)
    return this.schema
  }

  private async dashboard(params: URLSearchParams): Promise<ApiResult> {
    let range
    try {
      range = parseTimeRange(params, (this.options.now ?? Date.now)())
    } catch (error) {
      if (!(error instanceof TimeRangeError)) throw error
      this.options.log.info(`dashboard request rejected: ${error.message}`)
      return failure(400, error.message)
    }
    const definitions = builtInPanels(range)
    const pinned = this.pinned.list()
    let outcomes: [StatementOutcome[], StatementOutcome[]]
    try {
      outcomes = await Promise.all([
        this.runPanels(definitions.map((panel) => panel.sql)),
        this.runPanels(pinned.map((chart) => chart.sql)),
      ])
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
      this.options.log.warn({ code: error.code }, `dashboard queries failed: ${error.message}`)
      return failure(error.code === 'busy' ? 503 : 500, error.message, { code: error.code })
    }
    const [builtIn, pinnedResults] = outcomes
    const body: DashboardJson = {
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      bucket: range.bucket,
      panels: definitions.map((panel, index) => this.panel(panel, builtIn[index]!)),
      pinned: pinned.map((chart, index) => this.panel(pinnedPanel(chart), pinnedResults[index]!)),
    }
    return { status: 200, body }
  }

  private async runPanels(statements: string[]): Promise<StatementOutcome[]> {
    if (statements.length === 0) return []
    return this.options.runBatch(statements, { timeoutMs: DASHBOARD_TIMEOUT_MS })
  }

  private panel(definition: PanelDefinition, outcome: StatementOutcome): PanelJson {
    if ('result' in outcome) return { ...definition, result: outcome.result, error: null }
    const error =
      outcome.error.code === 'timeout'
        ? new QueryError(
            `the query did not finish within ${DASHBOARD_TIMEOUT_MS} ms, the time limit of ` +
              'the dashboards page, and was stopped. Choose a shorter time range, or open ' +
              'the query in the SQL explorer to run it with a longer limit.',
            'timeout',
          )
        : outcome.error
    this.options.log.warn(
      { panel: definition.id, code: error.code },
      `dashboard panel query failed: ${error.message}`,
    )
    return { ...definition, result: null, error: errorJson(error) }
  }

  private async pin(body: unknown): Promise<ApiResult> {
    const checked = await this.checkInput(body)
    if ('status' in checked) {
      this.options.log.info({ status: checked.status }, 'chart not pinned: invalid input')
      return checked
    }
    if (this.pinned.count() >= MAX_PINNED_CHARTS) {
      return failure(
        409,
        `${MAX_PINNED_CHARTS} charts are pinned already, the maximum; remove one from the dashboards page first`,
      )
    }
    const chart = this.pinned.create(checked.input)
    this.options.log.info({ chartId: chart.id }, 'chart pinned')
    return { status: 201, body: chart }
  }

  private async replace(id: string, body: unknown): Promise<ApiResult> {
    if (this.pinned.get(id) === null) return notFound(id)
    const checked = await this.checkInput(body)
    if ('status' in checked) {
      this.options.log.info({ chartId: id, status: checked.status }, 'pinned chart not replaced')
      return checked
    }
    const chart = this.pinned.update(id, checked.input)
    return chart ? { status: 200, body: chart } : notFound(id)
  }

  /**
   * Validates a pinned chart: its fields, then its SQL by running it for one
   * row, then that the chart's columns are in the result. Returns the input,
   * or the 400 reply that names the problem.
   */
  private async checkInput(body: unknown): Promise<{ input: PinnedChartInput } | ApiResult> {
    const parsed = pinnedChartInputSchema.safeParse(body)
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`,
      )
      return failure(400, `invalid pinned chart: ${problems.join('; ')}`, { problems })
    }
    const input = parsed.data

    let outcome: StatementOutcome | undefined
    try {
      ;[outcome] = await this.options.runBatch([input.sql], {
        limitRows: 1,
        timeoutMs: PIN_CHECK_TIMEOUT_MS,
      })
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
      return failure(error.code === 'busy' ? 503 : 500, error.message, { code: error.code })
    }
    if ('error' in outcome!) {
      return failure(400, `the chart's SQL cannot be pinned: ${outcome.error.message}`, {
        code: outcome.error.code,
      })
    }

    const columns = outcome!.result.columns
    const chart = input.chart
    const required = [chart.x, ...chart.y, ...(chart.series === null ? [] : [chart.series])]
    const missing = required.filter((name) => !columns.includes(name))
    if (missing.length > 0) {
      const problems = missing.map(
        (name) => `chart: column ${name} is not in the query's result (${columns.join(', ')})`,
      )
      return failure(400, `invalid pinned chart: ${problems.join('; ')}`, { problems })
    }
    return { input }
  }
}

function notFound(id: string): ApiResult {
  return failure(404, `pinned chart ${id} not found`)
}

function pinnedPanel(chart: PinnedChart): PanelDefinition {
  return {
    id: chart.id,
    title: chart.title,
    description: `Pinned from the SQL explorer on ${chart.createdAt.slice(0, 10)}. Its SQL runs as written, so the time range does not apply.`,
    sql: chart.sql,
    chart: chart.chart,
    emptyText: 'The query returned no rows.',
  }
}
