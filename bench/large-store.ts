// A large store for the query, start-up and memory measures: small APM
// traces, GenAI agent runs and one 50,000-span trace, written through the
// store's writer in this process (much faster than exporting them over
// OTLP, and the same rows). The core then normalizes and indexes them itself.

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeTracesProto } from '../src/core/otlp/index'
import type { DecodedTraces } from '../src/core/otlp/model'
import { openDatabase } from '../src/core/store/database'
import { SpanWriter } from '../src/core/store/writer'
import { apiGet, percentile, type ServedCore } from './serve'
import { buildRequest, renumberTraces, type RequestBodies } from './workload'

export const BIG_TRACE_ID = 'b16b16b16b16b16b16b16b16b16b1600'
export const BIG_TRACE_SPANS = 50_000
/** Spans per child group in the big trace: a root, 500 request spans, each with 99 children. */
const GROUP_SIZE = 100
const GENAI_SHARE = 0.05

export interface LargeStore {
  dataDir: string
  spans: number
  genaiSpans: number
  apmSpans: number
  bigTraceSpans: number
  seconds: number
}

/** Moves every span of a decoded batch `offsetNs` back in time. */
function shiftTimes(batch: DecodedTraces, offsetNs: bigint): void {
  for (const group of batch.groups) {
    for (const span of group.spans) {
      span.startTimeUnixNano -= offsetNs
      span.endTimeUnixNano -= offsetNs
    }
  }
}

async function writeProfile(
  writer: SpanWriter,
  bodies: RequestBodies,
  spans: number,
  firstSequence: number,
  spreadNs: bigint,
): Promise<number> {
  const batches = Math.ceil(spans / bodies.spans)
  let written = 0
  let pending: Promise<unknown>[] = []
  for (let k = 0; k < batches; k++) {
    const batch = decodeTracesProto(renumberTraces(bodies, firstSequence + k))
    // Spread the batches over the store's time range, newest first.
    shiftTimes(batch, (spreadNs * BigInt(k)) / BigInt(batches))
    pending.push(writer.writeTraces(batch))
    written += bodies.spans
    // A few batches in the queue let the writer commit them together.
    if (pending.length >= 8) {
      await Promise.all(pending)
      pending = []
    }
  }
  await Promise.all(pending)
  return written
}

/** Writes one trace of BIG_TRACE_SPANS spans, in groups under a single root. */
async function writeBigTrace(writer: SpanWriter, bodies: RequestBodies): Promise<number> {
  const spanId = (n: number) => (n + 1).toString(16).padStart(16, '0')
  let n = 0
  while (n < BIG_TRACE_SPANS) {
    const batch = decodeTracesProto(bodies.protobuf)
    for (const group of batch.groups) {
      const kept = group.spans.slice(0, BIG_TRACE_SPANS - n)
      for (const span of kept) {
        span.traceId = BIG_TRACE_ID
        span.spanId = spanId(n)
        const head = n - (n % GROUP_SIZE)
        span.parentSpanId = n === 0 ? null : n === head ? spanId(0) : spanId(head)
        span.name = n === 0 ? 'GET /reports/yearly' : span.name
        n++
      }
      group.spans = kept
    }
    await writer.writeTraces(batch)
  }
  return n
}

/** Builds a store of about `totalSpans` spans in a new temporary folder. */
export async function buildLargeStore(totalSpans: number): Promise<LargeStore> {
  const started = performance.now()
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-large-'))
  const db = openDatabase(dataDir)
  const writer = new SpanWriter(db)
  const apmBodies = buildRequest('apm', 512, 3)
  const bigTraceSpans = await writeBigTrace(writer, apmBodies)
  const rest = Math.max(0, totalSpans - bigTraceSpans)
  const genaiSpans = await writeProfile(
    writer,
    buildRequest('genai', 512, 5),
    Math.round(rest * GENAI_SHARE),
    100_000,
    3_600_000_000_000n,
  )
  const apmSpans = await writeProfile(
    writer,
    apmBodies,
    rest - genaiSpans,
    200_000,
    86_400_000_000_000n,
  )
  writer.close()
  db.close()
  return {
    dataDir,
    spans: bigTraceSpans + genaiSpans + apmSpans,
    genaiSpans,
    apmSpans,
    bigTraceSpans,
    seconds: (performance.now() - started) / 1000,
  }
}

export interface TimedRequest {
  sortedMs: number[]
  status: number
  bytes: number
  body: unknown
}

/** Sends the same API GET `runs` times, after one untimed warm-up request. */
export async function timeRequest(
  core: ServedCore,
  path: string,
  runs: number,
): Promise<TimedRequest> {
  const warmUp = await apiGet(core, path)
  const text = await warmUp.text()
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now()
    const response = await apiGet(core, path)
    await response.arrayBuffer()
    times.push(performance.now() - t0)
  }
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    // The caller checks `status`; a non-JSON body stays null.
  }
  return {
    sortedMs: times.sort((a, b) => a - b),
    status: warmUp.status,
    bytes: text.length,
    body,
  }
}

export function p95(request: TimedRequest): number {
  return percentile(request.sortedMs, 95)
}

export function median(request: TimedRequest): number {
  return percentile(request.sortedMs, 50)
}
