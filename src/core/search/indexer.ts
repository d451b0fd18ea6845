// Fills the full-text index (search_text) from spans and log records after
// they were committed and acknowledged, batch by batch, like the GenAI
// normalizer. Two cursors in `meta` (span row id, log row id) record how far
// it got. A new SEARCH_INDEX_VERSION empties the index and starts again.

import type Database from 'better-sqlite3'
import {
  BATCH_CHARS,
  BATCH_SPANS,
  SpanBatchReader,
  spansAfter,
  type BatchSpan,
  type SpanBatch,
} from '../genai/span-batch'
import { normalizeSpan } from '../genai/normalize'
import {
  normalizedSpanColumns,
  storedLogColumns,
  type SearchColumns,
  type StoredLogRow,
} from './text'

/** Raise this when the extracted text changes, so that stored spans are indexed again. */
export const SEARCH_INDEX_VERSION = 2

const SPAN_CURSOR_KEY = 'search.span_cursor'
const LOG_CURSOR_KEY = 'search.log_cursor'
const VERSION_KEY = 'search.version'

/**
 * Lowers the log cursor to the largest remaining log row id. Retention runs
 * it in the transaction that deletes logs: logs has no AUTOINCREMENT, so
 * SQLite gives new rows the ids after the largest remaining one, and a
 * cursor left higher would skip them.
 */
export const LOWER_LOG_CURSOR_SQL = `UPDATE meta SET value = (SELECT coalesce(max(id), 0) FROM logs)
  WHERE key = '${LOG_CURSOR_KEY}' AND CAST(value AS INTEGER) > (SELECT coalesce(max(id), 0) FROM logs)`

interface LogRow extends StoredLogRow, LogIdentity {
  id: number
  trace_id: string
  span_id: string | null
}

interface LogIdentity {
  time_ns: number
  received_ms: number
}

interface IndexRow {
  rowid: number
  /** Row id in spans, or in logs for a log record; the row must still exist when inserted. */
  sourceId: number
  source: 'span' | 'log'
  /** For a log record, the times that distinguish it from a later record with the same id. */
  logIdentity?: LogIdentity
  traceId: string
  spanId: string | null
  columns: SearchColumns
}

export interface IndexBatchResult {
  /** Spans and log records read in this batch. */
  processed: number
  traceIds: Set<string>
}

export class SearchIndexer {
  private readonly statements
  private readonly reader: SpanBatchReader

  constructor(private readonly db: Database.Database) {
    this.reader = new SpanBatchReader(db)
    this.statements = {
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      nextLogs: db.prepare(
        `SELECT id, trace_id, span_id, event_name, body, time_ns, received_ms FROM logs
         WHERE id > ? AND trace_id IS NOT NULL ORDER BY id LIMIT ?`,
      ),
      earlierModelCall: db
        .prepare(
          `SELECT 1 FROM span_genai
           WHERE trace_id = ? AND kind = 'model' AND span_row_id < ? LIMIT 1`,
        )
        .pluck(),
      logIdentity: db.prepare('SELECT time_ns, received_ms FROM logs WHERE id = ?'),
      insertSpan: db.prepare(
        `INSERT INTO search_text (rowid, trace_id, span_id, name, messages, tool_arguments,
           tool_result, error, log)
         SELECT @rowid, @traceId, @spanId, @name, @messages, @toolArguments, @toolResult, @error, @log
         WHERE EXISTS (SELECT 1 FROM spans WHERE id = @sourceId)`,
      ),
      insertLog: db.prepare(
        `INSERT INTO search_text (rowid, trace_id, span_id, name, messages, tool_arguments,
           tool_result, error, log)
         VALUES (@rowid, @traceId, @spanId, @name, @messages, @toolArguments, @toolResult, @error, @log)`,
      ),
      deleteAll: db.prepare("INSERT INTO search_text (search_text) VALUES ('delete-all')"),
    }
  }

  /**
   * Indexes the next spans and log records. The text is extracted before the
   * write transaction, so that the write lock is held only for the inserts.
   * `shared` is a batch of spans already read for the normalizer too. It is
   * used when it covers this pass's cursor, else the pass reads its own.
   * Returns what it read and the traces whose index changed.
   */
  runBatch(shared?: SpanBatch): IndexBatchResult {
    this.checkVersion()
    const spanCursor = this.cursor(SPAN_CURSOR_KEY)
    const logCursor = this.cursor(LOG_CURSOR_KEY)
    const rows: IndexRow[] = []
    let chars = 0
    const spans =
      (shared ? spansAfter(shared, spanCursor) : null) ?? this.reader.read(spanCursor).spans
    let lastSpan = spanCursor
    const tracesWithCalls = new Set<string>()
    for (const span of spans) {
      const row = this.spanIndexRow(span, tracesWithCalls)
      rows.push(row)
      chars += columnsLength(row.columns)
      lastSpan = span.id
    }

    const logs = this.statements.nextLogs.all(logCursor, BATCH_SPANS) as LogRow[]
    let lastLog = logCursor
    for (const log of logs) {
      if (chars > BATCH_CHARS) break
      const row = logIndexRow(log)
      rows.push(row)
      chars += columnsLength(row.columns)
      lastLog = log.id
    }

    const traceIds = new Set<string>()
    if (rows.length === 0) return { processed: 0, traceIds }

    const committed = this.db
      .transaction(() => {
        // Another indexer on this store (a CLI import) may have moved on
        // meanwhile, or retention lowered the log cursor.
        if (this.cursor(SPAN_CURSOR_KEY) !== spanCursor) return false
        if (this.cursor(LOG_CURSOR_KEY) !== logCursor) return false
        const logsLeft = this.logsStillStored(rows)
        if (logsLeft === null) return false
        for (const row of rows) {
          if (row.source === 'log' && !logsLeft.has(row.sourceId)) continue
          const insert =
            row.source === 'log' ? this.statements.insertLog : this.statements.insertSpan
          const inserted = insert.run({
            rowid: row.rowid,
            sourceId: row.sourceId,
            traceId: row.traceId,
            spanId: row.spanId,
            ...row.columns,
          }).changes
          if (inserted > 0) traceIds.add(row.traceId)
        }
        this.statements.setMeta.run(SPAN_CURSOR_KEY, String(lastSpan))
        this.statements.setMeta.run(LOG_CURSOR_KEY, String(lastLog))
        return true
      })
      .immediate()
    if (!committed) return { processed: 0, traceIds }
    return { processed: rows.length, traceIds }
  }

  /** Empties the index and indexes every stored span and log record again. */
  restart(): void {
    this.db
      .transaction(() => {
        this.statements.deleteAll.run()
        this.statements.setMeta.run(SPAN_CURSOR_KEY, '0')
        this.statements.setMeta.run(LOG_CURSOR_KEY, '0')
        this.statements.setMeta.run(VERSION_KEY, String(SEARCH_INDEX_VERSION))
      })
      .immediate()
  }

  /**
   * Returns the ids of the batch's log records that are still stored, or
   * null when one of the ids now belongs to another record: retention deleted
   * the newest logs and SQLite gave their ids to new ones. The batch then
   * starts again, so that the new records are read.
   */
  private logsStillStored(rows: readonly IndexRow[]): Set<number> | null {
    const left = new Set<number>()
    for (const row of rows) {
      if (row.source !== 'log') continue
      const stored = this.statements.logIdentity.get(row.sourceId) as LogIdentity | undefined
      if (stored === undefined) continue
      const identity = row.logIdentity!
      if (stored.time_ns !== identity.time_ns || stored.received_ms !== identity.received_ms) {
        return null
      }
      left.add(row.sourceId)
    }
    return left
  }

  /**
   * Returns the index row of a span. `tracesWithCalls` contains the traces
   * of this batch that had a model call before it. For earlier batches the
   * normalized rows in span_genai show the same.
   */
  private spanIndexRow(span: BatchSpan, tracesWithCalls: Set<string>): IndexRow {
    const normalized = normalizeSpan(span.input)
    let laterCall = false
    if (normalized.kind === 'model') {
      laterCall =
        tracesWithCalls.has(span.traceId) ||
        this.statements.earlierModelCall.get(span.traceId, span.id) !== undefined
      tracesWithCalls.add(span.traceId)
    }
    return {
      rowid: span.id,
      sourceId: span.id,
      source: 'span',
      traceId: span.traceId,
      spanId: span.spanId,
      columns: normalizedSpanColumns(span.input, normalized, laterCall),
    }
  }

  /**
   * Returns the span row id after which spans wait for indexing: the stored
   * cursor, or 0 when the index was built by another SEARCH_INDEX_VERSION.
   */
  spanPosition(): number {
    if (Number(this.statements.getMeta.get(VERSION_KEY) ?? 0) !== SEARCH_INDEX_VERSION) return 0
    return this.cursor(SPAN_CURSOR_KEY)
  }

  private checkVersion(): void {
    if (Number(this.statements.getMeta.get(VERSION_KEY) ?? 0) !== SEARCH_INDEX_VERSION) {
      this.restart()
    }
  }

  private cursor(key: string): number {
    return Number(this.statements.getMeta.get(key) ?? 0)
  }
}

/**
 * Returns the spans that are stored but not indexed yet, from a connection
 * that may be read-only (the CLI warns when a search could miss them).
 */
export function countUnindexedSpans(db: Database.Database): number {
  const cursor = db.prepare("SELECT value FROM meta WHERE key = 'search.span_cursor'").pluck().get()
  const version = db.prepare("SELECT value FROM meta WHERE key = 'search.version'").pluck().get()
  const from = Number(version ?? 0) === SEARCH_INDEX_VERSION ? Number(cursor ?? 0) : 0
  return Number(
    db.prepare('SELECT count(*) FROM spans WHERE id > ? AND pending = 0').pluck().get(from),
  )
}

function logIndexRow(log: LogRow): IndexRow {
  return {
    rowid: -log.id,
    sourceId: log.id,
    source: 'log',
    logIdentity: { time_ns: log.time_ns, received_ms: log.received_ms },
    traceId: log.trace_id,
    spanId: log.span_id,
    columns: storedLogColumns(log),
  }
}

function columnsLength(columns: SearchColumns): number {
  return Object.values(columns).reduce((total, text) => total + text.length, 0)
}
