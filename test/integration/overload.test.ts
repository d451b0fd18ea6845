// Backpressure: an OTLP/HTTP receiver whose write queue holds only a few
// requests' spans is sent far more concurrent requests than it can queue.
// It must reject the excess with 503 and Retry-After, store every span of
// every request it acknowledged with 200 (and none of the rejected ones), keep
// its memory bounded, and accept requests again once the load is gone.
//
// startCore does not expose the write queue's size, so the test assembles
// the same parts that the core uses: store, SpanWriter, Ingestor and the
// OTLP/HTTP handler on a node:http server.

import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces, type RequestBodies } from '../../bench/workload'
import { DEFAULT_MAX_BODY_BYTES } from '../../src/core/core'
import { Ingestor } from '../../src/core/ingest'
import { hostChecker } from '../../src/core/net'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { createOtlpHttpHandler } from '../../src/core/otlp/http-receiver'
import { DEFAULT_MAX_IN_FLIGHT_BYTES, InFlightBudget } from '../../src/core/otlp/in-flight-budget'
import { openDatabase } from '../../src/core/store/database'
import { SpanWriter } from '../../src/core/store/writer'
import { makeDataDir, removeDir } from '../helpers/core'
import { startSlowRequest, storedSpansByTrace } from '../helpers/overload'

/** Spans that may wait for a commit: two requests' worth. */
const MAX_QUEUED_SPANS = 64
/** One GenAI trace of 32 spans per request, about 200 KB of protobuf. */
const SPANS_PER_REQUEST = 32
const CLIENTS = 48
const REQUESTS_PER_CLIENT = 8
/**
 * Largest growth of this process's RSS during the blast. The process contains
 * the test's clients as well as the receiver: 48 bodies of 200 KB in flight
 * on each side, decoded spans and SQLite's page cache.
 */
const MAX_RSS_GROWTH_BYTES = 300 * 1024 * 1024

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Receiver {
  url: string
  db: Database.Database
}

async function startReceiver(
  limits: { maxQueuedItems?: number; maxInFlightBytes?: number } = {},
): Promise<Receiver> {
  const dataDir = makeDataDir('loupe-overload-')
  cleanups.push(() => removeDir(dataDir))
  const db = openDatabase(dataDir)
  cleanups.push(() => {
    db.close()
  })
  const log = pino({ level: 'silent' })
  const writer = new SpanWriter(db, {
    maxQueuedItems: limits.maxQueuedItems ?? MAX_QUEUED_SPANS,
  })
  cleanups.push(() => writer.close())
  const ingestor = new Ingestor(writer, log)
  const server = createServer(
    createOtlpHttpHandler({
      ingestor,
      log,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      inFlightBudget: new InFlightBudget(limits.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES),
      uiUrl: () => 'http://127.0.0.1:0',
      isAllowedHost: hostChecker('127.0.0.1', []),
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => closeServer(server))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/v1/traces`, db }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

interface Answer {
  sequence: number
  status: number
  retryAfter: string | null
}

async function send(url: string, template: RequestBodies, sequence: number): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body: renumberTraces(template, sequence),
  })
  await response.arrayBuffer()
  return { sequence, status: response.status, retryAfter: response.headers.get('retry-after') }
}

describe('overload', () => {
  it('rejects the excess with 503 and keeps what it acknowledged', async () => {
    const receiver = await startReceiver()
    const template = buildRequest('genai', SPANS_PER_REQUEST, 5)
    const templateTraceId = decodeTracesProto(template.protobuf).groups[0]!.spans[0]!.traceId
    const traceIdOf = (sequence: number) =>
      sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)

    global.gc?.()
    const baselineRss = process.memoryUsage().rss
    let peakRss = baselineRss
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 5)
    cleanups.push(() => clearInterval(sampler))

    const started = performance.now()
    const answers = (
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          const own: Answer[] = []
          for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
            own.push(await send(receiver.url, template, client * REQUESTS_PER_CLIENT + i + 1))
          }
          return own
        }),
      )
    ).flat()
    const elapsedMs = performance.now() - started
    clearInterval(sampler)
    peakRss = Math.max(peakRss, process.memoryUsage().rss)

    const accepted = answers.filter((answer) => answer.status === 200)
    const rejected = answers.filter((answer) => answer.status !== 200)
    expect(answers).toHaveLength(CLIENTS * REQUESTS_PER_CLIENT)
    expect(accepted.length).toBeGreaterThan(0)
    expect(rejected.length).toBeGreaterThan(0)
    for (const answer of rejected) {
      expect(answer.status).toBe(503)
      expect(answer.retryAfter).toMatch(/^[1-9][0-9]*$/)
    }

    const stored = storedSpansByTrace(receiver.db)
    for (const answer of accepted) {
      expect(stored.get(traceIdOf(answer.sequence)), `request ${answer.sequence}`).toBe(
        SPANS_PER_REQUEST,
      )
    }
    // A rejected request was never queued, so a retry of it stores no duplicate.
    for (const answer of rejected) {
      expect(stored.has(traceIdOf(answer.sequence)), `request ${answer.sequence}`).toBe(false)
    }

    const growth = peakRss - baselineRss
    console.log(
      `overload: ${answers.length} requests in ${elapsedMs.toFixed(0)} ms, ` +
        `${accepted.length} answered 200 and ${rejected.length} answered 503; ` +
        `RSS ${mb(baselineRss)} MB before, peak ${mb(peakRss)} MB (+${mb(growth)} MB)`,
    )
    expect(growth).toBeLessThan(MAX_RSS_GROWTH_BYTES)

    const afterwards = await send(receiver.url, template, CLIENTS * REQUESTS_PER_CLIENT + 1)
    expect(afterwards.status).toBe(200)
    expect(storedSpansByTrace(receiver.db).get(traceIdOf(afterwards.sequence))).toBe(
      SPANS_PER_REQUEST,
    )
  })
})

describe('in-flight body budget', () => {
  const template = buildRequest('genai', SPANS_PER_REQUEST, 5)
  const body = (sequence: number) => renumberTraces(template, sequence)

  it('rejects a request while others hold the budget', async () => {
    const size = body(1).length
    const receiver = await startReceiver({
      maxQueuedItems: 100_000,
      maxInFlightBytes: Math.floor(size * 1.5),
    })
    const slow = startSlowRequest(receiver.url, body(1))
    // Let the receiver read the slow request's headers and take its bytes.
    await new Promise((resolve) => setTimeout(resolve, 200))

    const busy = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"resourceSpans":[]}'.padEnd(size, ' '),
    })
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('1')
    const message = ((await busy.json()) as { message: string }).message
    expect(message).toContain('request bodies in flight')
    expect(message).toContain('retry after the Retry-After delay')

    const chunked = await sendChunked(receiver.url, body(2))
    expect(chunked).toBe(503)

    expect(await slow.finish()).toBe(200)
    const stored = storedSpansByTrace(receiver.db)
    expect(stored.size).toBe(1)
    expect([...stored.values()]).toEqual([SPANS_PER_REQUEST])

    // With the budget free again, both are accepted.
    expect((await send(receiver.url, template, 3)).status).toBe(200)
    expect(await sendChunked(receiver.url, body(4))).toBe(200)
    expect(storedSpansByTrace(receiver.db).size).toBe(3)
  })

  it('admits a body larger than the budget when alone', async () => {
    const receiver = await startReceiver({ maxQueuedItems: 100_000, maxInFlightBytes: 1024 })
    expect((await send(receiver.url, template, 1)).status).toBe(200)
    expect(await sendChunked(receiver.url, body(2))).toBe(200)
    expect(storedSpansByTrace(receiver.db).size).toBe(2)
  })
})

/** Sends a protobuf body with chunked transfer encoding and returns the status. */
function sendChunked(url: string, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Transfer-Encoding': 'chunked' },
    })
    request.on('response', (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
    request.end(payload)
  })
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0)
}
