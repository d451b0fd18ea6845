// One read of the next stored spans for both background passes, the GenAI
// normalizer and the search indexer. Each pass keeps its own cursor, but
// while they are at the same place (the usual case, once both have caught
// up) they share one SELECT and one JSON.parse per span instead of two.

import type Database from 'better-sqlite3'
import type { AttributeMap } from '../../shared/api'
import type { StoredEvent } from '../store/queries'
import type { SpanInput } from './normalize'

/** Spans that one batch reads at most. */
export const BATCH_SPANS = 1000
/**
 * Characters of attribute and event JSON that one batch reads at most. Each
 * pass writes a batch in one transaction, so this keeps each write lock
 * short (FTS5 insertion time grows with the text) and ingest commits do not
 * wait long for it.
 */
export const BATCH_CHARS = 2_000_000

export interface BatchSpan {
  /** Row id in spans. */
  id: number
  traceId: string
  spanId: string
  startNs: bigint
  /**
   * The span's fields as normalization reads them. Attributes or events whose
   * stored JSON does not parse are read as empty, so that one odd span cannot
   * stop both passes.
   */
  input: SpanInput
}

/** Spans with row ids above `afterId`, in row id order. */
export interface SpanBatch {
  afterId: number
  spans: BatchSpan[]
}

interface SpanRow {
  id: bigint
  trace_id: string
  span_id: string
  name: string
  status_code: bigint
  status_message: string
  kind: bigint
  attributes: string
  events: string | null
  start_ns: bigint
  scope_name: string
}

export class SpanBatchReader {
  private readonly next: Database.Statement

  constructor(db: Database.Database) {
    this.next = db
      .prepare(
        `SELECT s.id, s.trace_id, s.span_id, s.name, s.status_code, s.status_message, s.kind,
           s.attributes, s.events, s.start_ns, sc.name AS scope_name
         FROM spans s JOIN scopes sc ON sc.id = s.scope_id
         WHERE s.id > ? AND s.pending = 0 ORDER BY s.id LIMIT ?`,
      )
      .safeIntegers(true)
  }

  /**
   * Reads and parses the spans after `afterId` that are done (not Logfire
   * pending spans), up to `limit` spans or BATCH_CHARS characters of JSON,
   * whichever comes first. At least one span is read when there is one.
   */
  read(afterId: number, limit = BATCH_SPANS): SpanBatch {
    const spans: BatchSpan[] = []
    let chars = 0
    for (const row of this.next.iterate(afterId, limit) as IterableIterator<SpanRow>) {
      spans.push(batchSpan(row))
      chars += row.attributes.length + (row.events?.length ?? 0)
      // Leaving the loop early ends the statement's iteration, so no more rows are read.
      if (chars > BATCH_CHARS) break
    }
    return { afterId, spans }
  }
}

/**
 * Returns the spans of `batch` after `cursor`, or null when the batch does
 * not start at or before `cursor`, so that spans between them are missing
 * and the caller must read its own.
 */
export function spansAfter(batch: SpanBatch, cursor: number): BatchSpan[] | null {
  if (cursor < batch.afterId) return null
  return batch.spans.filter((span) => span.id > cursor)
}

function batchSpan(row: SpanRow): BatchSpan {
  return {
    id: Number(row.id),
    traceId: row.trace_id,
    spanId: row.span_id,
    startNs: row.start_ns,
    input: parseSpan(row),
  }
}

function parseSpan(row: SpanRow): SpanInput {
  return {
    name: row.name,
    scopeName: row.scope_name,
    attributes: parseOr<AttributeMap>(row.attributes, {}),
    events: row.events ? parseOr<StoredEvent[]>(row.events, []) : [],
    statusCode: Number(row.status_code),
    statusMessage: row.status_message,
    spanKind: Number(row.kind),
  }
}

function parseOr<T>(json: string, fallback: T): T {
  try {
    return JSON.parse(json) as T
  } catch {
    return fallback
  }
}
