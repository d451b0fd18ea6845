// Retention as a user sees it. Under an age limit, a trace goes once its
// newest span and its last receipt are both older than the limit, with its
// spans, GenAI rows, logs, run links and finished runs. A trace that started
// long ago but has a recent span stays, and so does old telemetry received
// recently. Under a size cap, the oldest traces go until the store fits, and
// the file shrinks after incremental vacuum. Ingest keeps being answered
// quickly while a pass runs. Time passing is simulated by moving stored
// times back, because the limits are days.

import { SpanKind } from '@opentelemetry/api'
import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces } from '../../bench/workload'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { DATABASE_FILE } from '../../src/core/store/database'
import type { CoreStatus, TraceSummary } from '../../src/shared/api'
import { apiGet } from '../helpers/cases'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  childContextOf,
  encodeLogs,
  encodeSpans,
  recordLogs,
  recordSpans,
} from '../helpers/otlp-bodies'
import { startServe } from '../helpers/serve'

const DAY_MS = 24 * 60 * 60 * 1000
const MIB = 1024 * 1024
const SPANS_PER_REQUEST = 32

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startCoreForTest(options: Parameters<typeof startTestCore>[1] = {}) {
  const loupe = await startTestCore(makeDataDir('loupe-retention-'), options)
  cleanups.push(() => removeDir(loupe.dataDir))
  cleanups.push(() => loupe.stop())
  return loupe
}

async function post(loupe: TestCore, path: string, body: Buffer): Promise<number> {
  const response = await fetch(`${loupe.otlpHttpUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body,
  })
  await response.arrayBuffer()
  return response.status
}

function count(db: Database.Database, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n
}

/** Rows that belong to a trace, table by table. */
function traceRows(db: Database.Database, traceId: string): Record<string, number> {
  return {
    traces: count(db, 'SELECT count(*) AS n FROM traces WHERE trace_id = ?', traceId),
    spans: count(db, 'SELECT count(*) AS n FROM spans WHERE trace_id = ?', traceId),
    span_genai: count(db, 'SELECT count(*) AS n FROM span_genai WHERE trace_id = ?', traceId),
    trace_genai: count(db, 'SELECT count(*) AS n FROM trace_genai WHERE trace_id = ?', traceId),
    logs: count(db, 'SELECT count(*) AS n FROM logs WHERE trace_id = ?', traceId),
    run_traces: count(db, 'SELECT count(*) AS n FROM run_traces WHERE trace_id = ?', traceId),
  }
}

/** Converts Unix milliseconds to the [seconds, nanoseconds] time the OTel API takes. */
function hrTime(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000]
}

describe('age limit', () => {
  it('deletes traces whose newest span is past the limit', async () => {
    const loupe = await startCoreForTest({ retentionDays: 7 })
    const db = loupe.core.database
    const now = Date.now()
    const monthAgo = now - 30 * DAY_MS
    const runId = 'run-expired'

    // Four traces: one that ended a month ago, one that started a month ago
    // and has a span that ended now, one sent with month-old times but
    // received now (an import), and a recent one.
    const expired = recordSpans('retention-age', (tracer) => {
      tracer
        .startSpan('chat gpt-4o', {
          kind: SpanKind.CLIENT,
          startTime: hrTime(monthAgo),
          attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
        })
        .end(hrTime(monthAgo + 1000))
    })
    const longRunning = recordSpans('retention-age', (tracer) => {
      const root = tracer.startSpan('nightly batch', { startTime: hrTime(monthAgo) })
      tracer
        .startSpan('step', { startTime: hrTime(now - 1000) }, childContextOf(root))
        .end(hrTime(now))
      root.end(hrTime(monthAgo + 1000))
    })
    const imported = recordSpans('retention-age', (tracer) => {
      tracer.startSpan('old report', { startTime: hrTime(monthAgo) }).end(hrTime(monthAgo + 10))
    })
    const recent = recordSpans('retention-age', (tracer) => {
      tracer.startSpan('chat claude', { startTime: hrTime(now - 1000) }).end(hrTime(now))
    })
    const ids = {
      expired: expired[0]!.spanContext().traceId,
      longRunning: longRunning[0]!.spanContext().traceId,
      imported: imported[0]!.spanContext().traceId,
      recent: recent[0]!.spanContext().traceId,
    }
    for (const spans of [expired, longRunning, imported, recent]) {
      expect(await post(loupe, '/v1/traces', encodeSpans(spans).protobuf)).toBe(200)
    }
    const expiredSpan = expired[0]!.spanContext()
    const logs = recordLogs('retention-age', (logger) => {
      logger.emit({ body: 'model answered', context: childContextOf(expired[0]!) })
      logger.emit({ body: 'worker idle' })
      logger.emit({ body: 'worker started' })
    })
    expect(logs[0]!.spanContext?.traceId).toBe(expiredSpan.traceId)
    expect(await post(loupe, '/v1/logs', encodeLogs(logs).protobuf)).toBe(200)
    await loupe.core.whenNormalized()

    // A month passes for everything but the import, the recent trace and one log.
    db.prepare('UPDATE traces SET updated_ms = ? WHERE trace_id IN (?, ?)').run(
      monthAgo,
      ids.expired,
      ids.longRunning,
    )
    db.prepare('UPDATE logs SET received_ms = ? WHERE body != \'"worker started"\'').run(monthAgo)
    // A run that ended a month ago, as `loupe run` records it, linked to the expired trace.
    db.prepare(
      `INSERT INTO runs (id, command, cwd, mode, started_ms, ended_ms, exit_code)
       VALUES (?, 'python agent.py', '/tmp', 'live', ?, ?, 0)`,
    ).run(runId, monthAgo, monthAgo)
    db.prepare('INSERT INTO run_traces (run_id, trace_id) VALUES (?, ?)').run(runId, ids.expired)
    db.prepare(
      `INSERT INTO metric_batches (received_ms, encoding, body, resource_metrics)
       VALUES (?, 'json', '{}', 0), (?, 'json', '{}', 0)`,
    ).run(monthAgo, now)
    const before = traceRows(db, ids.expired)
    expect(before).toEqual({
      traces: 1,
      spans: 1,
      span_genai: 1,
      trace_genai: 1,
      logs: 1,
      run_traces: 1,
    })

    const report = await loupe.core.runRetention()

    expect(traceRows(db, ids.expired)).toEqual({
      traces: 0,
      spans: 0,
      span_genai: 0,
      trace_genai: 0,
      logs: 0,
      run_traces: 0,
    })
    expect(report.traces).toBe(1)
    expect(report.spans).toBe(1)
    expect(report.logs).toBe(2)
    expect(report.metricBatches).toBe(1)
    expect(report.runs).toBe(1)
    expect(count(db, 'SELECT count(*) AS n FROM runs WHERE id = ?', runId)).toBe(0)
    expect(count(db, 'SELECT count(*) AS n FROM logs')).toBe(1)
    expect(count(db, 'SELECT count(*) AS n FROM metric_batches')).toBe(1)

    const { body: traces } = await apiGet<TraceSummary[]>(loupe, '/api/traces?limit=50')
    expect(traces.map((t) => t.traceId).sort()).toEqual(
      [ids.longRunning, ids.imported, ids.recent].sort(),
    )
    const { status: gone } = await apiGet<unknown>(loupe, `/api/traces/${ids.expired}/full`)
    expect(gone).toBe(404)
    const { body: status } = await apiGet<CoreStatus>(loupe, '/api/status')
    expect(status.store?.retentionDays).toBe(7)
    expect(status.store?.lastRetention?.traces).toBe(1)
  })
})

const template = buildRequest('genai', SPANS_PER_REQUEST, 31)
const templateTraceId = decodeTracesProto(template.protobuf).groups[0]!.spans[0]!.traceId
const traceIdOf = (sequence: number) =>
  sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)

/** Sends requests 1..count from `clients` concurrent clients; returns each request's latency. */
async function ingest(
  loupe: TestCore,
  first: number,
  last: number,
  clients = 4,
): Promise<number[]> {
  const latencies: number[] = []
  let next = first
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next <= last) {
        const sequence = next++
        const started = performance.now()
        expect(await post(loupe, '/v1/traces', renumberTraces(template, sequence))).toBe(200)
        latencies.push(performance.now() - started)
      }
    }),
  )
  return latencies
}

function fileBytes(dataDir: string): number {
  const file = join(dataDir, DATABASE_FILE)
  const wal = `${file}-wal`
  return statSync(file).size + (existsSync(wal) ? statSync(wal).size : 0)
}

describe('size cap', () => {
  it('deletes the oldest traces and shrinks the file', async () => {
    const REQUESTS = 120
    const dataDir = makeDataDir('loupe-retention-size-')
    cleanups.push(() => removeDir(dataDir))
    const unlimited = await startTestCore(dataDir)
    await ingest(unlimited, 1, REQUESTS)
    await unlimited.core.whenNormalized()
    await unlimited.stop()
    const before = fileBytes(dataDir)
    expect(before).toBeGreaterThan(16 * MIB)

    const served = await startServe(dataDir, ['--retention-days', '30'], {
      LOUPE_MAX_STORE_MB: '8',
    })
    cleanups.push(() => served.stop().then(() => undefined))
    expect(served.output()).toContain('Retention: at most 8 MiB, traces kept 30 days')
    let status: CoreStatus | null = null
    for (let i = 0; i < 200 && !status?.store?.lastRetention; i++) {
      const response = await fetch(`${served.discovery.uiUrl}/api/status`, {
        headers: { Authorization: `Bearer ${served.discovery.token}` },
      })
      status = (await response.json()) as CoreStatus
      if (!status.store?.lastRetention) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(status?.store?.maxStoreBytes).toBe(8 * MIB)
    expect(status?.store?.lastRetention?.traces).toBeGreaterThan(0)
    expect(await served.stop(), served.output()).toBe(0)

    const after = fileBytes(dataDir)
    console.log(
      `size cap: ${(before / MIB).toFixed(1)} MiB before, ${(after / MIB).toFixed(1)} MiB after; ` +
        `${status!.store!.lastRetention!.traces} traces deleted, ` +
        `longest write lock ${status!.store!.lastRetention!.maxLockMs.toFixed(1)} ms`,
    )
    expect(after).toBeLessThanOrEqual(8 * MIB)

    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true })
    cleanups.push(() => {
      db.close()
    })
    const kept = db.prepare('SELECT trace_id FROM traces').pluck().all() as string[]
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(REQUESTS)
    // The newest traces are the ones kept.
    const keptSequences = kept.map((id) => parseInt(id.slice(0, 8), 16)).sort((a, b) => a - b)
    const newest = Array.from({ length: kept.length }, (_, i) => REQUESTS - kept.length + 1 + i)
    expect(keptSequences).toEqual(newest)
    // Nothing is left of the deleted traces, and the kept ones are whole.
    expect(
      count(
        db,
        'SELECT count(*) AS n FROM spans WHERE trace_id NOT IN (SELECT trace_id FROM traces)',
      ),
    ).toBe(0)
    expect(
      count(
        db,
        'SELECT count(*) AS n FROM span_genai WHERE span_row_id NOT IN (SELECT id FROM spans)',
      ),
    ).toBe(0)
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(kept.length * SPANS_PER_REQUEST)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2)
  })

  it('starts a pass when ingest passes the cap', async () => {
    const REQUESTS = 60
    const loupe = await startCoreForTest({ maxStoreBytes: 4 * MIB })
    await ingest(loupe, 1, REQUESTS)
    // No pass was asked for: the commits that went over the cap started them.
    const db = loupe.core.database
    let traces = count(db, 'SELECT count(*) AS n FROM traces')
    for (let i = 0; i < 100 && traces >= REQUESTS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      traces = count(db, 'SELECT count(*) AS n FROM traces')
    }
    expect(traces).toBeLessThan(REQUESTS)
    expect(traceRows(db, traceIdOf(1)).spans).toBe(0)
    expect(traceRows(db, traceIdOf(REQUESTS)).spans).toBe(SPANS_PER_REQUEST)
  })

  it('keeps ingest answered quickly during a pass', async () => {
    const REQUESTS = 150
    const loupe = await startCoreForTest({ retentionDays: 7 })
    await ingest(loupe, 1, REQUESTS)
    await loupe.core.whenNormalized()
    loupe.core.database
      .prepare('UPDATE traces SET updated_ms = ?, end_ns = 0')
      .run(Date.now() - 30 * DAY_MS)

    const pass = loupe.core.runRetention()
    const latencies = await ingest(loupe, REQUESTS + 1, REQUESTS + 40, 2)
    const report = await pass
    const slowest = Math.max(...latencies)
    console.log(
      `retention pass: ${report.traces} traces (${report.spans} spans) in ${report.steps} steps ` +
        `and ${report.durationMs.toFixed(0)} ms; longest write lock ${report.maxLockMs.toFixed(1)} ms; ` +
        `slowest of ${latencies.length} concurrent requests ${slowest.toFixed(0)} ms`,
    )
    expect(report.traces).toBe(REQUESTS)
    expect(report.stoppedEarly).toBeNull()
    // Generous bounds for a loaded 2-core machine; the measured numbers are printed above.
    expect(report.maxLockMs).toBeLessThan(500)
    expect(slowest).toBeLessThan(2_000)
    const db = loupe.core.database
    expect(count(db, 'SELECT count(*) AS n FROM traces')).toBe(40)
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(40 * SPANS_PER_REQUEST)
    expect(traceRows(db, traceIdOf(1)).spans).toBe(0)
    expect(traceRows(db, traceIdOf(REQUESTS + 40)).spans).toBe(SPANS_PER_REQUEST)
  })
})
