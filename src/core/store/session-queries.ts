// Read side of sessions: the traces that trace_sessions puts in one session,
// with totals from their summaries (traces) and their GenAI rollups
// (trace_genai). A trace not yet normalized counts as a run with no tokens
// and no cost until the normalizer reaches it.

import type Database from 'better-sqlite3'
import type { TraceSummary } from '../../shared/api'
import type { SessionDetail, SessionPage, SessionSummary } from '../../shared/sessions'
import { nsToIso, type TraceQueries } from './queries'
import { SESSION_KEYS } from './session-index'

export interface SessionFilter {
  /** Case-insensitive text that the session id contains. */
  text: string | null
  /** Sessions with at least this many runs. */
  minRuns: number
  before: SessionCursor | null
  limit: number
}

export interface SessionCursor {
  lastNs: bigint
  sessionId: string
}

interface SessionRow {
  session_id: string
  rank: bigint
  runs: bigint
  first_ns: bigint
  last_ns: bigint
  cost_usd: number | null
  unpriced_calls: bigint
  input_tokens: bigint
  output_tokens: bigint
  model_calls: bigint
  errors: bigint
  agents: string
  services: string
}

/** Runs listed on a session's page at most; the totals still count every run. */
export const MAX_SESSION_RUNS = 1000

// A run failed when its GenAI rollup gave it an error class, or, before
// normalization, when its root span ended with status ERROR.
const SESSION_COLUMNS = `ts.session_id, min(ts.rank) AS rank, count(*) AS runs,
  min(t.start_ns) AS first_ns, max(t.end_ns) AS last_ns,
  sum(tg.cost_usd) AS cost_usd,
  coalesce(sum(tg.unpriced_calls), 0) AS unpriced_calls,
  coalesce(sum(tg.input_tokens), 0) AS input_tokens,
  coalesce(sum(tg.output_tokens), 0) AS output_tokens,
  coalesce(sum(tg.model_calls), 0) AS model_calls,
  sum(CASE WHEN coalesce(tg.error_class, 'none') <> 'none'
    OR (t.root_span_id IS NOT NULL AND t.root_status = 2) THEN 1 ELSE 0 END) AS errors,
  json_group_array(DISTINCT tg.agent_name) AS agents,
  json_group_array(DISTINCT t.service_name) AS services`

const SESSION_FROM = `FROM trace_sessions ts
  JOIN traces t ON t.trace_id = ts.trace_id
  LEFT JOIN trace_genai tg ON tg.trace_id = ts.trace_id`

/** Parses a `nextBefore` value (`<last end in Unix ns>:<session id>`), or returns null. */
export function parseSessionCursor(text: string): SessionCursor | null {
  const match = /^(\d+):([\s\S]+)$/.exec(text)
  if (match === null) return null
  return { lastNs: BigInt(match[1]!), sessionId: match[2]! }
}

export class SessionQueries {
  private readonly statements

  constructor(
    db: Database.Database,
    private readonly traces: TraceQueries,
  ) {
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true)
    this.statements = {
      list: prepare(
        `SELECT ${SESSION_COLUMNS} ${SESSION_FROM}
         WHERE @text IS NULL OR ts.session_id LIKE @text ESCAPE '\\'
         GROUP BY ts.session_id
         HAVING count(*) >= @minRuns AND (@beforeNs IS NULL OR max(t.end_ns) < @beforeNs
           OR (max(t.end_ns) = @beforeNs AND ts.session_id < @beforeId))
         ORDER BY last_ns DESC, ts.session_id DESC LIMIT @limit`,
      ),
      byId: prepare(
        `SELECT ${SESSION_COLUMNS} ${SESSION_FROM} WHERE ts.session_id = ? GROUP BY ts.session_id`,
      ),
      runIds: prepare(
        `SELECT ts.trace_id FROM trace_sessions ts JOIN traces t ON t.trace_id = ts.trace_id
         WHERE ts.session_id = ? ORDER BY t.start_ns, ts.trace_id LIMIT ?`,
      ).pluck(),
      ofTrace: prepare('SELECT session_id FROM trace_sessions WHERE trace_id = ?').pluck(),
    }
  }

  /** Returns a page of sessions, the one whose last run ended most recently first. */
  list(filter: SessionFilter): SessionPage {
    const rows = this.statements.list.all({
      text: filter.text === null ? null : `%${escapeLike(filter.text)}%`,
      minRuns: filter.minRuns,
      beforeNs: filter.before?.lastNs ?? null,
      beforeId: filter.before?.sessionId ?? null,
      limit: filter.limit + 1,
    }) as SessionRow[]
    const sessions = rows.slice(0, filter.limit).map(sessionSummary)
    const last = sessions[sessions.length - 1]
    return {
      sessions,
      nextBefore:
        rows.length > filter.limit && last ? `${last.lastTimeUnixNano}:${last.sessionId}` : null,
    }
  }

  get(sessionId: string): SessionSummary | null {
    const row = this.statements.byId.get(sessionId) as SessionRow | undefined
    return row ? sessionSummary(row) : null
  }

  /** Returns the session with its runs in the order they started, or null when no trace names it. */
  detail(sessionId: string): SessionDetail | null {
    const session = this.get(sessionId)
    if (session === null) return null
    const ids = this.statements.runIds.all(sessionId, MAX_SESSION_RUNS) as string[]
    const runs = ids
      .map((id) => this.traces.getTrace(id))
      .filter((trace): trace is TraceSummary => trace !== null)
    return { session, runs, truncated: session.runs > runs.length }
  }

  /** Returns the session a trace belongs to, or null. */
  ofTrace(traceId: string): SessionSummary | null {
    const sessionId = this.statements.ofTrace.get(traceId.trim().toLowerCase()) as
      string | undefined
    return sessionId === undefined ? null : this.get(sessionId)
  }
}

function sessionSummary(row: SessionRow): SessionSummary {
  return {
    sessionId: row.session_id,
    source: SESSION_KEYS[Number(row.rank) - 1] ?? 'unknown',
    runs: Number(row.runs),
    firstTime: nsToIso(row.first_ns),
    firstTimeUnixNano: row.first_ns.toString(),
    lastTime: nsToIso(row.last_ns),
    lastTimeUnixNano: row.last_ns.toString(),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    unpricedCalls: Number(row.unpriced_calls),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    modelCalls: Number(row.model_calls),
    errors: Number(row.errors),
    agents: names(row.agents),
    services: names(row.services),
  }
}

/** Returns the strings of a JSON array that json_group_array built, sorted, without nulls. */
function names(json: string): string[] {
  const values = JSON.parse(json) as unknown[]
  return values.filter((value): value is string => typeof value === 'string').sort()
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}
