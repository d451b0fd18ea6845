// The only code that writes telemetry to the store. Requests hand over
// decoded batches and wait; all batches queued during one turn of the event
// loop are written in a single transaction (group commit), and every waiting
// request gets its response only after that transaction has committed.
// While another connection holds the write lock, the writer retries from a
// timer for up to `lockWaitMs` before it rejects the waiting batches.

import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type {
  Attributes,
  DecodedLogs,
  DecodedResource,
  DecodedScope,
  DecodedSpan,
  DecodedTraces,
} from '../otlp/model'
import { describeWriteFailure, StoreWriteError } from './failures'
import { SessionIndex } from './session-index'
import { BUSY_TIMEOUT_MS, tryImmediate } from './write-lock'

/** Thrown when the queue is full, so the receiver returns 503 with Retry-After. */
export class OverloadedError extends Error {
  override name = 'OverloadedError'
}

/** A span that a commit stored, with the resource and scope it came with. */
export interface StoredSpan {
  span: DecodedSpan
  resource: DecodedResource
  scope: DecodedScope
  /** When Loupe stored it, in Unix milliseconds. */
  receivedMs: number
}

export interface WriteResult {
  spans: number
  logRecords: number
}

export interface WriterOptions {
  /** Spans and log records that may wait for a commit before new batches are rejected. */
  maxQueuedItems?: number
  /** Called after each commit with the ids of the traces it changed. */
  onCommit?: (traceIds: Set<string>) => void
  /**
   * Called after each commit with the spans it stored, in the order they
   * were received. Pending spans, duplicates and superseded start markers
   * are left out.
   */
  onSpansStored?: (spans: StoredSpan[]) => void
  /** Called after every commit, whatever it stored. */
  afterCommit?: () => void
  /** Called after a commit failed, with the error the waiting requests were rejected with. */
  onFailure?: (error: StoreWriteError) => void
  /** How long to retry while another connection holds the write lock, in milliseconds. */
  lockWaitMs?: number
  log?: Logger
}

/** Maximum time one commit attempt blocks the event loop waiting for the write lock. */
const LOCK_ATTEMPT_MS = 50
/** Pause between commit attempts while another connection holds the write lock. */
const LOCK_RETRY_DELAY_MS = 20

type Batch =
  | { signal: 'traces'; data: DecodedTraces }
  | { signal: 'logs'; data: DecodedLogs }
  | {
      signal: 'metrics'
      encoding: 'protobuf' | 'json'
      body: Buffer
      resourceMetrics: number
      serviceName: string | null
    }

interface QueuedBatch {
  batch: Batch
  size: number
  resolve: (result: WriteResult) => void
  reject: (error: Error) => void
}

/** Per-trace changes gathered while a transaction inserts spans. */
interface TraceDelta {
  spans: number
  errors: number
  startNs: bigint
  endNs: bigint
  earliestName: string
  earliestService: string | null
  root: {
    spanId: string
    startNs: bigint
    name: string
    status: number
    service: string | null
  } | null
}

const PENDING_SPAN = 'pending_span'

export class SpanWriter {
  private readonly db: Database.Database
  private readonly maxQueuedItems: number
  private readonly onCommit: (traceIds: Set<string>) => void
  private readonly onSpansStored: ((spans: StoredSpan[]) => void) | null
  /** Spans stored by the transaction in progress, for onSpansStored. */
  private storedSpans: StoredSpan[] = []
  private readonly sessions: SessionIndex
  private readonly afterCommit: () => void
  private readonly onFailure: (error: StoreWriteError) => void
  private readonly lockWaitMs: number
  private readonly log: Logger | null
  private queue: QueuedBatch[] = []
  private queuedItems = 0
  private scheduled = false
  private retryTimer: NodeJS.Timeout | null = null
  /** When the current wait for another connection's write lock began, or null. */
  private lockWaitStartedMs: number | null = null
  /** The failure of the last commit, until a commit succeeds again. */
  private currentFailure: StoreWriteError | null = null
  /** Commits that failed since the last one that succeeded. */
  private failedCommits = 0
  private closed = false
  private readonly resourceIds = new Map<string, number>()
  private readonly scopeIds = new Map<string, number>()
  private readonly statements

  constructor(db: Database.Database, options: WriterOptions = {}) {
    this.db = db
    this.maxQueuedItems = options.maxQueuedItems ?? 200_000
    this.onCommit = options.onCommit ?? (() => {})
    this.onSpansStored = options.onSpansStored ?? null
    this.sessions = new SessionIndex(db)
    this.afterCommit = options.afterCommit ?? (() => {})
    this.onFailure = options.onFailure ?? (() => {})
    this.lockWaitMs = options.lockWaitMs ?? BUSY_TIMEOUT_MS
    this.log = options.log ?? null
    this.statements = {
      insertSpan: db.prepare(
        `INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns,
           status_code, status_message, trace_state, flags, attributes, attribute_types,
           dropped_attributes_count, events, dropped_events_count, links, dropped_links_count,
           resource_id, scope_id, pending, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      realSpanExists: db.prepare(
        'SELECT 1 FROM spans WHERE trace_id = ? AND span_id = ? AND pending = 0 LIMIT 1',
      ),
      deletePending: db.prepare(
        'DELETE FROM spans WHERE trace_id = ? AND parent_span_id = ? AND pending = 1',
      ),
      countPending: db.prepare(
        'SELECT count(*) AS n FROM spans WHERE trace_id = ? AND pending = 1',
      ),
      getTrace: db.prepare('SELECT * FROM traces WHERE trace_id = ?').safeIntegers(true),
      insertTrace: db.prepare(
        `INSERT INTO traces (trace_id, root_span_id, root_start_ns, root_status, name, name_start_ns,
           service_name, start_ns, end_ns, span_count, error_count, in_progress_count, updated_ms)
         VALUES (@traceId, @rootSpanId, @rootStartNs, @rootStatus, @name, @nameStartNs, @serviceName,
           @startNs, @endNs, @spanCount, @errorCount, @inProgressCount, @updatedMs)
         ON CONFLICT (trace_id) DO UPDATE SET root_span_id = @rootSpanId, root_start_ns = @rootStartNs,
           root_status = @rootStatus, name = @name, name_start_ns = @nameStartNs,
           service_name = @serviceName, start_ns = @startNs, end_ns = @endNs,
           span_count = @spanCount, error_count = @errorCount,
           in_progress_count = @inProgressCount, updated_ms = @updatedMs`,
      ),
      findResource: db.prepare('SELECT id FROM resources WHERE fingerprint = ?'),
      insertResource: db.prepare(
        `INSERT INTO resources (fingerprint, service_name, attributes, attribute_types,
           dropped_attributes_count, schema_url) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      findScope: db.prepare('SELECT id FROM scopes WHERE fingerprint = ?'),
      insertScope: db.prepare(
        `INSERT INTO scopes (fingerprint, name, version, attributes, attribute_types,
           dropped_attributes_count, schema_url) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertRunTrace: db.prepare(
        'INSERT OR IGNORE INTO run_traces (run_id, trace_id) VALUES (?, ?)',
      ),
      insertLog: db.prepare(
        `INSERT INTO logs (trace_id, span_id, time_ns, observed_time_ns, severity_number,
           severity_text, body, body_type, attributes, attribute_types, dropped_attributes_count,
           flags, event_name, resource_id, scope_id, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertMetrics: db.prepare(
        `INSERT INTO metric_batches (received_ms, encoding, body, resource_metrics, service_name)
         VALUES (?, ?, ?, ?, ?)`,
      ),
    }
  }

  /** Queue decoded spans; resolves once they are committed. */
  writeTraces(data: DecodedTraces): Promise<WriteResult> {
    let size = 0
    for (const group of data.groups) size += group.spans.length
    return this.enqueue({ signal: 'traces', data }, size)
  }

  /** Queue decoded log records; resolves once they are committed. */
  writeLogs(data: DecodedLogs): Promise<WriteResult> {
    let size = 0
    for (const group of data.groups) size += group.records.length
    return this.enqueue({ signal: 'logs', data }, size)
  }

  /** Queue a metrics request body, stored as received. */
  writeMetrics(
    encoding: 'protobuf' | 'json',
    body: Buffer,
    resourceMetrics: number,
    serviceName: string | null,
  ): Promise<WriteResult> {
    return this.enqueue({ signal: 'metrics', encoding, body, resourceMetrics, serviceName }, 1)
  }

  /** Returns the error of the last failed commit, or null once a commit has succeeded. */
  failure(): StoreWriteError | null {
    return this.currentFailure
  }

  /** Commit what is queued now, then reject new batches. */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.flush(true)
    this.closed = true
  }

  private enqueue(batch: Batch, size: number): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    if (this.queuedItems > 0 && this.queuedItems + size > this.maxQueuedItems) {
      return Promise.reject(
        new OverloadedError(
          `the write queue is full (${this.queuedItems} spans and log records waiting for a commit); ` +
            'retry later. If it persists, spans arrive faster than this machine can store them: ' +
            'send smaller or fewer batches',
        ),
      )
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, size, resolve, reject })
      this.queuedItems += size
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Commits the queue; `final` rejects it instead of retrying when the write lock is taken. */
  private flush(final = false): void {
    this.scheduled = false
    this.retryTimer = null
    const items = this.queue
    if (items.length === 0) return
    const receivedMs = Date.now()
    const changedTraces = new Set<string>()
    // A retried or failed transaction rolled back what an earlier attempt noted.
    this.storedSpans = []
    this.sessions.reset()
    let committed: { value: WriteResult[] } | null
    try {
      // IMMEDIATE takes the write lock up front instead of failing when a
      // read must upgrade. The normalizer takes it for one short batch at a time.
      committed = tryImmediate(
        this.db,
        () => items.map((item) => this.writeBatch(item.batch, receivedMs, changedTraces)),
        LOCK_ATTEMPT_MS,
      )
    } catch (error) {
      this.fail(items, error)
      return
    }
    if (committed === null) {
      this.lockWaitStartedMs ??= performance.now()
      const waitedMs = performance.now() - this.lockWaitStartedMs
      if (final || waitedMs >= this.lockWaitMs) {
        this.fail(items, this.lockError(waitedMs))
        return
      }
      // The batches stay queued (and counted against the limit) until the next attempt.
      this.scheduled = true
      this.retryTimer = setTimeout(() => this.flush(), LOCK_RETRY_DELAY_MS)
      return
    }
    this.take(items)
    if (this.currentFailure) {
      this.log?.info(
        { failedCommits: this.failedCommits, file: this.db.name },
        `storing works again after ${this.failedCommits} failed commits`,
      )
    }
    this.currentFailure = null
    this.failedCommits = 0
    items.forEach((item, index) => item.resolve(committed.value[index]!))
    if (changedTraces.size > 0) this.onCommit(changedTraces)
    if (this.storedSpans.length > 0) {
      const stored = this.storedSpans
      this.storedSpans = []
      this.onSpansStored?.(stored)
    }
    this.afterCommit()
  }

  /** Removes committed or failed batches from the queue. */
  private take(items: QueuedBatch[]): void {
    this.queue = this.queue.slice(items.length)
    this.queuedItems = 0
    for (const item of this.queue) this.queuedItems += item.size
    this.lockWaitStartedMs = null
    // Batches queued during the lock wait go in the next commit.
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  private fail(items: QueuedBatch[], error: unknown): void {
    const failure =
      error instanceof StoreWriteError ? error : describeWriteFailure(error, this.db, 0)
    this.take(items)
    // The transaction rolled back, so cached ids of rows it inserted are void.
    this.resourceIds.clear()
    this.scopeIds.clear()
    this.failedCommits++
    if (this.failedCommits === 1 || this.currentFailure?.kind !== failure.kind) {
      this.log?.error(
        { err: failure.cause ?? failure, kind: failure.kind, file: this.db.name },
        `${failure.message}; further failures of this kind are counted, not logged`,
      )
    }
    this.currentFailure = failure
    for (const item of items) item.reject(failure)
    this.onFailure(failure)
  }

  private lockError(waitedMs: number): StoreWriteError {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    return describeWriteFailure(busy, this.db, waitedMs)
  }

  private writeBatch(batch: Batch, receivedMs: number, changedTraces: Set<string>): WriteResult {
    switch (batch.signal) {
      case 'traces':
        return { spans: this.writeSpans(batch.data, receivedMs, changedTraces), logRecords: 0 }
      case 'logs':
        return { spans: 0, logRecords: this.writeLogRecords(batch.data, receivedMs) }
      case 'metrics':
        this.statements.insertMetrics.run(
          receivedMs,
          batch.encoding,
          batch.body,
          batch.resourceMetrics,
          batch.serviceName,
        )
        return { spans: 0, logRecords: 0 }
    }
  }

  private writeSpans(data: DecodedTraces, receivedMs: number, changedTraces: Set<string>): number {
    const deltas = new Map<string, TraceDelta>()
    let accepted = 0
    for (const group of data.groups) {
      const resourceId = this.resourceId(group.resource)
      const scopeId = this.scopeId(group.scope)
      const service = serviceNameOf(group.resource)
      const runId = stringAttribute(group.resource.attributes, 'loupe.run.id')
      for (const span of group.spans) {
        accepted++
        const pending = span.attributes.values['logfire.span_type'] === PENDING_SPAN
        if (!this.insertSpan(span, pending, resourceId, scopeId, receivedMs)) continue
        changedTraces.add(span.traceId)
        this.sessions.note(span.traceId, span.attributes.values, group.resource.attributes.values)
        if (this.onSpansStored && !pending) {
          this.storedSpans.push({ span, resource: group.resource, scope: group.scope, receivedMs })
        }
        if (runId) this.statements.insertRunTrace.run(runId, span.traceId)
        recordDelta(deltas, span, pending, service)
      }
    }
    for (const [traceId, delta] of deltas) this.updateTrace(traceId, delta, receivedMs)
    return accepted
  }

  /** Insert one span; returns false when it was already stored or is a superseded pending span. */
  private insertSpan(
    span: DecodedSpan,
    pending: boolean,
    resourceId: number,
    scopeId: number,
    receivedMs: number,
  ): boolean {
    const s = this.statements
    if (pending && span.parentSpanId && s.realSpanExists.get(span.traceId, span.parentSpanId)) {
      // The real span ended (and arrived) before its start marker did.
      return false
    }
    const info = s.insertSpan.run(
      span.traceId,
      span.spanId,
      span.parentSpanId,
      span.name,
      span.kind,
      clampNs(span.startTimeUnixNano),
      clampNs(span.endTimeUnixNano),
      span.statusCode,
      span.statusMessage,
      span.traceState,
      span.flags,
      JSON.stringify(span.attributes.values),
      typesJson(span.attributes),
      span.droppedAttributesCount,
      span.events.length > 0 ? JSON.stringify(span.events.map(eventJson)) : null,
      span.droppedEventsCount,
      span.links.length > 0 ? JSON.stringify(span.links.map(linkJson)) : null,
      span.droppedLinksCount,
      resourceId,
      scopeId,
      pending ? 1 : 0,
      receivedMs,
    )
    if (info.changes === 0) return false
    if (!pending) s.deletePending.run(span.traceId, span.spanId)
    return true
  }

  private updateTrace(traceId: string, delta: TraceDelta, updatedMs: number): void {
    const s = this.statements
    const row = s.getTrace.get(traceId) as TraceRow | undefined
    // Any span may have started (pending) or replaced a pending one, so count again.
    const inProgressCount = (s.countPending.get(traceId) as { n: number }).n
    const next = {
      traceId,
      rootSpanId: row?.root_span_id ?? null,
      rootStartNs: row?.root_start_ns ?? null,
      rootStatus: Number(row?.root_status ?? 0),
      name: row?.name ?? delta.earliestName,
      nameStartNs: row ? row.name_start_ns : delta.startNs,
      serviceName: row?.service_name ?? null,
      startNs: row ? minBig(row.start_ns, delta.startNs) : delta.startNs,
      endNs: row ? maxBig(row.end_ns, delta.endNs) : delta.endNs,
      spanCount: Number(row?.span_count ?? 0) + delta.spans,
      errorCount: Number(row?.error_count ?? 0) + delta.errors,
      inProgressCount,
      updatedMs,
    }
    if (!row) next.serviceName = delta.earliestService
    const root = delta.root
    if (root && (next.rootStartNs === null || root.startNs < next.rootStartNs)) {
      // Trace-level fields come from the root, whatever arrived first.
      next.rootSpanId = root.spanId
      next.rootStartNs = root.startNs
      next.rootStatus = root.status
      next.name = root.name
      next.nameStartNs = root.startNs
      next.serviceName = root.service
    } else if (next.rootSpanId === null && row && delta.startNs < row.name_start_ns) {
      // No root yet: name the trace after its earliest span.
      next.name = delta.earliestName
      next.nameStartNs = delta.startNs
      next.serviceName = delta.earliestService
    }
    s.insertTrace.run(next)
  }

  private writeLogRecords(data: DecodedLogs, receivedMs: number): number {
    let count = 0
    for (const group of data.groups) {
      const resourceId = this.resourceId(group.resource)
      const scopeId = this.scopeId(group.scope)
      for (const record of group.records) {
        this.statements.insertLog.run(
          record.traceId,
          record.spanId,
          clampNs(record.timeUnixNano),
          clampNs(record.observedTimeUnixNano),
          record.severityNumber,
          record.severityText,
          JSON.stringify(record.body.value),
          record.body.otlp ? JSON.stringify(record.body.otlp) : null,
          JSON.stringify(record.attributes.values),
          typesJson(record.attributes),
          record.droppedAttributesCount,
          record.flags,
          record.eventName,
          resourceId,
          scopeId,
          receivedMs,
        )
        count++
      }
    }
    return count
  }

  private resourceId(resource: DecodedResource): number {
    const attributes = JSON.stringify(resource.attributes.values)
    const types = typesJson(resource.attributes)
    const fingerprint = `${resource.schemaUrl}\n${resource.droppedAttributesCount}\n${types ?? ''}\n${attributes}`
    const cached = this.resourceIds.get(fingerprint)
    if (cached !== undefined) return cached
    const s = this.statements
    const found = s.findResource.get(fingerprint) as { id: number } | undefined
    const id =
      found?.id ??
      Number(
        s.insertResource.run(
          fingerprint,
          serviceNameOf(resource),
          attributes,
          types,
          resource.droppedAttributesCount,
          resource.schemaUrl,
        ).lastInsertRowid,
      )
    remember(this.resourceIds, fingerprint, id)
    return id
  }

  private scopeId(scope: DecodedScope): number {
    const attributes = JSON.stringify(scope.attributes.values)
    const types = typesJson(scope.attributes)
    const fingerprint = `${scope.name}\n${scope.version}\n${scope.schemaUrl}\n${scope.droppedAttributesCount}\n${types ?? ''}\n${attributes}`
    const cached = this.scopeIds.get(fingerprint)
    if (cached !== undefined) return cached
    const s = this.statements
    const found = s.findScope.get(fingerprint) as { id: number } | undefined
    const id =
      found?.id ??
      Number(
        s.insertScope.run(
          fingerprint,
          scope.name,
          scope.version,
          attributes,
          types,
          scope.droppedAttributesCount,
          scope.schemaUrl,
        ).lastInsertRowid,
      )
    remember(this.scopeIds, fingerprint, id)
    return id
  }
}

/** A `traces` row read with safeIntegers, so every integer column is a bigint. */
interface TraceRow {
  root_span_id: string | null
  root_start_ns: bigint | null
  root_status: bigint
  name: string
  name_start_ns: bigint
  service_name: string | null
  start_ns: bigint
  end_ns: bigint
  span_count: bigint
  error_count: bigint
  in_progress_count: bigint
}

function recordDelta(
  deltas: Map<string, TraceDelta>,
  span: DecodedSpan,
  pending: boolean,
  service: string | null,
): void {
  const startNs = clampNs(span.startTimeUnixNano)
  const endNs = clampNs(span.endTimeUnixNano)
  let delta = deltas.get(span.traceId)
  if (!delta) {
    delta = {
      spans: 0,
      errors: 0,
      startNs,
      endNs,
      earliestName: span.name,
      earliestService: service,
      root: null,
    }
    deltas.set(span.traceId, delta)
  }
  if (startNs < delta.startNs) {
    delta.startNs = startNs
    delta.earliestName = span.name
    delta.earliestService = service
  }
  if (endNs > delta.endNs) delta.endNs = endNs
  if (pending) return
  delta.spans++
  if (span.statusCode === 2) delta.errors++
  if (span.parentSpanId === null && (delta.root === null || startNs < delta.root.startNs)) {
    delta.root = {
      spanId: span.spanId,
      startNs,
      name: span.name,
      status: span.statusCode,
      service,
    }
  }
}

/** SQLite integers are signed 64-bit; a fixed64 above that is clamped to the largest one. */
const MAX_INT64 = (1n << 63n) - 1n
function clampNs(ns: bigint): bigint {
  return ns > MAX_INT64 ? MAX_INT64 : ns
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

function typesJson(attributes: Attributes): string | null {
  return attributes.otlpTypes ? JSON.stringify(attributes.otlpTypes) : null
}

function eventJson(event: DecodedSpan['events'][number]): object {
  return {
    timeUnixNano: event.timeUnixNano.toString(),
    name: event.name,
    attributes: event.attributes.values,
    attributeTypes: event.attributes.otlpTypes ?? undefined,
    droppedAttributesCount: event.droppedAttributesCount,
  }
}

function linkJson(link: DecodedSpan['links'][number]): object {
  return {
    traceId: link.traceId,
    spanId: link.spanId,
    traceState: link.traceState,
    flags: link.flags,
    attributes: link.attributes.values,
    attributeTypes: link.attributes.otlpTypes ?? undefined,
    droppedAttributesCount: link.droppedAttributesCount,
  }
}

function serviceNameOf(resource: DecodedResource): string | null {
  return stringAttribute(resource.attributes, 'service.name')
}

function stringAttribute(attributes: Attributes, key: string): string | null {
  const value = attributes.values[key]
  return typeof value === 'string' ? value : null
}

const MAX_CACHED_IDS = 1_000
function remember(cache: Map<string, number>, key: string, id: number): void {
  if (cache.size >= MAX_CACHED_IDS) cache.clear()
  cache.set(key, id)
}
