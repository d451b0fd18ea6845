// Evaluates one alert rule with one read-only query over the SQL explorer's
// views (docs/sql.md), through the query runner. The built-in kinds are
// turned into SQL here; a sql rule runs its own statement.

import type {
  AlertEvidence,
  AlertRule,
  AlertWindow,
  CostPerHourRule,
  ErrorRateRule,
  SqlRule,
} from '../../shared/alerts'
import type { QueryRequest, QueryResult } from '../../shared/api'
import { GATEWAY_SERVICE_NAME } from '../gateway/telemetry'
import { DEFAULT_ERROR_RATE_WINDOW, durationSeconds } from './rules'

/** Runs one read-only statement; rejects with a QueryError. */
export type QueryFunction = (request: QueryRequest) => Promise<QueryResult>

/** The result of one evaluation of a rule. */
export interface Evaluation {
  firing: boolean
  value: number | null
  threshold: number | null
  window: AlertWindow | null
  traceIds: string[]
  evidence: AlertEvidence
  summary: string
}

/** Maximum number of trace ids that an alert carries. */
export const MAX_TRACE_IDS = 10
/** Maximum number of rows of a sql rule's result that an alert carries. */
export const MAX_EVIDENCE_ROWS = 20
/** Maximum number of rows read from a sql rule's query. */
const SQL_RULE_LIMIT_ROWS = 10_000

/** A rule that ran but whose result cannot be read, such as a missing value column. */
export class RuleEvaluationError extends Error {
  override name = 'RuleEvaluationError'
}

export async function evaluateRule(
  rule: AlertRule,
  query: QueryFunction,
  now: Date,
): Promise<Evaluation> {
  switch (rule.kind) {
    case 'error_rate':
      return evaluateErrorRate(rule, query, now)
    case 'cost_per_hour':
      return evaluateCostPerHour(rule, query, now)
    case 'sql':
      return evaluateSql(rule, query)
    default:
      return assertNever(rule)
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown rule kind in ${JSON.stringify(value)}`)
}

/** Quotes text as an SQLite string literal; SQLite has no backslash escapes, so doubling quotes is enough. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

function windowOf(duration: string, now: Date): AlertWindow & { startNs: bigint } {
  const seconds = durationSeconds(duration)!
  const startMs = now.getTime() - seconds * 1000
  return {
    duration,
    seconds,
    start: new Date(startMs).toISOString(),
    end: now.toISOString(),
    startNs: BigInt(Math.round(startMs)) * 1_000_000n,
  }
}

function filterSql(rule: { agent?: string; service?: string }): string {
  const conditions: string[] = []
  if (rule.agent !== undefined) conditions.push(`AND agent_name = ${sqlString(rule.agent)}`)
  if (rule.service !== undefined) conditions.push(`AND service_name = ${sqlString(rule.service)}`)
  return conditions.join(' ')
}

/** Returns the only row of a result as an object keyed by column name. */
function onlyRow(result: QueryResult): Record<string, string | number | null> {
  const row = result.rows[0] ?? []
  return Object.fromEntries(result.columns.map((name, i) => [name, row[i] ?? null]))
}

function jsonArray(text: string | number | null): string[] {
  return typeof text === 'string' ? (JSON.parse(text) as string[]) : []
}

function withoutWindowStart(window: AlertWindow & { startNs: bigint }): AlertWindow {
  const { startNs: _startNs, ...rest } = window
  return rest
}

/** Formats a number for a summary: two decimals from 1 up, three significant digits below. */
/**
 * Formats a value for a summary in plain decimal notation (0.0000001, not
 * 1e-7): two decimals at most from 1 up, three significant digits below.
 */
function formatNumber(value: number): string {
  const digits: Intl.NumberFormatOptions =
    Math.abs(value) >= 1 ? { maximumFractionDigits: 2 } : { maximumSignificantDigits: 3 }
  return value.toLocaleString('en-US', { ...digits, useGrouping: false })
}

/** Returns "1 agent run" or "2 agent runs". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * Error rate: of the agent runs (the `agent_runs` view, nested runs
 * included) that ended in the window, the percent whose error class is not
 * `none`, or is one of `errorClasses` when the rule lists them.
 */
export function errorRateSql(rule: ErrorRateRule, startNs: bigint): string {
  const classes =
    rule.errorClasses === undefined
      ? ''
      : `AND error_class IN (${rule.errorClasses.map(sqlString).join(', ')})`
  return `WITH runs AS MATERIALIZED (
  SELECT trace_id, end_ns, error_class,
    coalesce(error_class, 'none') <> 'none' ${classes} AS failed
  FROM agent_runs
  WHERE end_ns >= ${startNs} ${filterSql(rule)}
)
SELECT
  (SELECT count(*) FROM runs) AS runs,
  (SELECT count(*) FROM runs WHERE failed) AS failures,
  (SELECT json_group_object(error_class, n) FROM
    (SELECT error_class, count(*) AS n FROM runs WHERE failed GROUP BY error_class)) AS classes,
  (SELECT json_group_array(trace_id) FROM
    (SELECT trace_id FROM runs WHERE failed GROUP BY trace_id ORDER BY max(end_ns) DESC
     LIMIT ${MAX_TRACE_IDS})) AS trace_ids`
}

async function evaluateErrorRate(
  rule: ErrorRateRule,
  query: QueryFunction,
  now: Date,
): Promise<Evaluation> {
  const window = windowOf(rule.window ?? DEFAULT_ERROR_RATE_WINDOW, now)
  const row = onlyRow(await query({ sql: errorRateSql(rule, window.startNs) }))
  const runs = Number(row.runs ?? 0)
  const failures = Number(row.failures ?? 0)
  const minRuns = rule.minRuns ?? 1
  const value = runs === 0 ? null : (failures / runs) * 100
  const firing = value !== null && runs >= minRuns && value > rule.threshold
  const subject = describeCount(rule, runs, 'agent run')
  const summary =
    runs < minRuns
      ? `${subject} ended in the last ${window.duration}, fewer than the ${minRuns} needed`
      : `${formatNumber(value!)}% of ${subject} failed in the last ${window.duration} ` +
        `(threshold ${formatNumber(rule.threshold)}%)`
  return {
    firing,
    value,
    threshold: rule.threshold,
    window: withoutWindowStart(window),
    traceIds: jsonArray(row.trace_ids ?? null),
    evidence: {
      kind: 'error_rate',
      runs,
      failures,
      minRuns,
      errorClasses: JSON.parse(String(row.classes ?? '{}')) as Record<string, number>,
    },
    summary,
  }
}

/** Returns, say, "3 agent runs of agent triage in service api". */
function describeCount(
  rule: { agent?: string; service?: string },
  count: number,
  noun: string,
): string {
  const parts = [counted(count, noun)]
  if (rule.agent !== undefined) parts.push(`of agent ${rule.agent}`)
  if (rule.service !== undefined) parts.push(`in service ${rule.service}`)
  return parts.join(' ')
}

/**
 * True for a model call that the gateway recorded in the own trace of a
 * `loupe run` whose agent recorded its model calls in another trace: the
 * same call, recorded twice. A run's totals leave these copies out too. The
 * run links are read from the store's tables, because no view has them
 * indexed.
 */
const GATEWAY_COPY = `(service_name = '${GATEWAY_SERVICE_NAME}' AND EXISTS (
    SELECT 1 FROM main.run_traces own
      JOIN main.run_traces other ON other.run_id = own.run_id AND other.trace_id <> own.trace_id
      JOIN main.trace_genai agent_trace ON agent_trace.trace_id = other.trace_id
    WHERE own.trace_id = model_calls.trace_id AND agent_trace.model_calls > 0))`

/**
 * Cost of the last hour. Without an agent filter, the sum over the model
 * calls that ended in the hour, each counted once. With one, the cost of that
 * agent's runs that ended in the hour, calls of the agents it called
 * included.
 */
export function costPerHourSql(rule: CostPerHourRule, startNs: bigint): string {
  // NOTE: an agent run nested in a run of the same agent is counted in both,
  // because the agent_runs view has no column that marks the outermost run.
  const source =
    rule.agent === undefined
      ? `SELECT trace_id, cost_usd, 1 AS calls, cost_source = 'unpriced' AS unpriced
  FROM model_calls WHERE counted = 1 AND end_ns >= ${startNs} ${filterSql(rule)}
    AND NOT ${GATEWAY_COPY}`
      : `SELECT trace_id, cost_usd, model_calls AS calls, unpriced_calls AS unpriced
  FROM agent_runs WHERE end_ns >= ${startNs} ${filterSql(rule)}`
  return `WITH spent AS MATERIALIZED (
  ${source}
)
SELECT
  (SELECT coalesce(sum(cost_usd), 0) FROM spent) AS cost_usd,
  (SELECT coalesce(sum(calls), 0) FROM spent) AS calls,
  (SELECT coalesce(sum(unpriced), 0) FROM spent) AS unpriced,
  (SELECT json_group_array(trace_id) FROM
    (SELECT trace_id FROM spent GROUP BY trace_id HAVING sum(cost_usd) > 0
     ORDER BY sum(cost_usd) DESC LIMIT ${MAX_TRACE_IDS})) AS trace_ids`
}

async function evaluateCostPerHour(
  rule: CostPerHourRule,
  query: QueryFunction,
  now: Date,
): Promise<Evaluation> {
  const window = windowOf('1h', now)
  const row = onlyRow(await query({ sql: costPerHourSql(rule, window.startNs) }))
  const costUsd = Number(row.cost_usd ?? 0)
  const calls = Number(row.calls ?? 0)
  const unpricedCalls = Number(row.unpriced ?? 0)
  const unpriced = unpricedCalls > 0 ? `, ${unpricedCalls} without a price` : ''
  return {
    firing: costUsd > rule.threshold,
    value: costUsd,
    threshold: rule.threshold,
    window: withoutWindowStart(window),
    traceIds: jsonArray(row.trace_ids ?? null),
    evidence: { kind: 'cost_per_hour', costUsd, calls, unpricedCalls },
    summary:
      `$${formatCost(costUsd)} spent on ${describeCount(rule, calls, 'model call')} ` +
      `in the last hour${unpriced} (threshold $${formatCost(rule.threshold)})`,
  }
}

function formatCost(usd: number): string {
  return usd >= 1 ? usd.toFixed(2) : formatNumber(usd)
}

/** Reads a cell of a value column as a number; null stays null. */
function numericCell(cell: string | number | null, column: string, row: number): number | null {
  if (cell === null) return null
  const value = typeof cell === 'number' ? cell : Number(cell)
  if (typeof cell === 'string' && (cell.trim() === '' || !Number.isFinite(value))) {
    throw new RuleEvaluationError(
      `row ${row + 1} has ${JSON.stringify(cell.slice(0, 100))} in column ${column}, not a number`,
    )
  }
  return value
}

/** Says how a sql rule's value column compares with its threshold. `value` is the highest (above) or lowest (below). */
function valueSummary(
  column: string,
  value: number | null,
  threshold: number,
  above: boolean,
  matchedRows: number,
  rows: number,
): string {
  const direction = above ? 'above' : 'below'
  if (value === null) return `the query returned no value in ${column}`
  if (matchedRows === 0) {
    return `${column} is ${formatNumber(value)}, not ${direction} ${formatNumber(threshold)}`
  }
  return (
    `${column} is ${direction} ${formatNumber(threshold)} in ${matchedRows} of ${rows} rows ` +
    `(${above ? 'highest' : 'lowest'} ${formatNumber(value)})`
  )
}

async function evaluateSql(rule: SqlRule, query: QueryFunction): Promise<Evaluation> {
  const result = await query({
    sql: rule.sql,
    limitRows: SQL_RULE_LIMIT_ROWS,
    timeoutMs: rule.timeoutMs,
  })
  const more = result.truncated ? ' or more' : ''
  let matched = result.rows
  let value: number | null = result.rows.length
  let summary = `the query returned ${counted(result.rows.length, 'row')}${more}`
  if (rule.valueColumn !== undefined) {
    const column = rule.valueColumn
    const index = result.columns.indexOf(column)
    if (index === -1) {
      throw new RuleEvaluationError(
        `the query returned no column ${column}; its columns are ${result.columns.join(', ')}`,
      )
    }
    const above = (rule.direction ?? 'above') === 'above'
    const threshold = rule.threshold!
    const values = result.rows.map((row, i) => numericCell(row[index]!, column, i))
    matched = result.rows.filter((_, i) => {
      const cell = values[i]
      return cell !== null && cell !== undefined && (above ? cell > threshold : cell < threshold)
    })
    const present = values.filter((cell) => cell !== null)
    if (present.length === 0) value = null
    else if (above) value = Math.max(...present)
    else value = Math.min(...present)
    summary = valueSummary(column, value, threshold, above, matched.length, result.rows.length)
  }
  const traceColumn = result.columns.indexOf('trace_id')
  const traceIds =
    traceColumn === -1
      ? []
      : [...new Set(matched.map((row) => row[traceColumn]).filter((id) => typeof id === 'string'))]
  return {
    firing: matched.length > 0,
    value,
    threshold: rule.threshold ?? null,
    window: null,
    traceIds: (traceIds as string[]).slice(0, MAX_TRACE_IDS),
    evidence: {
      kind: 'sql',
      columns: result.columns,
      rows: matched.slice(0, MAX_EVIDENCE_ROWS),
      matchedRows: matched.length,
    },
    summary,
  }
}
