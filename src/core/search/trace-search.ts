// The filtered trace list: traces newest first that meet every condition of
// a TraceFilter, paged by start time. With text, each trace also gets the
// span that matched best and a snippet of the matching text.

import type Database from 'better-sqlite3'
import type { TextMatch, TraceFilter, TraceListItem } from '../../shared/trace-filter'
import { TRACE_GENAI_COLUMNS } from '../store/genai-json'
import { traceSummary, type TraceRow } from '../store/queries'
import { filterConditions } from './filter-sql'
import { FrequentTextSearch, type ReaderTiming } from './frequent-text'
import { ftsQuery, parseSearchTerms, type SearchTerm } from './fts-query'
import { buildSnippet } from './snippet'
import { storedLogColumns, storedSpanColumns, type StoredLogRow, type StoredSpanRow } from './text'

export interface TraceSearchOptions {
  limit: number
  /** Only traces that started before this time (Unix ns), for paging. */
  beforeNs?: bigint
  /** Only these traces (the ones a push reported changed). */
  traceIds?: string[]
  /** The time that relative bounds such as `since=24h` count back from; now by default. */
  nowMs?: number
}

/**
 * The default of TraceSearch's rankedMatchesMax. Ranking took about 1.7 µs
 * per match on a 2-core VM (bench/store-part.ts), so 5,000 cost about 10 ms.
 */
const RANKED_MATCHES_MAX = 5_000

/** Settings that change how a text search runs but not what it returns, except the best match. */
export interface TraceSearchTuning {
  /**
   * Matches of each term up to which the list ranks them with bm25 to
   * choose each trace's best match; with more, FrequentTextSearch finds the page.
   */
  rankedMatchesMax?: number
  timing?: ReaderTiming
}

/** Prepared statements kept at most; each combination of filter fields has its own SQL. */
const MAX_CACHED_STATEMENTS = 64

interface ListRow extends TraceRow {
  hit_row?: bigint
  hit_count?: bigint
}

export class TraceSearch {
  private readonly cache = new Map<string, Database.Statement>()
  private readonly statements
  private readonly frequent: FrequentTextSearch

  private readonly rankedMatchesMax: number

  constructor(
    private readonly db: Database.Database,
    tuning: TraceSearchTuning = {},
  ) {
    this.rankedMatchesMax = tuning.rankedMatchesMax ?? RANKED_MATCHES_MAX
    this.statements = {
      span: db.prepare(
        `SELECT s.span_id, s.name, s.kind, s.status_code, s.status_message, s.attributes, s.events,
           sc.name AS scope_name
         FROM spans s JOIN scopes sc ON sc.id = s.scope_id WHERE s.id = ?`,
      ),
      log: db.prepare('SELECT span_id, event_name, body FROM logs WHERE id = ?'),
      countMatches: db
        .prepare(
          'SELECT count(*) FROM (SELECT 1 FROM search_text WHERE search_text MATCH ? LIMIT ?)',
        )
        .pluck()
        .safeIntegers(true),
    }
    this.frequent = new FrequentTextSearch(db, (sql) => this.statement(sql), tuning.timing)
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
    const select = `SELECT t.*, ${TRACE_GENAI_COLUMNS}
      FROM traces t LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id`

    if (filter.text === undefined) {
      const sql = `${select} ${where} ORDER BY t.start_ns DESC LIMIT @limit`
      const rows = this.statement(sql).all({ ...params, limit: options.limit }) as ListRow[]
      return rows.map(traceSummary)
    }

    const terms = parseSearchTerms(filter.text)
    if (terms.length === 0) return []
    const text = ftsQuery(terms)
    if (!this.isRare(terms)) {
      const hits = this.frequent.find(
        { select, conditions, params, traceIds: options.traceIds },
        text,
        options.limit,
      )
      return hits.map(({ row, matchCount, hitRow }) => ({
        ...traceSummary(row),
        match: this.textMatch(terms, hitRow, matchCount),
      }))
    }
    // One row per trace with its best-ranked match: SQLite fills the bare
    // column hit_row from the row that min(rank) picked.
    const sql = `WITH hits AS (
        SELECT trace_id, rowid AS hit_row, min(rank) AS hit_rank, count(*) AS hit_count
        FROM search_text WHERE search_text MATCH @text GROUP BY trace_id)
      SELECT t.*, ${TRACE_GENAI_COLUMNS}, hits.hit_row, hits.hit_count
      FROM traces t JOIN hits ON hits.trace_id = t.trace_id
        LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id
      ${where} ORDER BY t.start_ns DESC LIMIT @limit`
    const rows = this.statement(sql).all({ ...params, text, limit: options.limit }) as ListRow[]
    return rows.map((row) => ({
      ...traceSummary(row),
      match: this.textMatch(terms, row.hit_row ?? 0n, Number(row.hit_count ?? 0)),
    }))
  }

  /**
   * Returns true when every term occurs in at most rankedMatchesMax spans
   * and log records. SQLite's bm25 reads the whole index entry of each term
   * to weigh it, so ranking costs as much as the most common term has matches.
   */
  private isRare(terms: readonly SearchTerm[]): boolean {
    return terms.every((term) => {
      const matches = this.statements.countMatches.get(ftsQuery([term]), this.rankedMatchesMax + 1)
      return Number(matches) <= this.rankedMatchesMax
    })
  }

  /**
   * Returns the match of one trace: the span (or log record) with row id
   * `hitRow` in search_text, the field and a snippet, from the text
   * extracted again from the stored row.
   */
  private textMatch(terms: readonly SearchTerm[], hitRow: bigint, matchCount: number): TextMatch {
    let spanId: string | null = null
    let snippet = null
    if (hitRow > 0n) {
      const span = this.statements.span.get(hitRow) as
        (StoredSpanRow & { span_id: string }) | undefined
      if (span) {
        spanId = span.span_id
        snippet = buildSnippet(storedSpanColumns(span), terms)
      }
    } else {
      const log = this.statements.log.get(-hitRow) as
        (StoredLogRow & { span_id: string | null }) | undefined
      if (log) {
        spanId = log.span_id
        snippet = buildSnippet(storedLogColumns(log), terms)
      }
    }
    return {
      spanId,
      field: snippet?.field ?? 'name',
      snippet: snippet?.parts ?? [],
      matchCount,
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
