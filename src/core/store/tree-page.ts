// Pages of a trace's span tree in start order, for traces too big to send in
// one response. Paging is keyset paging on (start_ns, id), which the index
// spans_by_trace_start serves because SQLite appends the row id to every
// index entry, so each page costs the same however deep into the trace it is.

import type Database from 'better-sqlite3'
import type { TreeSpan } from '../../shared/api'
import type { TraceTreePage } from '../../shared/tree-page'
import type { TraceQueries } from './queries'
import { TREE_SELECT, treeRowPosition, treeSpan, type TreeRow } from './tree-rows'

/**
 * Position after the last span of a page. `lastRowId` is the highest span row
 * id in the store when the first page was read. Later pages skip rows above
 * it, so spans that arrive while a client pages are left out of the whole
 * listing, instead of showing up only when they start after the cursor. The
 * client reloads to get them.
 *
 * NOTE: a Logfire pending span that is deleted mid-listing (because its real
 * span arrived) drops out, so a listing can return fewer spans than `total`.
 */
export interface TreeCursor {
  startNs: bigint
  rowId: bigint
  lastRowId: bigint
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A cursor in its text form: three decimal integers joined by dots. */
const CURSOR_PATTERN = /^(-?\d{1,19})\.(\d{1,19})\.(\d{1,19})$/

export function formatTreeCursor(cursor: TreeCursor): string {
  return `${cursor.startNs}.${cursor.rowId}.${cursor.lastRowId}`
}

/** Parses the text form of a cursor; returns null when it is not one. */
export function parseTreeCursor(text: string): TreeCursor | null {
  const match = CURSOR_PATTERN.exec(text)
  if (match === null) return null
  const startNs = BigInt(match[1]!)
  const rowId = BigInt(match[2]!)
  const lastRowId = BigInt(match[3]!)
  if (startNs < INT64_MIN || startNs > INT64_MAX) return null
  if (rowId > INT64_MAX || lastRowId > INT64_MAX || rowId > lastRowId) return null
  return { startNs, rowId, lastRowId }
}

export class TreePageQueries {
  private readonly statements

  constructor(
    private readonly queries: TraceQueries,
    db: Database.Database = queries.database,
  ) {
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true)
    this.statements = {
      lastRowId: prepare('SELECT coalesce(max(id), 0) AS id FROM spans'),
      page: prepare(
        `${TREE_SELECT}
         WHERE s.trace_id = ? AND s.id <= ? AND (s.start_ns, s.id) > (?, ?)
         ORDER BY s.start_ns, s.id LIMIT ?`,
      ).raw(true),
      total: prepare('SELECT count(*) FROM spans WHERE trace_id = ? AND id <= ?').pluck(),
      // Without the row id bound, the count reads only the index spans_by_trace_start.
      totalOfTrace: prepare('SELECT count(*) FROM spans WHERE trace_id = ?').pluck(),
    }
  }

  /**
   * Reads up to `limit` spans of the trace that follow `after` (from the first
   * span when it is null). Returns null when the trace does not exist.
   */
  getPage(traceId: string, limit: number, after: TreeCursor | null): TraceTreePage | null {
    const trace = this.queries.getTrace(traceId)
    if (!trace) return null
    const lastRowId = after?.lastRowId ?? (this.statements.lastRowId.get() as { id: bigint }).id
    const startNs = after?.startNs ?? INT64_MIN
    const rowId = after?.rowId ?? -1n
    // Reading one row past the page shows whether another page follows.
    const rows = this.statements.page.all(
      trace.traceId,
      lastRowId,
      startNs,
      rowId,
      limit + 1,
    ) as TreeRow[]
    const hasMore = rows.length > limit
    if (hasMore) rows.length = limit

    const traceStart = BigInt(trace.startTimeUnixNano)
    const nowNs = BigInt(Date.now()) * 1_000_000n
    const spans: TreeSpan[] = rows.map((row) => treeSpan(row, traceStart, nowNs))
    const last = rows[rows.length - 1]
    // The first page has just read lastRowId, so every row of the trace is at or below it.
    const total = (
      after === null
        ? this.statements.totalOfTrace.get(trace.traceId)
        : this.statements.total.get(trace.traceId, lastRowId)
    ) as bigint
    return {
      trace,
      spans,
      total: Number(total),
      nextCursor:
        hasMore && last !== undefined
          ? formatTreeCursor({ ...treeRowPosition(last), lastRowId })
          : null,
    }
  }
}
