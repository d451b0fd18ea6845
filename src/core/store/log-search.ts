// Read side of the logs view: OTLP log records (table logs) and Logfire logs
// (spans with logfire.span_type = 'log', found through span_genai) merged
// into one list, newest first, filtered and paged by a cursor.

import type Database from 'better-sqlite3'
import type { AttributeMap, JsonValue } from '../../shared/api'
import type { LogEntryJson, LogPage } from '../../shared/logs'
import { nsToIso } from './queries'

/** A validated `GET /api/logs` query, with times in Unix nanoseconds. */
export interface LogFilter {
  minSeverity: number | null
  text: string | null
  service: string | null
  traceId: string | null
  sinceNs: bigint | null
  untilNs: bigint | null
  before: LogCursor | null
  limit: number
}

export interface LogCursor {
  timeNs: bigint
  /** 0 for an OTLP log record, 1 for a Logfire log span. */
  source: number
  rowId: bigint
}

interface LogEntryRow {
  source: bigint
  row_id: bigint
  time_ns: bigint
  severity_number: bigint | null
  severity_text: string
  body: string
  attributes: string
  trace_id: string | null
  span_id: string | null
  log_span_id: string | null
  event_name: string
  service_name: string | null
}

/**
 * A record's time: its own, or the time the SDK observed it when the record
 * has none (OTLP allows time_unix_nano = 0).
 */
const OTLP_TIME = 'coalesce(nullif(l.time_ns, 0), l.observed_time_ns)'

const OTLP_SELECT = `SELECT 0 AS source, l.id AS row_id, ${OTLP_TIME} AS time_ns,
    l.severity_number, l.severity_text, l.body, l.attributes, l.trace_id, l.span_id,
    NULL AS log_span_id, l.event_name, r.service_name
  FROM logs l JOIN resources r ON r.id = l.resource_id`

// A Logfire log is logged inside the span that is its parent. Its level is
// Logfire's level number, which uses OTel's severity numbers.
const LOG_SPAN_SELECT = `SELECT 1 AS source, s.id AS row_id, s.start_ns AS time_ns,
    coalesce(g.level, 9) AS severity_number, '' AS severity_text, g.title AS body, s.attributes,
    s.trace_id, s.parent_span_id AS span_id, s.span_id AS log_span_id, '' AS event_name,
    r.service_name
  FROM span_genai g JOIN spans s ON s.id = g.span_row_id JOIN resources r ON r.id = s.resource_id`

const LOG_SPAN_CONDITION = "g.span_type = 'log' AND s.pending = 0"

const CURSOR_PATTERN = /^(\d+)\.([01])\.(\d+)$/

/** Parses the `cursor` of a LogEntryJson, or returns null when it is not one. */
export function parseLogCursor(text: string): LogCursor | null {
  const match = CURSOR_PATTERN.exec(text)
  if (match === null) return null
  return { timeNs: BigInt(match[1]!), source: Number(match[2]), rowId: BigInt(match[3]!) }
}

export class LogSearch {
  private readonly statements = new Map<string, Database.Statement>()
  private readonly traceLogSpans: Database.Statement
  private readonly traceRecords: Database.Statement
  private readonly serviceNames: Database.Statement

  constructor(private readonly db: Database.Database) {
    this.traceRecords = db
      .prepare(`${OTLP_SELECT} WHERE l.trace_id = ? ORDER BY time_ns, row_id`)
      .safeIntegers(true)
    this.traceLogSpans = db
      .prepare(
        `${LOG_SPAN_SELECT} WHERE g.trace_id = ? AND ${LOG_SPAN_CONDITION} ORDER BY time_ns, row_id`,
      )
      .safeIntegers(true)
    this.serviceNames = db
      .prepare(
        'SELECT DISTINCT service_name FROM resources WHERE service_name IS NOT NULL ORDER BY 1',
      )
      .pluck()
  }

  /** Returns one page of log entries matching `filter`, newest first. */
  search(filter: LogFilter): LogPage {
    const { sql, params } = searchStatement(filter)
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql).safeIntegers(true)
      this.statements.set(sql, statement)
    }
    // Reading one row more than the limit shows whether an older page exists.
    const rows = statement.all(...params, filter.limit + 1) as LogEntryRow[]
    const records = rows.slice(0, filter.limit).map(logEntry)
    return {
      records,
      nextBefore: rows.length > filter.limit ? records[records.length - 1]!.cursor : null,
      services: this.serviceNames.all() as string[],
    }
  }

  /** Returns a trace's OTLP log records and Logfire logs, oldest first. */
  traceLogs(traceId: string): LogEntryJson[] {
    const rows = [
      ...(this.traceRecords.all(traceId) as LogEntryRow[]),
      ...(this.traceLogSpans.all(traceId) as LogEntryRow[]),
    ]
    rows.sort((a, b) => compareBig(a.time_ns, b.time_ns) || compareBig(a.row_id, b.row_id))
    return rows.map(logEntry)
  }
}

/** SQL conditions with their parameters, one list per branch of the union. */
interface Conditions {
  otlp: string[]
  otlpParams: unknown[]
  spans: string[]
  spanParams: unknown[]
}

function searchStatement(filter: LogFilter): { sql: string; params: unknown[] } {
  const where = filterConditions(filter)
  const otlpWhere = where.otlp.length > 0 ? `WHERE ${where.otlp.join(' AND ')}` : ''
  let cursorWhere = ''
  const cursorParams: unknown[] = []
  if (filter.before !== null) {
    const { timeNs, source, rowId } = filter.before
    cursorWhere =
      'WHERE time_ns < ? OR (time_ns = ? AND (source < ? OR (source = ? AND row_id < ?)))'
    cursorParams.push(timeNs, timeNs, source, source, rowId)
  }

  const sql = `SELECT * FROM (
      ${OTLP_SELECT} ${otlpWhere}
      UNION ALL
      ${LOG_SPAN_SELECT} WHERE ${where.spans.join(' AND ')}
    ) ${cursorWhere}
    ORDER BY time_ns DESC, source DESC, row_id DESC LIMIT ?`
  return { sql, params: [...where.otlpParams, ...where.spanParams, ...cursorParams] }
}

/** Builds the filter's conditions for the OTLP records and for the Logfire log spans. */
function filterConditions(filter: LogFilter): Conditions {
  const where: Conditions = {
    otlp: [],
    otlpParams: [],
    spans: [LOG_SPAN_CONDITION],
    spanParams: [],
  }
  const add = (otlp: string, spans: string, ...params: unknown[]) => {
    where.otlp.push(otlp)
    where.otlpParams.push(...params)
    where.spans.push(spans)
    where.spanParams.push(...params)
  }

  if (filter.minSeverity !== null) {
    add('l.severity_number >= ?', 'coalesce(g.level, 9) >= ?', filter.minSeverity)
  }
  if (filter.text !== null) {
    const pattern = `%${escapeLike(filter.text)}%`
    where.otlp.push("(l.body LIKE ? ESCAPE '\\' OR l.event_name LIKE ? ESCAPE '\\')")
    where.otlpParams.push(pattern, pattern)
    where.spans.push("g.title LIKE ? ESCAPE '\\'")
    where.spanParams.push(pattern)
  }
  if (filter.service !== null) add('r.service_name = ?', 'r.service_name = ?', filter.service)
  if (filter.traceId !== null) add('l.trace_id = ?', 'g.trace_id = ?', filter.traceId)
  if (filter.sinceNs !== null) add(`${OTLP_TIME} >= ?`, 's.start_ns >= ?', filter.sinceNs)
  if (filter.untilNs !== null) add(`${OTLP_TIME} < ?`, 's.start_ns < ?', filter.untilNs)
  return where
}

function logEntry(row: LogEntryRow): LogEntryJson {
  const fromSpan = row.source === 1n
  const severityNumber = Number(row.severity_number ?? 0)
  return {
    time: nsToIso(row.time_ns),
    timeUnixNano: row.time_ns.toString(),
    severityNumber,
    severityText: fromSpan ? logfireLevelName(severityNumber) : row.severity_text,
    body: fromSpan ? row.body : (JSON.parse(row.body) as JsonValue),
    attributes: JSON.parse(row.attributes) as AttributeMap,
    traceId: row.trace_id,
    spanId: row.span_id,
    eventName: row.event_name,
    serviceName: row.service_name,
    source: fromSpan ? 'span' : 'otlp',
    logSpanId: row.log_span_id,
    cursor: `${row.time_ns}.${row.source}.${row.row_id}`,
  }
}

/** Logfire's name of a level number: 1 trace, 5 debug, 9 info, 10 notice, 13 warn, 17 error, 21 fatal. */
function logfireLevelName(level: number): string {
  if (level >= 21) return 'fatal'
  if (level >= 17) return 'error'
  if (level >= 13) return 'warn'
  if (level >= 10) return 'notice'
  if (level >= 9) return 'info'
  if (level >= 5) return 'debug'
  return 'trace'
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

function compareBig(a: bigint, b: bigint): number {
  if (a < b) return -1
  if (a > b) return 1
  return 0
}
