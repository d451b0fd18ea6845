// The deletions that retention makes, one bounded write transaction at a
// time, so that ingest never waits long for the write lock.
//
// The unit is the whole trace: its spans, their GenAI and search rows, its
// GenAI summary, its logs and their search rows, its run links and the
// gateway exchanges recorded for it. Traces go oldest first by last
// activity: the later of their newest span end time and the last time Loupe
// received one of their spans. So a trace that started long ago but has a
// recent span, or that was received recently (an import of old telemetry, a
// sender whose clock is behind), is as young as that span.
//
// A trace with more spans than one step may delete loses them over several
// steps, and its summary row goes in the last one, so a crash in between
// leaves a smaller trace that the next pass finds again.

import type Database from 'better-sqlite3'
import { LOWER_LOG_CURSOR_SQL } from '../search/indexer'

/**
 * One step ends after the chunk that takes it past ROWS_PER_STEP rows (spans,
 * logs, metric batches, runs) or PAGES_PER_STEP freed pages, so that large
 * spans (long prompts, cut 4 MiB values) end a step as early as many small ones.
 */
export const ROWS_PER_STEP = 1_000
export const PAGES_PER_STEP = 2_048
/** Rows deleted by one statement. */
const CHUNK_ROWS = 250
/** Traces that one step considers at most. */
const TRACES_PER_STEP = 200
/** Free pages that one incremental vacuum step gives back to the file system. */
export const VACUUM_PAGES_PER_STEP = 256

/**
 * Scope of one step: traces last active before a cutoff, or the oldest
 * traces until the data takes at most `targetBytes`.
 */
export type StepMode = { kind: 'age'; cutoffMs: number } | { kind: 'size'; targetBytes: number }

export interface StepCounts {
  traces: number
  spans: number
  logs: number
  metricBatches: number
  runs: number
}

interface TraceCandidate {
  trace_id: string
  /** Last activity in Unix nanoseconds. */
  activity: bigint
}

interface DeletedSpan {
  id: bigint
  status_code: bigint
  pending: bigint
}

const ACTIVITY = 'max(end_ns, updated_ms * 1000000)'

export function emptyCounts(): StepCounts {
  return { traces: 0, spans: 0, logs: 0, metricBatches: 0, runs: 0 }
}

export class RetentionSteps {
  private readonly statements

  constructor(private readonly db: Database.Database) {
    this.statements = {
      // ORDER BY and WHERE repeat the expression of traces_by_last_activity so that SQLite uses it.
      expiredTraces: db
        .prepare(
          `SELECT trace_id, ${ACTIVITY} AS activity FROM traces
           WHERE ${ACTIVITY} < ? ORDER BY ${ACTIVITY} LIMIT ?`,
        )
        .safeIntegers(true),
      oldestTraces: db
        .prepare(
          `SELECT trace_id, ${ACTIVITY} AS activity FROM traces ORDER BY ${ACTIVITY} LIMIT ?`,
        )
        .safeIntegers(true),
      traceLogs: db
        .prepare(
          'DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE trace_id = ? LIMIT ?) RETURNING id',
        )
        .pluck(),
      traceSpans: db
        .prepare(
          `DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE trace_id = ? LIMIT ?)
           RETURNING id, status_code, pending`,
        )
        .safeIntegers(true),
      spanGenai: db.prepare('DELETE FROM span_genai WHERE span_row_id = ?'),
      // Search rows of spans have the span's row id, those of logs its negation.
      searchRow: db.prepare('DELETE FROM search_text WHERE rowid = ?'),
      lowerLogCursor: db.prepare(LOWER_LOG_CURSOR_SQL),
      shrinkTrace: db.prepare(
        `UPDATE traces SET span_count = max(span_count - ?, 0), error_count = max(error_count - ?, 0)
         WHERE trace_id = ?`,
      ),
      traceGenai: db.prepare('DELETE FROM trace_genai WHERE trace_id = ?'),
      traceRunLinks: db.prepare('DELETE FROM run_traces WHERE trace_id = ?'),
      traceSession: db.prepare('DELETE FROM trace_sessions WHERE trace_id = ?'),
      traceExchanges: db.prepare('DELETE FROM gateway_exchanges WHERE trace_id = ?'),
      trace: db.prepare('DELETE FROM traces WHERE trace_id = ?'),
      // Logs whose trace has no stored spans go by the time Loupe received them.
      untracedLogs: db
        .prepare(
          `DELETE FROM logs WHERE id IN (
             SELECT id FROM logs WHERE received_ms < ? AND (trace_id IS NULL OR NOT EXISTS
               (SELECT 1 FROM traces t WHERE t.trace_id = logs.trace_id))
             ORDER BY received_ms LIMIT ?)
           RETURNING id`,
        )
        .pluck(),
      metricBatches: db.prepare(
        `DELETE FROM metric_batches WHERE id IN (
           SELECT id FROM metric_batches WHERE received_ms < ? ORDER BY received_ms LIMIT ?)`,
      ),
      // A run goes once it has ended and none of its traces is left; a running one stays.
      emptyRuns: db
        .prepare(
          `DELETE FROM runs WHERE id IN (
             SELECT id FROM runs r WHERE ended_ms < ? AND NOT EXISTS
               (SELECT 1 FROM run_traces rt WHERE rt.run_id = r.id)
             LIMIT ?)
           RETURNING id`,
        )
        .pluck(),
      runExchanges: db.prepare('DELETE FROM gateway_exchanges WHERE run_id = ?'),
      pageCount: db.prepare('PRAGMA page_count').pluck(),
      freelistCount: db.prepare('PRAGMA freelist_count').pluck(),
      pageSize: db.prepare('PRAGMA page_size').pluck(),
    }
  }

  /** Bytes of the pages that hold data: the file size once free pages are vacuumed. */
  liveBytes(): number {
    const s = this.statements
    const pages = (s.pageCount.get() as number) - (s.freelistCount.get() as number)
    return pages * (s.pageSize.get() as number)
  }

  freePages(): number {
    return this.statements.freelistCount.get() as number
  }

  /**
   * Deletes up to ROWS_PER_STEP rows of expired or oldest data. Must run
   * inside a write transaction. Returns what it deleted; all zero means
   * nothing is left to delete in this mode.
   */
  deleteStep(mode: StepMode): StepCounts {
    const counts = emptyCounts()
    const s = this.statements
    const candidates = (
      mode.kind === 'age'
        ? s.expiredTraces.all(BigInt(mode.cutoffMs) * 1_000_000n, TRACES_PER_STEP)
        : s.oldestTraces.all(TRACES_PER_STEP)
    ) as TraceCandidate[]
    let pageLimit = PAGES_PER_STEP
    if (mode.kind === 'size') {
      // Stop as soon as the store fits, so a small cap does not lose a whole step's worth more.
      const pageSize = s.pageSize.get() as number
      pageLimit = Math.min(pageLimit, Math.ceil((this.liveBytes() - mode.targetBytes) / pageSize))
    }
    const budget = new StepBudget(() => this.freePages(), pageLimit)
    let newestDeletedMs: number | null = null
    for (const candidate of candidates) {
      if (!this.deleteTrace(candidate.trace_id, budget, counts)) break
      newestDeletedMs = Number(candidate.activity / 1_000_000n)
      if (budget.spent()) break
    }
    // Data that belongs to no trace goes by the time it was received: before
    // the cutoff, or, under the size cap, before the newest trace deleted here.
    let beforeMs: number | null
    if (mode.kind === 'age') beforeMs = mode.cutoffMs
    else if (candidates.length === 0) beforeMs = Date.now()
    else beforeMs = newestDeletedMs
    if (beforeMs !== null && !budget.spent()) this.deleteUntraced(beforeMs, budget, counts)
    return counts
  }

  /** Gives up to VACUUM_PAGES_PER_STEP free pages back; must run inside a write transaction. */
  vacuumStep(): number {
    const before = this.freePages()
    this.db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_STEP})`)
    return before - this.freePages()
  }

  /** Deletes a trace chunk by chunk; returns false when the budget ran out before its end. */
  private deleteTrace(traceId: string, budget: StepBudget, counts: StepCounts): boolean {
    const s = this.statements
    for (;;) {
      const logs = this.deleteLogs(s.traceLogs, traceId, CHUNK_ROWS)
      counts.logs += logs
      budget.spend(logs)
      if (logs < CHUNK_ROWS) break
      if (budget.spent()) return false
    }
    let stored = 0
    let errors = 0
    for (;;) {
      const spans = s.traceSpans.all(traceId, CHUNK_ROWS) as DeletedSpan[]
      counts.spans += spans.length
      budget.spend(spans.length)
      for (const span of spans) {
        s.spanGenai.run(span.id)
        s.searchRow.run(span.id)
        if (span.pending === 0n) stored++
        if (span.pending === 0n && span.status_code === 2n) errors++
      }
      if (spans.length < CHUNK_ROWS) break
      if (budget.spent()) {
        // Spans may remain: keep the summary true to them until the last step.
        s.shrinkTrace.run(stored, errors, traceId)
        return false
      }
    }
    s.traceGenai.run(traceId)
    s.traceRunLinks.run(traceId)
    s.traceSession.run(traceId)
    budget.spend(s.traceExchanges.run(traceId).changes)
    s.trace.run(traceId)
    counts.traces++
    return true
  }

  /** Runs a log deletion that returns the deleted ids, deletes their search rows and returns the count. */
  private deleteLogs(deletion: Database.Statement, scope: string | number, limit: number): number {
    const ids = deletion.all(scope, limit) as number[]
    for (const id of ids) this.statements.searchRow.run(-id)
    if (ids.length > 0) this.statements.lowerLogCursor.run()
    return ids.length
  }

  private deleteUntraced(beforeMs: number, budget: StepBudget, counts: StepCounts): void {
    const s = this.statements
    for (;;) {
      const logs = this.deleteLogs(s.untracedLogs, beforeMs, CHUNK_ROWS)
      counts.logs += logs
      budget.spend(logs)
      if (budget.spent()) return
      if (logs < CHUNK_ROWS) break
    }
    for (;;) {
      const batches = s.metricBatches.run(beforeMs, CHUNK_ROWS).changes
      counts.metricBatches += batches
      budget.spend(batches)
      if (budget.spent()) return
      if (batches < CHUNK_ROWS) break
    }
    const runIds = s.emptyRuns.all(beforeMs, CHUNK_ROWS) as string[]
    counts.runs += runIds.length
    budget.spend(runIds.length)
    for (const runId of runIds) budget.spend(s.runExchanges.run(runId).changes)
  }
}

/** Budget of one step, in deleted rows and freed pages. */
class StepBudget {
  private rows = 0
  private readonly freePagesAtStart: number

  constructor(
    private readonly freePages: () => number,
    private readonly pageLimit: number,
  ) {
    this.freePagesAtStart = freePages()
  }

  spend(rows: number): void {
    this.rows += rows
  }

  spent(): boolean {
    return this.rows >= ROWS_PER_STEP || this.freePages() - this.freePagesAtStart >= this.pageLimit
  }
}
