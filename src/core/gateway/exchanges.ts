// The recordings of forwarded model calls: stored in gateway_exchanges as
// the bytes that went each way (keys removed), and listed per run for the
// API, with the bodies in base64 so that they come back byte for byte.

import type Database from 'better-sqlite3'
import type { ExchangeJson } from '../../shared/api'
import type { ExchangeRecord } from './types'

interface ExchangeRow {
  id: number
  run_id: string | null
  trace_id: string
  span_id: string
  mode: string
  provider: string
  api: string
  method: string
  path: string
  upstream_url: string | null
  request_headers: string
  request_body: Buffer
  status: number | null
  response_headers: string | null
  response_body: Buffer | null
  chunk_timings: string | null
  started_unix_ms: number
  first_byte_ms: number | null
  duration_ms: number
  failure: string | null
}

export class ExchangeStore {
  private readonly insertStatement: Database.Statement
  private readonly byRunStatement: Database.Statement

  constructor(db: Database.Database) {
    this.insertStatement = db.prepare(`
      INSERT INTO gateway_exchanges (
        run_id, trace_id, span_id, mode, provider, api, method, path, upstream_url,
        request_headers, request_body, status, response_headers, response_body,
        chunk_timings, started_unix_ms, first_byte_ms, duration_ms, failure
      ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.byRunStatement = db.prepare('SELECT * FROM gateway_exchanges WHERE run_id = ? ORDER BY id')
  }

  insert(record: ExchangeRecord): void {
    this.insertStatement.run(
      record.runId,
      record.traceId,
      record.spanId,
      record.mode,
      record.provider,
      record.api,
      record.method,
      record.path,
      record.upstreamUrl,
      JSON.stringify(record.requestHeaders),
      record.requestBody,
      record.status,
      record.responseHeaders === null ? null : JSON.stringify(record.responseHeaders),
      record.responseBody,
      JSON.stringify(record.chunkTimings),
      record.startedUnixMs,
      record.firstByteMs,
      record.durationMs,
      record.failure,
    )
  }

  /** Lists a run's recorded calls in the order they were made. */
  listByRun(runId: string): ExchangeJson[] {
    return (this.byRunStatement.all(runId) as ExchangeRow[]).map((row) => ({
      id: row.id,
      runId: row.run_id,
      traceId: row.trace_id,
      spanId: row.span_id,
      mode: row.mode,
      provider: row.provider,
      api: row.api,
      method: row.method,
      path: row.path,
      upstreamUrl: row.upstream_url,
      requestHeaders: JSON.parse(row.request_headers) as Record<string, string>,
      requestBody: row.request_body.toString('base64'),
      status: row.status,
      responseHeaders:
        row.response_headers === null
          ? null
          : (JSON.parse(row.response_headers) as Record<string, string>),
      responseBody: (row.response_body ?? Buffer.alloc(0)).toString('base64'),
      chunkTimings: JSON.parse(row.chunk_timings ?? '[]') as [number, number][],
      startTime: new Date(row.started_unix_ms).toISOString(),
      firstByteMs: row.first_byte_ms,
      durationMs: row.duration_ms,
      failure: row.failure,
    }))
  }
}
