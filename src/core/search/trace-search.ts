// The filtered trace list: traces newest first that meet every condition of
// a TraceFilter, paged by start time. With text, each trace also gets the
// span that matched best and a snippet of the matching text.

import type Database from 'better-sqlite3'
import type { MatchField, TextMatch, TraceFilter, TraceListItem } from '../../shared/trace-filter'
import { TRACE_GENAI_COLUMNS } from '../store/genai-json'
import { traceSummary, type TraceRow } from '../store/queries'
import { filterConditions } from './filter-sql'
import { ftsQuery, SNIPPET_CLOSE, SNIPPET_OPEN, snippetParts } from './fts-query'

export interface TraceSearchOptions {
  limit: number
  /** Only traces that started before this time (Unix ns), for paging. */
  beforeNs?: bigint
  /** Only these traces (the ones a push reported changed). */
  traceIds?: string[]
  /** The time that relative bounds such as `since=24h` count back from; now by default. */
  nowMs?: number
}

/** Columns of search_text that hold text, in table order, with the field each one is. */
const TEXT_COLUMNS: { index: number; field: MatchField }[] = [
  { index: 2, field: 'name' },
  { index: 3, field: 'messages' },
  { index: 4, field: 'toolArguments' },
  { index: 5, field: 'toolResult' },
  { index: 6, field: 'error' },
  { index: 7, field: 'log' },
]

/** Words of context in a snippet, the match included. */
const SNIPPET_WORDS = 16

/** Prepared statements kept at most; each combination of filter fields has its own SQL. */
const MAX_CACHED_STATEMENTS = 64

interface ListRow extends TraceRow {
  hit_row?: bigint
  hit_count?: bigint
}

export class TraceSearch {
  private readonly cache = new Map<string, Database.Statement>()
  private readonly snippetStatement: Database.Statement

  constructor(private readonly db: Database.Database) {
    const snippets = TEXT_COLUMNS.map(
      ({ index, field }) =>
        `snippet(search_text, ${index}, char(1), char(2), '…', ${SNIPPET_WORDS}) AS ${field}`,
    ).join(', ')
    this.snippetStatement = db.prepare(
      `SELECT span_id, ${snippets} FROM search_text WHERE search_text MATCH ? AND rowid = ?`,
    )
  }

  /** Returns the traces that meet `filter`, newest first. */
  list(filter: TraceFilter, options: TraceSearchOptions): TraceListItem[] {
    const { conditions, params } = filterConditions(filter, options.nowMs ?? Date.now())
    if (options.beforeNs !== undefined) {
      conditions.push('t.start_ns < @beforeNs')
      params.beforeNs = options.beforeNs
    }
    if (options.traceIds !== undefined) {
      conditions.push('t.trace_id IN (SELECT value FROM json_each(@traceIds))')
      params.traceIds = JSON.stringify(options.traceIds)
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join('\n  AND ')}` : ''
    params.limit = options.limit

    if (filter.text === undefined) {
      const sql = `SELECT t.*, ${TRACE_GENAI_COLUMNS}
        FROM traces t LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id
        ${where} ORDER BY t.start_ns DESC LIMIT @limit`
      const rows = this.statement(sql).all(params) as ListRow[]
      return rows.map(traceSummary)
    }

    const query = ftsQuery(filter.text)
    params.text = query
    // One row per trace with its best-ranked match: SQLite fills the bare
    // column hit_row from the row that min(rank) picked.
    const sql = `WITH hits AS (
        SELECT trace_id, rowid AS hit_row, min(rank) AS hit_rank, count(*) AS hit_count
        FROM search_text WHERE search_text MATCH @text GROUP BY trace_id)
      SELECT t.*, ${TRACE_GENAI_COLUMNS}, hits.hit_row, hits.hit_count
      FROM traces t JOIN hits ON hits.trace_id = t.trace_id
        LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id
      ${where} ORDER BY t.start_ns DESC LIMIT @limit`
    const rows = this.statement(sql).all(params) as ListRow[]
    return rows.map((row) => ({ ...traceSummary(row), match: this.textMatch(query, row) }))
  }

  private textMatch(query: string, row: ListRow): TextMatch {
    const snippets = this.snippetStatement.get(query, row.hit_row) as
      (Record<MatchField, string> & { span_id: string | null }) | undefined
    const count = Number(row.hit_count ?? 0)
    if (!snippets) return { spanId: null, field: 'name', snippet: [], matchCount: count }
    const column =
      TEXT_COLUMNS.find(({ field }) => snippets[field].includes(SNIPPET_OPEN)) ?? TEXT_COLUMNS[0]!
    const marked = snippets[column.field]
    return {
      spanId: snippets.span_id,
      field: column.field,
      snippet: snippetParts(marked.replaceAll(SNIPPET_CLOSE + SNIPPET_OPEN, '')),
      matchCount: count,
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.cache.get(sql)
    if (!statement) {
      if (this.cache.size >= MAX_CACHED_STATEMENTS) {
        this.cache.delete(this.cache.keys().next().value!)
      }
      statement = this.db.prepare(sql).safeIntegers(true)
      this.cache.set(sql, statement)
    }
    return statement
  }
}
